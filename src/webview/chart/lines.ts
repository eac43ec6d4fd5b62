/**
 * What a line chart draws, computed without a canvas (unit-tested): the lines after the view transforms (x
 * alignment, debiased EMA, decimation to the chart's pixel width inside the zoomed range, stacking), the data
 * range the axes are fitted to, the fixed y range of the outlier and stacked modes, the text summary for
 * screen readers and the x tick labels.
 */
import type { XAxisMode } from '../protocol';
import { alignX, decimateToWidth, emaDebiased, formatDuration, formatValue, resampleAt, robustRange } from '../data/transforms';
import { withAlpha } from '../colors';
import type { ChartSeries, SeriesLine, ViewOptions, XRange } from './types';

/** What the lines of one chart depend on. */
export interface LineInput {
  series: readonly ChartSeries[];
  options: ViewOptions;
  zoom: XRange | undefined;
  stacked: boolean;
}

/** Below this many series a smoothed chart also draws each raw line, faint, behind its smoothed one. */
const MAX_SERIES_WITH_RAW = 12;

/** The lines to draw, in drawing order (faint raw lines first), after smoothing and decimation. */
export function chartLines(input: LineInput, pixels: number): SeriesLine[] {
  if (input.stacked) return stackedLines(input, pixels);
  const o = input.options;
  const width = lineWidth(o);
  const raw: SeriesLine[] = [];
  const main: SeriesLine[] = [];
  for (const s of input.series) {
    const xs = xsOf(s, o);
    const ys = s.points.values;
    const smoothed = o.smoothing > 0 ? emaDebiased(ys, o.smoothing) : ys;
    if (s.band) {
      main.push(bandLine(s, xs, smoothed, pixels, input));
      continue;
    }
    main.push({ label: s.label, color: s.color, width, dash: s.dashed ? [5, 4] : [], raw: false, ...picked(xs, smoothed, pixels, input) });
    if (o.smoothing > 0 && input.series.length <= MAX_SERIES_WITH_RAW) {
      // The raw values, faint behind the smoothed line (as TensorBoard draws them).
      raw.push({ label: `${s.label} (raw)`, color: withAlpha(s.color, 0.25), width: 1, dash: s.dashed ? [4, 3] : [], raw: true, ...picked(xs, ys, pixels, input) });
    }
  }
  return [...raw, ...main];
}

/**
 * A seed group: its mean line and band, the band's edges smoothed like the line (the EMA is linear, so the
 * smoothed mean is the mean of the smoothed runs) and kept at the line's points. On a log axis an edge at
 * or below zero is drawn at the mean, as the axis cannot show it.
 */
function bandLine(s: ChartSeries, xs: readonly number[], ys: readonly number[], pixels: number, input: LineInput): SeriesLine {
  const o = input.options;
  const smooth = (v: number[]) => (o.smoothing > 0 ? emaDebiased(v, o.smoothing) : v);
  const lo = smooth(s.band!.lo);
  const hi = smooth(s.band!.hi);
  const line: SeriesLine = { label: s.label, color: s.color, width: lineWidth(o) + 0.5, dash: s.dashed ? [5, 4] : [], raw: false, x: [], y: [], band: { lo: [], hi: [], fill: withAlpha(s.color, o.theme.highContrast ? 0.4 : 0.2) } };
  for (const i of decimateToWidth(xs, ys, pixels, input.zoom?.min, input.zoom?.max)) {
    if (o.logScale && !(ys[i] > 0)) continue;
    line.x.push(xs[i]);
    line.y.push(ys[i]);
    line.band!.lo.push(o.logScale && !(lo[i] > 0) ? ys[i] : lo[i]);
    line.band!.hi.push(hi[i]);
  }
  return line;
}

/** A series' x values on the chosen x axis. */
function xsOf(s: ChartSeries, o: ViewOptions): readonly number[] {
  return alignX(s.points, o.xAxis, o.origins.get(s.runId) ?? 0);
}

function lineWidth(o: ViewOptions): number {
  return o.theme.highContrast ? 2.5 : 1.5;
}

/** The points of one line kept for drawing: at most about one per pixel column, positive only on a log axis. */
function picked(xs: readonly number[], ys: readonly number[], pixels: number, input: LineInput): { x: number[]; y: number[] } {
  const log = input.options.logScale;
  const x: number[] = [];
  const y: number[] = [];
  for (const i of decimateToWidth(xs, ys, pixels, input.zoom?.min, input.zoom?.max)) {
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
function stackedLines(input: LineInput, pixels: number): SeriesLine[] {
  const { series, options, zoom } = input;
  if (series.length === 0) return [];
  const width = lineWidth(options);
  const xs = xsOf(series[0], options);
  const layers = series.map((s, index) => (index === 0 ? s.points.values : resampleAt(xs, xsOf(s, options), s.points.values)));
  const keepSet = new Set<number>();
  for (const ys of layers) for (const i of decimateToWidth(xs, ys, pixels, zoom?.min, zoom?.max)) keepSet.add(i);
  const keep = [...keepSet].sort((a, b) => a - b);
  const total = new Array<number>(keep.length).fill(0);
  return series.map((s, index) => {
    const own = keep.map((i) => layers[index][i]);
    own.forEach((v, k) => (total[k] += v));
    return { label: s.label, color: s.color, width, dash: [], raw: false, x: keep.map((i) => xs[i]), y: total.slice(), v: own, fill: withAlpha(s.color, 0.55) };
  });
}

/**
 * The data range for the axes: Chart.js gets one invisible two-point dataset spanning it and picks
 * its "nice" axis bounds and ticks from that, as it would from the data. With a zoom, only the points
 * inside the zoomed x range count towards the y range.
 */
export function dataBounds(lines: readonly SeriesLine[], zoom: XRange | undefined, stacked: boolean): { x: number; y: number }[] {
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  const lo = zoom?.min ?? -Infinity;
  const hi = zoom?.max ?? Infinity;
  for (const l of lines) {
    for (let i = 0; i < l.x.length; i++) {
      const x = l.x[i];
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
      if (x < lo || x > hi) continue;
      const y = l.y[i];
      const low = l.band ? l.band.lo[i] : y;
      const high = l.band ? l.band.hi[i] : y;
      if (low < yMin) yMin = low;
      if (high > yMax) yMax = high;
    }
  }
  if (!Number.isFinite(xMin)) return [];
  if (!Number.isFinite(yMin)) {
    yMin = 0;
    yMax = 1;
  }
  if (stacked) yMin = Math.min(0, yMin);
  // A flat line (rounding noise of a constant, e.g. its EMA) gets Chart.js's ±5 % around its value,
  // not an axis of 1e-16 steps.
  if (yMax - yMin <= 1e-9 * Math.max(Math.abs(yMin), Math.abs(yMax))) yMin = yMax = (yMin + yMax) / 2;
  return [
    { x: xMin, y: yMin },
    { x: xMax, y: yMax },
  ];
}

/** A y range fixed by the view (stacked areas start at 0; "ignore outliers" clips to the robust range), else none. */
export function fixedYRange(lines: readonly SeriesLine[], options: ViewOptions, stacked: boolean): { min?: number; max?: number } {
  if (stacked) return { min: 0 };
  if (!options.ignoreOutliers) return {};
  const values: number[] = [];
  for (const l of lines) if (!l.raw) for (const v of l.y) values.push(v);
  for (const l of lines) if (l.band) values.push(...l.band.lo, ...l.band.hi);
  return robustRange(values, options.logScale) ?? {};
}

/** A text summary for screen readers: each series' last value, its minimum and maximum. */
export function describeSeries(title: string, series: readonly ChartSeries[], zoomed: boolean): string {
  if (series.length === 0) return `${title}: no data.`;
  const parts = series.map((s) => {
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
  return `${title}. ${series.length} series${zoomed ? ', zoomed' : ''}. ${parts.join('; ')}.`;
}

/** An x tick label on the chosen x axis. */
export function xTickLabel(value: number, mode: XAxisMode): string {
  if (mode === 'relative') return formatDuration(value);
  if (mode === 'wall') return new Date(value).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return Math.abs(value) >= 10_000 ? `${Math.round(value / 1000)}k` : String(Math.round(value));
}

/** The index of the value in ascending `xs` nearest to `x`. */
export function nearestIndex(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[hi] - x) < Math.abs(xs[lo] - x) ? hi : lo;
}
