/**
 * One line chart, drawn from held (downsampled) series after the view transforms (x alignment, debiased
 * EMA, decimation to the chart's pixel width inside the zoomed range): Chart.js lays out and draws the
 * axes, grid and titles, the series are drawn as one path each (drawLines), with a tooltip of the values
 * nearest the pointer, a text summary for screen readers, drag-to-zoom, keyboard zoom and PNG export.
 * The Chart.js instance is created the first time the chart scrolls into view and redrawn only while visible.
 */
import { Chart, LineController, LineElement, LinearScale, LogarithmicScale, PointElement, type ChartDataset, type ScatterDataPoint } from 'chart.js';
import type { Points, XAxisMode } from './protocol';
import { alignX, decimateToWidth, emaDebiased, formatDuration, formatTick, resampleAt, robustRange } from './data/transforms';
import { withAlpha } from './colors';

// Chart.js draws the axes, grid and titles; the series are drawn by LineChart.drawLines.
Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale);

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

/** One drawn line: its points after smoothing and decimation, and how it is stroked. */
interface SeriesLine {
  label: string;
  color: string;
  width: number;
  dash: number[];
  /** The faint unsmoothed companion of a smoothed line: drawn, but not in the tooltip. */
  raw: boolean;
  x: number[];
  /** Where it is drawn: the value, or for a stacked layer the running total. */
  y: number[];
  /** A stacked layer's own values. */
  v?: number[];
  /** A stacked layer's area colour. */
  fill?: string;
}

/** How far (pixels, in x) a line's nearest point may be from the pointer to be in the tooltip. */
const TOOLTIP_REACH_PX = 24;
const TOOLTIP_ROWS = 10;

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
    let beforeLast = 0;
    let planned = 0;
    for (; drawn < charts.length; drawn++) {
      const elapsed = performance.now() - started;
      // A chart is not started when its last drawing time would carry the pass past the budget (starting
      // any chart before the budget ran out let passes reach 12–18 ms); the first one always is.
      if (drawn > 0 && elapsed + charts[drawn].lastRenderMs > FRAME_BUDGET_MS) break;
      beforeLast = elapsed;
      planned = elapsed + charts[drawn].lastRenderMs;
      charts[drawn].render(widths[drawn]);
    }
    for (const chart of charts.slice(0, drawn)) chart.commitText();
    if (drawn > 0) recentPasses.push({ charts: drawn, beforeLastMs: beforeLast, plannedMs: planned, ms: performance.now() - started, left: charts.length - drawn });
    if (recentPasses.length > 50) recentPasses.shift();
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

/**
 * The latest drawing passes: charts drawn, time spent before the last one started, when the pass expected
 * to end (that time plus the last chart's previous drawing time), total, charts left over.
 */
export const recentPasses: { charts: number; beforeLastMs: number; plannedMs: number; ms: number; left: number }[] = [];

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
  /** What the last draw drew, in drawing order. */
  private drawnLines: SeriesLine[] = [];
  /**
   * The one dataset Chart.js sees: two invisible points spanning the data, from which it picks the axis
   * bounds and ticks (the series themselves are drawn by drawLines). Kept across redraws, as Chart.js ties
   * its per-dataset state to the dataset object.
   */
  private readonly boundsDataset: ChartDataset<'line', ScatterDataPoint[]> = { label: 'bounds', data: [], showLine: false, pointRadius: 0, pointHoverRadius: 0, pointHitRadius: 0, borderWidth: 0 };
  private readonly tooltip: HTMLElement;
  private readonly cursorLine: HTMLElement;
  private readonly announcer: HTMLElement;
  /** The keyboard value cursor (canvas x in CSS pixels), while the chart has focus and it was moved. */
  private cursorX: number | undefined;
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
    this.selection = document.createElement('div');
    this.selection.className = 'zoom-selection';
    this.selection.hidden = true;
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'chart-tooltip';
    this.tooltip.hidden = true;
    this.cursorLine = document.createElement('div');
    this.cursorLine.className = 'value-cursor';
    this.cursorLine.hidden = true;
    // What the keyboard cursor reads, for screen readers (the tooltip itself is not announced).
    this.announcer = document.createElement('p');
    this.announcer.className = 'chart-reading';
    this.announcer.setAttribute('aria-live', 'polite');
    area.append(this.canvas, this.selection, this.cursorLine, this.tooltip, this.announcer);
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
    return this.chart === undefined ? [] : this.drawnLines.map((l) => ({ label: l.label, color: l.color, x: [...l.x], y: [...(l.v ?? l.y)] }));
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

  /** The lines to draw, in drawing order (faint raw lines first), after smoothing and decimation. */
  private lines(pixels: number): SeriesLine[] {
    if (this.kind.stacked) return this.stackedLines(pixels);
    const o = this.options!;
    const lineWidth = this.lineWidth();
    const raw: SeriesLine[] = [];
    const main: SeriesLine[] = [];
    for (const s of this.series) {
      const xs = this.xsOf(s);
      const ys = s.points.values;
      const smoothed = o.smoothing > 0 ? emaDebiased(ys, o.smoothing) : ys;
      main.push({ label: s.label, color: s.color, width: lineWidth, dash: s.dashed ? [5, 4] : [], raw: false, ...this.picked(xs, smoothed, pixels) });
      if (o.smoothing > 0 && this.series.length <= 12) {
        // The raw values, faint behind the smoothed line (as TensorBoard draws them).
        raw.push({ label: `${s.label} (raw)`, color: withAlpha(s.color, 0.25), width: 1, dash: s.dashed ? [4, 3] : [], raw: true, ...this.picked(xs, ys, pixels) });
      }
    }
    return [...raw, ...main];
  }

  /** A series' x values on the chosen x axis. */
  private xsOf(s: ChartSeries): readonly number[] {
    const o = this.options!;
    return alignX(s.points, o.xAxis, o.origins.get(s.runId) ?? 0);
  }

  private lineWidth(): number {
    return this.options!.theme.highContrast ? 2.5 : 1.5;
  }

  /** The points of one line kept for drawing: at most about one per pixel column, positive only on a log axis. */
  private picked(xs: readonly number[], ys: readonly number[], pixels: number): { x: number[]; y: number[] } {
    const log = this.options!.logScale;
    const x: number[] = [];
    const y: number[] = [];
    for (const i of decimateToWidth(xs, ys, pixels, this.zoom?.min, this.zoom?.max)) {
      if (log && !(ys[i] > 0)) continue;
      x.push(xs[i]);
      y.push(ys[i]);
    }
    return { x, y };
  }

  /**
   * Stacked areas: every layer is resampled at the first layer's x values and all layers keep the same
   * points (the union of each layer's extremes per pixel column), so each area fills exactly between its
   * line and the one below. `y` is the running total a layer is drawn at, `v` its own value.
   */
  private stackedLines(pixels: number): SeriesLine[] {
    if (this.series.length === 0) return [];
    const lineWidth = this.lineWidth();
    const xs = this.xsOf(this.series[0]);
    const layers = this.series.map((s, index) => (index === 0 ? s.points.values : resampleAt(xs, this.xsOf(s), s.points.values)));
    const keepSet = new Set<number>();
    for (const ys of layers) for (const i of decimateToWidth(xs, ys, pixels, this.zoom?.min, this.zoom?.max)) keepSet.add(i);
    const keep = [...keepSet].sort((a, b) => a - b);
    const total = new Array<number>(keep.length).fill(0);
    return this.series.map((s, index) => {
      const own = keep.map((i) => layers[index][i]);
      own.forEach((v, k) => (total[k] += v));
      return { label: s.label, color: s.color, width: lineWidth, dash: [], raw: false, x: keep.map((i) => xs[i]), y: total.slice(), v: own, fill: withAlpha(s.color, 0.55) };
    });
  }

  /**
   * The data range for the axes: Chart.js gets one invisible two-point dataset spanning it and picks
   * its "nice" axis bounds and ticks from that, as it would from the data. With a zoom, only the points
   * inside the zoomed x range count towards the y range.
   */
  private bounds(lines: SeriesLine[]): ScatterDataPoint[] {
    let xMin = Infinity;
    let xMax = -Infinity;
    let yMin = Infinity;
    let yMax = -Infinity;
    const lo = this.zoom?.min ?? -Infinity;
    const hi = this.zoom?.max ?? Infinity;
    for (const l of lines) {
      for (let i = 0; i < l.x.length; i++) {
        const x = l.x[i];
        if (x < xMin) xMin = x;
        if (x > xMax) xMax = x;
        if (x < lo || x > hi) continue;
        const y = l.y[i];
        if (y < yMin) yMin = y;
        if (y > yMax) yMax = y;
      }
    }
    if (!Number.isFinite(xMin)) return [];
    if (!Number.isFinite(yMin)) {
      yMin = 0;
      yMax = 1;
    }
    if (this.kind.stacked) yMin = Math.min(0, yMin);
    // A flat line (rounding noise of a constant, e.g. its EMA) gets Chart.js's ±5 % around its value,
    // not an axis of 1e-16 steps.
    if (yMax - yMin <= 1e-9 * Math.max(Math.abs(yMin), Math.abs(yMax))) yMin = yMax = (yMin + yMax) / 2;
    return [
      { x: xMin, y: yMin },
      { x: xMax, y: yMax },
    ];
  }

  private yRange(lines: SeriesLine[]): { min?: number; max?: number } {
    const o = this.options!;
    if (this.kind.stacked) return { min: 0 };
    if (!o.ignoreOutliers) return {};
    const values: number[] = [];
    for (const l of lines) if (!l.raw) for (const v of l.y) values.push(v);
    return robustRange(values, o.logScale) ?? {};
  }

  render(width = this.measure()): void {
    if (!this.options) return;
    const started = performance.now();
    this.dirty = false;
    this.lastWidth = width;
    const lines = this.lines(width);
    this.drawnLines = lines;
    const o = this.options;
    const y = this.yRange(lines);
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
    this.boundsDataset.data = this.bounds(lines);
    if (this.chart === undefined) {
      this.canvas.width = width;
      this.canvas.height = CHART_HEIGHT;
      this.chart = new Chart<'line', ScatterDataPoint[]>(this.canvas, {
        type: 'line',
        data: { datasets: [this.boundsDataset] },
        // The series are drawn by this plugin, between the grid and the axes' labels (see drawLines).
        plugins: [{ id: 'mtlLabSeries', afterDatasetsDraw: (chart: Chart) => this.drawLines(chart) }],
        options: {
          parsing: false,
          normalized: true,
          animation: false,
          // Sized by the scheduler (see above), not by Chart.js's own resize observer.
          responsive: false,
          maintainAspectRatio: false,
          devicePixelRatio: window.devicePixelRatio || 1,
          // Pointer input is handled here (zoom, tooltip), not by Chart.js.
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
    this.pendingSummary = this.describe();
    // A live update under the keyboard cursor: show the new values there (not announced again).
    if (this.cursorX !== undefined) this.showTooltip(this.cursorX, (this.chart.chartArea.top + this.chart.chartArea.bottom) / 2);
    this.renders++;
    this.lastRenderMs = performance.now() - started;
  }

  /**
   * Draws the series straight from their points: one path per line (and one filled polygon per stacked
   * layer). Chart.js's own line datasets would make, position, style and hit-test an element per point,
   * which is most of a chart's cost with hundreds of series points and no point markers to show.
   */
  private drawLines(chart: Chart): void {
    const { ctx, chartArea: area } = chart;
    const xScale = chart.scales.x;
    const yScale = chart.scales.y;
    const lines = this.drawnLines;
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
    ctx.clip();
    ctx.lineJoin = 'round';
    const px = (l: SeriesLine, i: number) => xScale.getPixelForValue(l.x[i]);
    const py = (l: SeriesLine, i: number) => yScale.getPixelForValue(l.y[i]);
    lines.forEach((l, k) => {
      if (l.fill === undefined || l.x.length === 0) return;
      // The area between this layer's line and the one below (or the zero line).
      const below = k > 0 ? lines[k - 1] : undefined;
      ctx.beginPath();
      ctx.moveTo(px(l, 0), py(l, 0));
      for (let i = 1; i < l.x.length; i++) ctx.lineTo(px(l, i), py(l, i));
      if (below) for (let i = below.x.length - 1; i >= 0; i--) ctx.lineTo(px(below, i), py(below, i));
      else {
        const zero = yScale.getPixelForValue(0);
        ctx.lineTo(px(l, l.x.length - 1), zero);
        ctx.lineTo(px(l, 0), zero);
      }
      ctx.closePath();
      ctx.fillStyle = l.fill;
      ctx.fill();
    });
    for (const l of lines) {
      ctx.strokeStyle = l.color;
      ctx.fillStyle = l.color;
      ctx.lineWidth = l.width;
      ctx.setLineDash(l.dash);
      ctx.beginPath();
      if (l.x.length === 1) {
        ctx.arc(px(l, 0), py(l, 0), 3, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      for (let i = 0; i < l.x.length; i++) {
        if (i === 0) ctx.moveTo(px(l, i), py(l, i));
        else ctx.lineTo(px(l, i), py(l, i));
      }
      ctx.stroke();
    }
    ctx.restore();
  }

  /** The tooltip for a pointer at canvas x/y: per line (not the faint raw ones), its point nearest in x. Returns its text. */
  private showTooltip(localX: number, localY: number): string {
    const chart = this.chart;
    if (!chart || this.drawnLines.length === 0) return (this.hideTooltip(), '');
    const xScale = chart.scales.x;
    const yScale = chart.scales.y;
    const area = chart.chartArea;
    if (localX < area.left || localX > area.right || localY < area.top || localY > area.bottom) return (this.hideTooltip(), '');
    const xValue = xScale.getValueForPixel(localX) ?? NaN;
    const hits: { line: SeriesLine; index: number; dx: number; dy: number }[] = [];
    for (const line of this.drawnLines) {
      if (line.raw || line.x.length === 0) continue;
      const index = nearestIndex(line.x, xValue);
      const dx = Math.abs(xScale.getPixelForValue(line.x[index]) - localX);
      if (dx > TOOLTIP_REACH_PX) continue;
      hits.push({ line, index, dx, dy: Math.abs(yScale.getPixelForValue(line.y[index]) - localY) });
    }
    if (hits.length === 0) return (this.hideTooltip(), '');
    hits.sort((a, b) => a.dy - b.dy);
    const nearest = hits.reduce((a, b) => (b.dx < a.dx ? b : a));
    const title = document.createElement('div');
    title.className = 'tooltip-title';
    title.textContent = `${this.options?.xAxis === 'step' ? 'step ' : ''}${this.xTick(nearest.line.x[nearest.index])}`;
    const rows = hits.slice(0, TOOLTIP_ROWS).map((h) => {
      const row = document.createElement('div');
      const swatch = document.createElement('span');
      swatch.className = 'tooltip-swatch';
      swatch.style.background = h.line.color;
      row.append(swatch, `${h.line.label}: ${formatValue(h.line.v?.[h.index] ?? h.line.y[h.index])}`);
      return row;
    });
    if (hits.length > TOOLTIP_ROWS) rows.push(Object.assign(document.createElement('div'), { className: 'muted', textContent: `and ${hits.length - TOOLTIP_ROWS} more` }));
    this.tooltip.replaceChildren(title, ...rows);
    this.tooltip.hidden = false;
    // Beside the pointer, on the side with room.
    const left = localX + 12 + this.tooltip.offsetWidth > this.area.clientWidth ? Math.max(0, localX - 12 - this.tooltip.offsetWidth) : localX + 12;
    this.tooltip.style.left = `${left}px`;
    this.tooltip.style.top = `${Math.max(0, Math.min(localY + 12, CHART_HEIGHT - this.tooltip.offsetHeight))}px`;
    return [title.textContent, ...rows.map((r) => r.textContent)].join('; ');
  }

  /**
   * Moves the keyboard value cursor: arrows by 2 % of the plot width, Home / End to its ends. The tooltip
   * shows the values there and the live region reads them out.
   */
  private moveCursor(key: string): void {
    const chart = this.chart;
    if (!chart) return;
    const { left, right, top, bottom } = chart.chartArea;
    const step = (right - left) / 50;
    let x = this.cursorX ?? (key === 'ArrowLeft' || key === 'End' ? right : left);
    if (this.cursorX !== undefined || key === 'Home' || key === 'End') {
      if (key === 'ArrowLeft') x -= step;
      else if (key === 'ArrowRight') x += step;
      else if (key === 'Home') x = left;
      else if (key === 'End') x = right;
    }
    this.cursorX = Math.min(right, Math.max(left, x));
    this.cursorLine.hidden = false;
    this.cursorLine.style.left = `${Math.round(this.cursorX)}px`;
    this.cursorLine.style.top = `${Math.round(top)}px`;
    this.cursorLine.style.height = `${Math.round(bottom - top)}px`;
    this.announcer.textContent = this.showTooltip(this.cursorX, (top + bottom) / 2) || 'No values here.';
  }

  private hideCursor(): void {
    if (this.cursorX === undefined) return;
    this.cursorX = undefined;
    this.cursorLine.hidden = true;
    this.hideTooltip();
  }

  private hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  private pendingSummary: string | undefined;

  /** Writes what the last render left for the DOM (the text summary), once the drawing pass is over. */
  commitText(): void {
    if (this.pendingSummary === undefined) return;
    if (this.summary.textContent !== this.pendingSummary) this.summary.textContent = this.pendingSummary;
    this.pendingSummary = undefined;
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
      this.hideTooltip();
      if (e.button !== 0 || !this.chart) return;
      startX = local(e);
      this.canvas.setPointerCapture(e.pointerId);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (startX === undefined) {
        this.showTooltip(local(e), e.clientY - this.canvas.getBoundingClientRect().top);
        return;
      }
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
    this.canvas.addEventListener('pointerleave', () => {
      if (this.cursorX === undefined) this.hideTooltip();
    });
    this.canvas.addEventListener('blur', () => this.hideCursor());
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
      else if (e.key === 'Escape' && this.cursorX !== undefined) this.hideCursor();
      else if (e.key === '0' || e.key === 'Escape') this.resetZoom();
      else if (e.shiftKey && e.key === 'ArrowLeft' && this.zoom) this.setZoom(min - span / 4, max - span / 4);
      else if (e.shiftKey && e.key === 'ArrowRight' && this.zoom) this.setZoom(min + span / 4, max + span / 4);
      else if (!e.shiftKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End')) this.moveCursor(e.key);
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

/** The index of the value in ascending `xs` nearest to `x`. */
function nearestIndex(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[hi] - x) < Math.abs(xs[lo] - x) ? hi : lo;
}

export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
