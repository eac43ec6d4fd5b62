/**
 * One line chart: Chart.js with parsing off, drawn from held (downsampled) series after the view
 * transforms (x alignment, debiased EMA, decimation to the chart's pixel width inside the zoomed range),
 * with a text summary for screen readers, drag-to-zoom, keyboard zoom and PNG export. The Chart.js
 * instance is created the first time the chart scrolls into view and redrawn only while visible.
 */
import {
  Chart,
  Filler,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type ScatterDataPoint,
} from 'chart.js';
import type { Points, XAxisMode } from './protocol';
import { alignX, decimateToWidth, emaDebiased, formatDuration, formatTick, resampleAt, robustRange } from './data/transforms';
import { withAlpha } from './colors';

// Filler is not registered for every chart: it is given to the stacked ones only (see render), as its
// hooks run for every dataset of every chart on each redraw.
Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip);

export interface ChartSeries {
  /** Unique within the chart, e.g. "run-1:loss/a". */
  id: string;
  label: string;
  runId: string;
  color: string;
  points: Points;
  dashed?: boolean;
}

export interface ViewOptions {
  smoothing: number;
  logScale: boolean;
  xAxis: XAxisMode;
  ignoreOutliers: boolean;
  origins: ReadonlyMap<string, number>;
  theme: ThemeColors;
}

export interface ThemeColors {
  foreground: string;
  grid: string;
  background: string;
  highContrast: boolean;
}

export interface DrawnDataset {
  label: string;
  color: string;
  x: number[];
  y: number[];
}

let nextId = 0;
const CHART_HEIGHT = 240;

/**
 * Draws dirty, visible charts, top of the page first, starting in the next animation frame. Every width
 * is read first (one layout), then charts are drawn at a fixed size (Chart.js's responsive mode would read
 * the layout again after each chart's writes, forcing one reflow per chart). A pass draws charts only
 * until its budget is spent and leaves the rest to a task of its own, so a live update of many charts
 * never holds the page for much longer than a frame: input and due frames are handled in between.
 * `frame` is the requested animation frame, -1 while a continuation task is queued, 0 when idle.
 */
export const FRAME_BUDGET_MS = 8;
const idleWaiters: (() => void)[] = [];
const scheduler = {
  pending: new Set<LineChart>(),
  frame: 0,
  schedule(chart: LineChart): void {
    this.pending.add(chart);
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.flush());
  },
  flush(): void {
    if (this.frame > 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
    // Charts off screen stay dirty and are drawn when they scroll into view (see setVisible).
    const charts = [...this.pending].filter((c) => c.isVisible);
    this.pending.clear();
    const widths = charts.map((c) => c.measure());
    const started = performance.now();
    let drawn = 0;
    for (; drawn < charts.length; drawn++) {
      if (drawn > 0 && performance.now() - started >= FRAME_BUDGET_MS) break;
      charts[drawn].render(widths[drawn]);
    }
    for (const c of charts.slice(drawn)) this.pending.add(c);
    // The rest in a task of its own right away (not a frame later: that would idle until the next vsync);
    // input and frames that fall due are handled in between.
    if (this.pending.size > 0) {
      this.frame = -1;
      continuation.port2.postMessage(null);
    }
    resolveIfIdle();
  },
};
const continuation = new MessageChannel();
continuation.port1.onmessage = () => {
  if (scheduler.frame === -1) scheduler.flush();
};

/** Charts created whose first visibility report has not come yet (they may be about to draw). */
const unseen = new Set<LineChart>();

function isIdle(): boolean {
  return scheduler.pending.size === 0 && scheduler.frame === 0 && unseen.size === 0;
}

function resolveIfIdle(): void {
  if (isIdle()) for (const resolve of idleWaiters.splice(0)) resolve();
}

/** Resolves once every visible chart is drawn (tests and benchmarks wait for it). */
export function chartsIdle(): Promise<void> {
  if (isIdle()) return Promise.resolve();
  return new Promise((resolve) => idleWaiters.push(resolve));
}

const byElement = new WeakMap<Element, LineChart>();
const visibility = new IntersectionObserver((entries) => {
  let any = false;
  for (const e of entries) {
    const chart = byElement.get(e.target);
    if (!chart) continue;
    unseen.delete(chart);
    chart.setVisible(e.isIntersecting);
    any ||= e.isIntersecting;
  }
  // Draw right away (this runs before paint) rather than a frame later.
  if (any) scheduler.flush();
  else resolveIfIdle();
});
const resizes = new ResizeObserver((entries) => {
  for (const e of entries) {
    const chart = byElement.get(e.target.parentElement ?? e.target);
    if (chart) chart.onResize(Math.round(e.contentRect.width));
  }
});

export class LineChart {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly summary: HTMLElement;
  private readonly selection: HTMLElement;
  private chart: Chart<'line', ScatterDataPoint[]> | undefined;
  private series: ChartSeries[] = [];
  private options: ViewOptions | undefined;
  private zoom: { min: number; max: number } | undefined;
  private visible = false;
  private dirty = true;
  private readonly area: HTMLElement;
  private lastWidth = 0;
  /**
   * Chart.js datasets by series (and "raw" companion), kept across redraws: Chart.js ties its per-dataset
   * state (controller, elements, option caches) to the dataset object, so handing it new objects on every
   * live update would rebuild all of that each time.
   */
  private readonly datasetsByKey = new Map<string, ChartDataset<'line', ScatterDataPoint[]>>();
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
    this.canvas.setAttribute('aria-label', `${title}. Drag or press + and − to zoom, 0 to reset, arrows to pan.`);
    this.summary = document.createElement('p');
    this.summary.className = 'sr-only';
    this.summary.id = `chart-summary-${n}`;
    this.canvas.setAttribute('aria-describedby', this.summary.id);
    this.selection = document.createElement('div');
    this.selection.className = 'zoom-selection';
    this.selection.hidden = true;
    area.append(this.canvas, this.selection);
    this.element.append(caption, area, this.summary);
    this.installZoom(area);
    this.area = area;
    byElement.set(this.element, this);
    unseen.add(this);
    visibility.observe(this.element);
    resizes.observe(area);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.dirty) scheduler.pending.add(this);
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

  get instance(): Chart<'line', ScatterDataPoint[]> | undefined {
    return this.chart;
  }

  update(series: ChartSeries[], options: ViewOptions): void {
    this.series = series;
    this.options = options;
    this.markDirty();
  }

  markDirty(): void {
    this.dirty = true;
    if (this.visible) scheduler.schedule(this);
  }

  resetZoom(): void {
    if (this.zoom === undefined) return;
    this.zoom = undefined;
    this.markDirty();
  }

  get zoomRange(): { min: number; max: number } | undefined {
    return this.zoom;
  }

  setZoom(min: number, max: number): void {
    if (!(max > min)) return;
    this.zoom = { min, max };
    this.markDirty();
  }

  /** What is drawn, per dataset (after smoothing and decimation). */
  drawn(): DrawnDataset[] {
    // A stacked layer reports its own values (`v`), not the running total it is drawn at.
    return (this.chart?.data.datasets ?? []).map((d) => ({ label: String(d.label), color: String(d.borderColor), x: d.data.map((p) => Number(p.x)), y: d.data.map((p) => Number(layerValue(p))) }));
  }

  /** The scales as drawn (type and range), for tests. */
  scales(): { yType: string; yMin: number; yMax: number; xMin: number; xMax: number; tickColor: string } | undefined {
    if (!this.chart) return undefined;
    const { x, y } = this.chart.scales;
    return { yType: y.type, yMin: y.min, yMax: y.max, xMin: x.min, xMax: x.max, tickColor: String(this.options?.theme.foreground) };
  }

  private xTick(value: number): string {
    const mode = this.options?.xAxis ?? 'step';
    if (mode === 'relative') return formatDuration(value);
    if (mode === 'wall') return new Date(value).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    return Math.abs(value) >= 10_000 ? `${Math.round(value / 1000)}k` : String(Math.round(value));
  }

  private datasets(pixels: number): ChartDataset<'line', ScatterDataPoint[]>[] {
    if (this.kind.stacked) return this.stackedDatasets(pixels);
    const o = this.options!;
    const out: ChartDataset<'line', ScatterDataPoint[]>[] = [];
    const lineWidth = o.theme.highContrast ? 2.5 : 1.5;
    const smoothing = o.smoothing;
    for (const s of this.series) {
      const xs = alignX(s.points, o.xAxis, o.origins.get(s.runId) ?? 0);
      const ys = s.points.values;
      const smoothed = smoothing > 0 ? emaDebiased(ys, smoothing) : ys;
      const keep = decimateToWidth(xs, smoothed, pixels, this.zoom?.min, this.zoom?.max);
      const data: ScatterDataPoint[] = [];
      for (const i of keep) {
        const y = smoothed[i];
        if (o.logScale && !(y > 0)) continue;
        data.push({ x: xs[i], y });
      }
      if (smoothing > 0 && this.series.length <= 12) {
        // The raw values, faint behind the smoothed line (as TensorBoard draws them).
        const rawKeep = decimateToWidth(xs, ys, pixels, this.zoom?.min, this.zoom?.max);
        out.push(this.dataset(`${s.id}\u0000raw`, {
          label: `${s.label} (raw)`,
          data: rawKeep.filter((i) => !o.logScale || ys[i] > 0).map((i) => ({ x: xs[i], y: ys[i] })),
          borderColor: withAlpha(s.color, 0.25),
          backgroundColor: 'transparent',
          borderWidth: 1,
          borderDash: s.dashed ? [4, 3] : [],
          pointRadius: 0,
          pointHitRadius: 0,
          fill: false,
          order: 1,
        }));
      }
      out.push(this.dataset(s.id, {
        label: s.label,
        data,
        borderColor: s.color,
        backgroundColor: s.color,
        borderWidth: lineWidth,
        borderDash: s.dashed ? [5, 4] : [],
        pointRadius: data.length === 1 ? 3 : 0,
        pointHoverRadius: 4,
        fill: false,
        order: 0,
      }));
    }
    return this.keepOnly(out);
  }

  /**
   * Stacked areas, stacked here rather than by Chart.js (whose stacking walks every point of every layer
   * through its option machinery on each redraw): every layer is resampled at the first layer's x values,
   * all layers keep the same points (the union of each layer's extremes per pixel column, so the fills
   * between neighbours line up), and each point carries its layer's own value `v` for the tooltip.
   */
  private stackedDatasets(pixels: number): ChartDataset<'line', ScatterDataPoint[]>[] {
    const o = this.options!;
    const lineWidth = o.theme.highContrast ? 2.5 : 1.5;
    if (this.series.length === 0) return this.keepOnly([]);
    const xs = alignX(this.series[0].points, o.xAxis, o.origins.get(this.series[0].runId) ?? 0);
    const layers = this.series.map((s, index) => (index === 0 ? s.points.values : resampleAt(xs, alignX(s.points, o.xAxis, o.origins.get(s.runId) ?? 0), s.points.values)));
    const keepSet = new Set<number>();
    for (const ys of layers) for (const i of decimateToWidth(xs, ys, pixels, this.zoom?.min, this.zoom?.max)) keepSet.add(i);
    const keep = [...keepSet].sort((a, b) => a - b);
    const cumulative = new Float64Array(keep.length);
    const out = this.series.map((s, index) => {
      const ys = layers[index];
      const data = keep.map((i, k) => {
        cumulative[k] += ys[i];
        return { x: xs[i], y: cumulative[k], v: ys[i] };
      });
      return this.dataset(s.id, {
        label: s.label,
        data,
        borderColor: s.color,
        backgroundColor: withAlpha(s.color, 0.55),
        borderWidth: lineWidth,
        borderDash: [],
        pointRadius: data.length === 1 ? 3 : 0,
        pointHoverRadius: 4,
        fill: index === 0 ? 'origin' : '-1',
        order: 0,
      });
    });
    return this.keepOnly(out);
  }

  /** Forget kept datasets not in `out` (a hidden run, a removed series). */
  private keepOnly(out: ChartDataset<'line', ScatterDataPoint[]>[]): ChartDataset<'line', ScatterDataPoint[]>[] {
    const used = new Set(out);
    for (const [key, d] of this.datasetsByKey) if (!used.has(d)) this.datasetsByKey.delete(key);
    return out;
  }

  /** The kept dataset object of `key`, updated to `fields` (see datasetsByKey). */
  private dataset(key: string, fields: ChartDataset<'line', ScatterDataPoint[]>): ChartDataset<'line', ScatterDataPoint[]> {
    const existing = this.datasetsByKey.get(key);
    if (existing === undefined) {
      this.datasetsByKey.set(key, fields);
      return fields;
    }
    return Object.assign(existing, fields);
  }

  private yRange(datasets: ChartDataset<'line', ScatterDataPoint[]>[]): { min?: number; max?: number } {
    const o = this.options!;
    if (this.kind.stacked) return { min: 0 };
    if (!o.ignoreOutliers) return {};
    const values: number[] = [];
    for (const d of datasets) if (!String(d.label).endsWith('(raw)')) for (const p of d.data) values.push(Number(p.y));
    return robustRange(values, o.logScale) ?? {};
  }

  render(width = this.measure()): void {
    if (!this.options) return;
    const started = performance.now();
    this.dirty = false;
    this.lastWidth = width;
    const datasets = this.datasets(width);
    const o = this.options;
    const y = this.yRange(datasets);
    const yLog = o.logScale && !this.kind.stacked;
    const scales = {
      x: {
        type: 'linear' as const,
        min: this.zoom?.min,
        max: this.zoom?.max,
        ticks: { color: o.theme.foreground, maxRotation: 0, autoSkipPadding: 12, callback: (v: number | string) => this.xTick(Number(v)) },
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
    if (this.chart === undefined) {
      this.canvas.width = width;
      this.canvas.height = CHART_HEIGHT;
      this.chart = new Chart<'line', ScatterDataPoint[]>(this.canvas, {
        type: 'line',
        data: { datasets },
        plugins: this.kind.stacked ? [Filler] : [],
        options: {
          parsing: false,
          normalized: true,
          animation: false,
          // Sized by the scheduler (see above), not by Chart.js's own resize observer.
          responsive: false,
          maintainAspectRatio: false,
          devicePixelRatio: window.devicePixelRatio || 1,
          spanGaps: true,
          interaction: { mode: 'nearest', intersect: false, axis: 'x' },
          plugins: {
            legend: { display: false },
            tooltip: {
              filter: (item) => !String(item.dataset.label).endsWith('(raw)'),
              callbacks: {
                title: (items) => (items.length > 0 ? `${o.xAxis === 'step' ? 'step ' : ''}${this.xTick(Number(items[0].parsed.x ?? 0))}` : ''),
                label: (item) => `${item.dataset.label}: ${formatValue(layerValue(item.raw as ScatterDataPoint))}`,
              },
            },
          },
          scales,
        },
      });
    } else {
      this.chart.data.datasets = datasets;
      this.chart.options.scales = scales;
      if (this.chart.width !== width) this.chart.resize(width, CHART_HEIGHT);
      this.chart.update('none');
    }
    this.summary.textContent = this.describe();
    this.renders++;
    this.lastRenderMs = performance.now() - started;
  }

  /** A text summary for screen readers: each series' last value, its minimum and maximum. */
  private describe(): string {
    if (this.series.length === 0) return `${this.title}: no data.`;
    const parts = this.series.map((s) => {
      const v = s.points.values;
      if (v.length === 0) return `${s.label}: no points`;
      let min = Infinity;
      let max = -Infinity;
      for (const x of v) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
      return `${s.label}: last ${formatValue(v[v.length - 1])} at step ${s.points.steps[v.length - 1]}, min ${formatValue(min)}, max ${formatValue(max)}`;
    });
    return `${this.title}. ${this.series.length} series${this.zoom ? ', zoomed' : ''}. ${parts.join('; ')}.`;
  }

  private installZoom(area: HTMLElement): void {
    let startX: number | undefined;
    const local = (e: PointerEvent) => e.clientX - this.canvas.getBoundingClientRect().left;
    this.canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || !this.chart) return;
      startX = local(e);
      this.canvas.setPointerCapture(e.pointerId);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (startX === undefined) return;
      const x = local(e);
      this.selection.hidden = Math.abs(x - startX) < 3;
      this.selection.style.left = `${Math.min(x, startX)}px`;
      this.selection.style.width = `${Math.abs(x - startX)}px`;
    });
    const finish = (e: PointerEvent) => {
      if (startX === undefined || !this.chart) return;
      const x = local(e);
      const from = startX;
      startX = undefined;
      this.selection.hidden = true;
      if (Math.abs(x - from) < 5) return; // a click, not a drag
      const scale = this.chart.scales.x;
      const a = scale.getValueForPixel(Math.min(x, from));
      const b = scale.getValueForPixel(Math.max(x, from));
      if (a !== undefined && b !== undefined) this.setZoom(a, b);
    };
    this.canvas.addEventListener('pointerup', finish);
    this.canvas.addEventListener('pointercancel', () => {
      startX = undefined;
      this.selection.hidden = true;
    });
    this.canvas.addEventListener('dblclick', () => this.resetZoom());
    this.canvas.addEventListener('keydown', (e) => {
      if (!this.chart) return;
      const scale = this.chart.scales.x;
      const min = this.zoom?.min ?? scale.min;
      const max = this.zoom?.max ?? scale.max;
      const span = max - min;
      if (e.key === '+' || e.key === '=') this.setZoom(min + span / 4, max - span / 4);
      else if (e.key === '-') this.setZoom(min - span / 2, max + span / 2);
      else if (e.key === '0' || e.key === 'Escape') this.resetZoom();
      else if (e.key === 'ArrowLeft' && this.zoom) this.setZoom(min - span / 4, max - span / 4);
      else if (e.key === 'ArrowRight' && this.zoom) this.setZoom(min + span / 4, max + span / 4);
      else return;
      e.preventDefault();
    });
    void area;
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
    visibility.unobserve(this.element);
    unseen.delete(this);
    resizes.unobserve(this.area);
    scheduler.pending.delete(this);
    this.chart?.destroy();
    this.chart = undefined;
    this.element.remove();
    resolveIfIdle();
  }
}

/** A point's own value: `v` on a layer of a stacked area (drawn at the running total `y`), else `y`. */
function layerValue(p: ScatterDataPoint & { v?: number }): number {
  return p.v ?? p.y ?? NaN;
}

export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
