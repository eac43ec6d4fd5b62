/**
 * Pure chart transforms of the dashboard (no DOM, no VS Code): smoothing, x alignment, decimation to the
 * chart's pixel width, outlier-robust y range.
 */
import type { Points, XAxisMode } from '../protocol';

/** Durations (ETA, relative-time ticks) are written as everywhere in MTL Lab. */
export { formatDuration } from '../../training/run/duration';

/**
 * Exponential moving average, debiased as TensorBoard does: the running average starts at 0 and is
 * divided by (1 − w^n) after n finite points, so the first points are not pulled towards 0. Non-finite
 * values pass through unchanged and do not enter the average.
 */
export function emaDebiased(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new RangeError(`smoothing weight must be in [0, 1), got ${weight}`);
  const out = new Array<number>(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count++;
    out[i] = weight === 0 ? v : last / (1 - Math.pow(weight, count));
  }
  return out;
}

/**
 * X values for an x-axis mode: the step; seconds since `origin` (the run's first record) for relative
 * time; milliseconds since the Unix epoch for wall time (the chart formats them as clock times).
 */
export function alignX(points: Points, mode: XAxisMode, origin: number): readonly number[] {
  switch (mode) {
    case 'step':
      // The steps themselves (not a copy): a comparison of 20 runs draws 300 series.
      return points.steps;
    case 'relative':
      return points.times.map((t) => (t - origin) / 1000);
    case 'wall':
      return points.times;
  }
}

/** The time origin of a run for relative time: its earliest time over all its series. */
export function timeOrigin(seriesOfRun: Iterable<Points>): number {
  let origin = Infinity;
  for (const p of seriesOfRun) if (p.times.length > 0 && p.times[0] < origin) origin = p.times[0];
  return Number.isFinite(origin) ? origin : 0;
}

/**
 * Draw no more points than pixels: cut the visible x range [xMin, xMax] into `pixels / 2` columns and
 * keep the min and the max of each (the extremes survive, so spikes stay visible), plus the nearest
 * point on each side of the range so lines run to the edges. At most pixels + 4 points. `xs` must be ascending.
 * Returns indices into the input.
 */
export function decimateToWidth(xs: readonly number[], ys: readonly number[], pixels: number, xMin = -Infinity, xMax = Infinity): number[] {
  let start = 0;
  while (start < xs.length && xs[start] < xMin) start++;
  let end = xs.length;
  while (end > start && xs[end - 1] > xMax) end--;
  const indices: number[] = [];
  if (start > 0) indices.push(start - 1);
  const count = end - start;
  const columns = Math.max(1, Math.floor(pixels / 2));
  if (count <= columns * 2) {
    for (let i = start; i < end; i++) indices.push(i);
  } else {
    const lo = xs[start];
    const span = xs[end - 1] - lo || 1;
    // The first and last visible points are always kept, so the line starts and ends where the data does
    // (the newest step of a live run stays on screen).
    indices.push(start);
    let i = start;
    while (i < end) {
      const column = Math.min(columns - 1, Math.floor(((xs[i] - lo) / span) * columns));
      let minIndex = i;
      let maxIndex = i;
      let j = i + 1;
      while (j < end && Math.min(columns - 1, Math.floor(((xs[j] - lo) / span) * columns)) === column) {
        if (ys[j] < ys[minIndex]) minIndex = j;
        if (ys[j] > ys[maxIndex]) maxIndex = j;
        j++;
      }
      const first = Math.min(minIndex, maxIndex);
      const second = Math.max(minIndex, maxIndex);
      if (first !== indices[indices.length - 1]) indices.push(first);
      if (second !== first) indices.push(second);
      i = j;
    }
    if (indices[indices.length - 1] !== end - 1) indices.push(end - 1);
  }
  if (end < xs.length) indices.push(end);
  return indices;
}

/**
 * Min–max downsampling of arbitrary points to at most `maxPoints` (keeps each bucket's extremes, and the
 * first and last point). Used for one-off reductions; live series use `BoundedSeries`.
 */
export function downsampleMinMax(xs: readonly number[], ys: readonly number[], maxPoints: number): number[] {
  if (maxPoints < 4) throw new RangeError(`maxPoints must be ≥ 4, got ${maxPoints}`);
  if (xs.length <= maxPoints) return xs.map((_, i) => i);
  const buckets = Math.floor((maxPoints - 2) / 2);
  const indices = [0];
  const inner = xs.length - 2;
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (from >= to) continue;
    let minIndex = from;
    let maxIndex = from;
    for (let i = from + 1; i < to; i++) {
      if (ys[i] < ys[minIndex]) minIndex = i;
      if (ys[i] > ys[maxIndex]) maxIndex = i;
    }
    indices.push(Math.min(minIndex, maxIndex));
    if (minIndex !== maxIndex) indices.push(Math.max(minIndex, maxIndex));
  }
  indices.push(xs.length - 1);
  return indices;
}

/**
 * The y range to show when outliers are ignored: the 5th to 95th percentile of the finite values,
 * widened by 10 % each side (TensorBoard's choice). Undefined when there is nothing to scale.
 */
export function robustRange(values: Iterable<number>, logScale = false): { min: number; max: number } | undefined {
  const finite: number[] = [];
  for (const v of values) if (Number.isFinite(v) && (!logScale || v > 0)) finite.push(v);
  if (finite.length === 0) return undefined;
  finite.sort((a, b) => a - b);
  const at = (q: number) => finite[Math.min(finite.length - 1, Math.max(0, Math.round(q * (finite.length - 1))))];
  let min = at(0.05);
  let max = at(0.95);
  if (logScale) {
    const lmin = Math.log10(min);
    const lmax = Math.log10(max);
    const pad = (lmax - lmin) * 0.1 || 0.1;
    return { min: Math.pow(10, lmin - pad), max: Math.pow(10, lmax + pad) };
  }
  const pad = (max - min) * 0.1 || Math.abs(max) * 0.1 || 1;
  min -= pad;
  max += pad;
  return { min, max };
}

/**
 * Linear interpolation of (xs, ys) at `targets` (both ascending); outside the range the nearest end
 * value. Stacked areas need every layer on the same x values, but each series is downsampled on its own.
 */
export function resampleAt(targets: readonly number[], xs: readonly number[], ys: readonly number[]): number[] {
  const out = new Array<number>(targets.length);
  if (xs.length === 0) return out.fill(NaN);
  let j = 0;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    while (j < xs.length - 1 && xs[j + 1] <= t) j++;
    if (t <= xs[0]) out[i] = ys[0];
    else if (j >= xs.length - 1) out[i] = ys[xs.length - 1];
    else {
      const f = (t - xs[j]) / (xs[j + 1] - xs[j] || 1);
      out[i] = ys[j] + f * (ys[j + 1] - ys[j]);
    }
  }
  return out;
}

/**
 * The label of a y-axis tick: as many decimals as the tick spacing needs (0.05 apart → 2), scientific
 * notation for very small or very large axes, thousands grouped. The same rule as Chart.js's own numeric
 * formatter, without `Intl.NumberFormat`, whose formatters cost milliseconds to create per axis. On a
 * log axis only ticks whose significand is 1, 2, 3 or 5 (and the last fifth) are labelled, as Chart.js does.
 */
export function formatTick(value: number, index: number, ticks: readonly number[], log = false): string {
  if (value === 0) return '0';
  if (log) {
    const significand = value / Math.pow(10, Math.floor(Math.log10(value)));
    const round = Math.round(significand * 1e6) / 1e6;
    if (![1, 2, 3, 5].includes(round) && index <= 0.8 * ticks.length) return '';
  }
  let delta = value;
  let scientific = false;
  if (ticks.length > 1) {
    const maxTick = Math.max(Math.abs(ticks[0]), Math.abs(ticks[ticks.length - 1]));
    scientific = maxTick < 1e-4 || maxTick > 1e15;
    delta = ticks.length > 3 ? ticks[2] - ticks[1] : ticks[1] - ticks[0];
    if (Math.abs(delta) >= 1 && value !== Math.floor(value)) delta = value - Math.floor(value);
  }
  const logDelta = Math.log10(Math.abs(delta));
  const decimals = Number.isFinite(logDelta) ? Math.max(Math.min(-Math.floor(logDelta), 20), 0) : 1;
  if (scientific) return value.toExponential(Math.min(decimals, 3)).replace('e', 'E');
  const [whole, fraction] = Math.abs(value).toFixed(decimals).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${value < 0 ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** A value for reading (tooltips, summaries, heatmap cells): 4 significant digits, exponent form when tiny or huge. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}
