/**
 * One line chart, drawn from held (downsampled) series after the view transforms (see lines.ts): Chart.js
 * lays out and draws the axes, grid and titles, the series are drawn as one path each (drawLines.ts), with
 * a tooltip, drag and keyboard zoom and a keyboard value cursor (interaction.ts), a text summary for screen
 * readers and PNG export. The Chart.js instance is created the first time the chart scrolls into view, and
 * the chart is redrawn only while visible, by the drawing scheduler (scheduler.ts).
 */
import { Chart, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, type ChartDataset, type ScatterDataPoint } from 'chart.js';
import type { XAxisMode } from '../protocol';
import { formatTick } from '../data/transforms';
import { drawLines } from './drawLines';
import { ChartInteraction, type InteractiveChart } from './interaction';
import { chartLines, dataBounds, describeSeries, fixedYRange, xTickLabel } from './lines';
import { drawInComingPass, forgetChart, observeChart, scheduleDraw, type ScheduledChart } from './scheduler';
import type { ChartSeries, DrawnDataset, SeriesLine, ViewOptions, XRange } from './types';

// Chart.js draws the axes, grid and titles; the series are drawn by drawLines.
Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale);

let nextId = 0;
const CHART_HEIGHT = 240;

export class LineChart implements ScheduledChart, InteractiveChart {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly summary: HTMLElement;
  private chart: Chart<'line', ScatterDataPoint[]> | undefined;
  private series: ChartSeries[] = [];
  private options: ViewOptions | undefined;
  private zoom: XRange | undefined;
  private visible = false;
  private dirty = true;
  private readonly area: HTMLElement;
  private lastWidth = 0;
  /** What the last draw drew, in drawing order. */
  private drawnLines: SeriesLine[] = [];
  /**
   * The one dataset Chart.js sees: two invisible points spanning the data, from which it picks the axis
   * bounds and ticks (the series themselves are drawn by drawLines). Kept across redraws, as Chart.js ties
   * its per-dataset state to the dataset object.
   */
  private readonly boundsDataset: ChartDataset<'line', ScatterDataPoint[]> = { label: 'bounds', data: [], showLine: false, pointRadius: 0, pointHoverRadius: 0, pointHitRadius: 0, borderWidth: 0 };
  private readonly interaction: ChartInteraction;
  /** The summary the last render computed, written to the DOM after the drawing pass (commitText). */
  private pendingSummary: string | undefined;
  /** Milliseconds the last draw took (benchmark and diagnostics). */
  lastRenderMs = 0;
  renders = 0;

  constructor(
    readonly id: string,
    readonly title: string,
    private readonly kind: { stacked?: boolean; yLabel?: string } = {},
    onExportPng?: (chart: LineChart) => void,
  ) {
    const n = nextId++;
    this.element = document.createElement('figure');
    this.element.className = 'chart';
    this.element.dataset.chartId = id;
    const caption = document.createElement('figcaption');
    const titleText = document.createElement('span');
    titleText.textContent = title;
    caption.append(titleText);
    if (onExportPng) {
      const save = document.createElement('vscode-button');
      save.setAttribute('icon', 'device-camera');
      save.setAttribute('secondary', '');
      save.setAttribute('aria-label', `Export “${title}” as PNG`);
      save.setAttribute('title', 'Export as PNG');
      save.className = 'png';
      save.addEventListener('click', () => onExportPng(this));
      caption.append(save);
    }
    const area = document.createElement('div');
    area.className = 'chart-area';
    this.canvas = document.createElement('canvas');
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', `${title}. Arrow keys, Home and End read the values along the chart; drag or press + and − to zoom, 0 to reset, Shift+arrows to pan.`);
    this.summary = document.createElement('p');
    this.summary.className = 'sr-only';
    this.summary.id = `chart-summary-${n}`;
    this.canvas.setAttribute('aria-describedby', this.summary.id);
    this.interaction = new ChartInteraction(this, area, CHART_HEIGHT);
    const { selection, cursorLine, tooltip, announcer } = this.interaction;
    area.append(this.canvas, selection, cursorLine, tooltip, announcer);
    this.element.append(caption, area, this.summary);
    this.area = area;
    observeChart(this, this.element, area);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.dirty) drawInComingPass(this);
  }

  onResize(width: number): void {
    if (this.chart && width > 0 && width !== this.lastWidth) this.markDirty();
  }

  /** The drawing width (a layout read; the scheduler does all reads before any chart draws). */
  measure(): number {
    return this.area.clientWidth || 600;
  }

  get isVisible(): boolean {
    return this.visible;
  }

  update(series: ChartSeries[], options: ViewOptions): void {
    this.series = series;
    this.options = options;
    this.markDirty();
  }

  markDirty(): void {
    this.dirty = true;
    if (this.visible) scheduleDraw(this);
  }

  resetZoom(): void {
    if (this.zoom === undefined) return;
    this.zoom = undefined;
    this.markDirty();
  }

  get zoomRange(): XRange | undefined {
    return this.zoom;
  }

  setZoom(min: number, max: number): void {
    if (!(max > min)) return;
    this.zoom = { min, max };
    this.markDirty();
  }

  /** For the interaction: the Chart.js instance once drawn. */
  get chartjs(): Chart | undefined {
    return this.chart;
  }

  get lines(): readonly SeriesLine[] {
    return this.drawnLines;
  }

  get xAxis(): XAxisMode {
    return this.options?.xAxis ?? 'step';
  }

  /** What is drawn, per dataset (after smoothing and decimation). */
  drawn(): DrawnDataset[] {
    // A stacked layer reports its own values (`v`), not the running total it is drawn at.
    return this.chart === undefined ? [] : this.drawnLines.map((l) => ({ label: l.label, color: l.color, x: [...l.x], y: [...(l.v ?? l.y)], ...(l.band && { band: { lo: [...l.band.lo], hi: [...l.band.hi] } }) }));
  }

  /** The scales as drawn (type and range), for tests. */
  scales(): { yType: string; yMin: number; yMax: number; xMin: number; xMax: number; tickColor: string } | undefined {
    if (!this.chart) return undefined;
    const { x, y } = this.chart.scales;
    return { yType: y.type, yMin: y.min, yMax: y.max, xMin: x.min, xMax: x.max, tickColor: String(this.options?.theme.foreground) };
  }

  render(width = this.measure()): void {
    if (!this.options) return;
    const started = performance.now();
    this.dirty = false;
    this.lastWidth = width;
    const stacked = this.kind.stacked === true;
    const lines = chartLines({ series: this.series, options: this.options, zoom: this.zoom, stacked }, width);
    this.drawnLines = lines;
    const o = this.options;
    const y = fixedYRange(lines, o, stacked);
    const yLog = o.logScale && !stacked;
    const scales = {
      x: {
        type: 'linear' as const,
        min: this.zoom?.min,
        max: this.zoom?.max,
        ticks: { color: o.theme.foreground, maxRotation: 0, autoSkipPadding: 12, callback: (v: number | string) => xTickLabel(Number(v), this.xAxis) },
        grid: { color: o.theme.grid },
        title: { display: true, text: o.xAxis === 'step' ? 'step' : o.xAxis === 'relative' ? 'time since start' : 'wall time', color: o.theme.foreground },
      },
      y: {
        type: (yLog ? 'logarithmic' : 'linear') as 'linear',
        min: y.min,
        max: y.max,
        ticks: { color: o.theme.foreground, callback: (v: number | string, i: number, ticks: { value: number }[]) => formatTick(Number(v), i, ticks.map((t) => t.value), yLog) },
        grid: { color: o.theme.grid },
        title: { display: this.kind.yLabel !== undefined, text: this.kind.yLabel ?? '', color: o.theme.foreground },
      },
    };
    this.boundsDataset.data = dataBounds(lines, this.zoom, stacked);
    if (this.chart === undefined) {
      this.canvas.width = width;
      this.canvas.height = CHART_HEIGHT;
      this.chart = new Chart<'line', ScatterDataPoint[]>(this.canvas, {
        type: 'line',
        data: { datasets: [this.boundsDataset] },
        // The series are drawn by this plugin, between the grid and the axes' labels (see drawLines).
        plugins: [{ id: 'mtlLabSeries', afterDatasetsDraw: (chart: Chart) => drawLines(chart, this.drawnLines) }],
        options: {
          parsing: false,
          normalized: true,
          animation: false,
          // Sized by the scheduler (see above), not by Chart.js's own resize observer.
          responsive: false,
          maintainAspectRatio: false,
          devicePixelRatio: window.devicePixelRatio || 1,
          // Pointer input is handled by the interaction, not by Chart.js.
          events: [],
          plugins: { legend: { display: false }, tooltip: { enabled: false } },
          scales,
        },
      });
    } else {
      this.chart.options.scales = scales;
      if (this.chart.width !== width) this.chart.resize(width, CHART_HEIGHT);
      this.chart.update('none');
    }
    // Written after the whole drawing pass (commitText): a DOM write here would make the next chart's canvas
    // font setting force a style recalculation in the middle of the pass (seen in traces: up to 5 ms).
    this.pendingSummary = describeSeries(this.title, this.series, this.zoom !== undefined);
    this.interaction.refresh();
    this.renders++;
    this.lastRenderMs = performance.now() - started;
  }

  /** Writes what the last render left for the DOM (the text summary), once the drawing pass is over. */
  commitText(): void {
    if (this.pendingSummary === undefined) return;
    if (this.summary.textContent !== this.pendingSummary) this.summary.textContent = this.pendingSummary;
    this.pendingSummary = undefined;
  }

  /** The chart as a PNG data URL on the theme background (the canvas itself is transparent). */
  toPng(): string | undefined {
    if (!this.chart || !this.options) return undefined;
    const out = document.createElement('canvas');
    out.width = this.canvas.width;
    out.height = this.canvas.height;
    const ctx = out.getContext('2d');
    if (!ctx) return undefined;
    ctx.fillStyle = this.options.theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(this.canvas, 0, 0);
    return out.toDataURL('image/png');
  }

  destroy(): void {
    forgetChart(this, this.element, this.area);
    this.chart?.destroy();
    this.chart = undefined;
    this.element.remove();
  }
}
