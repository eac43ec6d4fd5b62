/**
 * Bounded, append-only downsampled series: the host keeps one `BoundedSeries` per (run, series key) and
 * the webview mirrors it with `applySeriesDelta`. Both sides use the same pure compaction, so after any
 * sequence of deltas the webview holds exactly what the host holds, and a delta carries only what the
 * webview lacks.
 *
 * Downsampling is min–max per step bucket: the steps are cut into buckets of `width` steps and each
 * bucket keeps its lowest and its highest point (the earliest one on ties), in step order. When a series
 * grows past `maxPoints`, the width doubles and neighbouring buckets merge. Because the min of a union is
 * the min of the parts' mins (earliest on ties), compacting twice equals compacting once at the final
 * width, which is what lets the webview repeat the host's compaction on the points it already holds.
 * Memory per series is therefore at most `maxPoints` points whatever the number of steps, and the
 * extremes of every bucket (spikes, NaN-neighbouring jumps, the global min and max) are never lost.
 */
import type { Points, SeriesDelta } from '../protocol';

/** The open bucket's min and max plus the newest point. */
const TAIL_POINTS = 3;

export function emptyPoints(): Points {
  return { steps: [], times: [], values: [] };
}

/** Keep the min and max (earliest on ties) of each group of consecutive points in the same bucket. */
export function compactPoints(points: Points, width: number): Points {
  const out = emptyPoints();
  const { steps, times, values } = points;
  let i = 0;
  while (i < steps.length) {
    const bucket = Math.floor(steps[i] / width);
    let minIndex = i;
    let maxIndex = i;
    let j = i + 1;
    while (j < steps.length && Math.floor(steps[j] / width) === bucket) {
      if (values[j] < values[minIndex]) minIndex = j;
      if (values[j] > values[maxIndex]) maxIndex = j;
      j++;
    }
    const first = Math.min(minIndex, maxIndex);
    const second = Math.max(minIndex, maxIndex);
    pushPoint(out, steps[first], times[first], values[first]);
    if (second !== first) pushPoint(out, steps[second], times[second], values[second]);
    i = j;
  }
  return out;
}

function pushPoint(points: Points, step: number, time: number, value: number): void {
  points.steps.push(step);
  points.times.push(time);
  points.values.push(value);
}

/** Where a reader of a series stands: the width it holds and the end (exclusive, in steps) of its committed points. */
export interface SeriesCursor {
  width: number;
  end: number;
}

export function initialCursor(): SeriesCursor {
  return { width: 1, end: 0 };
}

export class BoundedSeries {
  private width = 1;
  private committed: Points = emptyPoints();
  /** The open bucket: index and its extremes (≤ 2 points, step order). */
  private openBucket: number | null = null;
  private open: Points = emptyPoints();
  private lastStep = -Infinity;
  /** The newest point: shown after the open bucket's extremes so a live chart ends at the latest step. */
  private lastTime = 0;
  private lastValue = 0;

  constructor(readonly maxPoints: number) {
    if (!Number.isInteger(maxPoints) || maxPoints < 16) throw new RangeError(`maxPoints must be an integer ≥ 16, got ${maxPoints}`);
  }

  /** The last step accepted (−∞ before the first point): readers compare it to skip unchanged series. */
  get latestStep(): number {
    return this.lastStep;
  }

  get bucketWidth(): number {
    return this.width;
  }

  /** Points held (committed + open bucket extremes), the bound the benchmark reports. */
  get size(): number {
    return this.committed.steps.length + this.open.steps.length;
  }

  /**
   * Add a point. Non-finite values are skipped (the engine reports them as events), and so are steps not
   * after the last one (a resumed run re-logging steps it already logged keeps the first values).
   */
  push(step: number, time: number, value: number): boolean {
    if (!Number.isFinite(value) || !Number.isFinite(step) || step <= this.lastStep) return false;
    this.lastStep = step;
    this.lastTime = time;
    this.lastValue = value;
    let bucket = Math.floor(step / this.width);
    if (this.openBucket !== null && bucket !== this.openBucket) {
      for (let i = 0; i < this.open.steps.length; i++) pushPoint(this.committed, this.open.steps[i], this.open.times[i], this.open.values[i]);
      this.open = emptyPoints();
      this.openBucket = null;
      // Committed points plus the ≤ 3-point tail stay within maxPoints.
      if (this.committed.steps.length > this.maxPoints - TAIL_POINTS) {
        while (this.committed.steps.length > this.maxPoints - TAIL_POINTS) {
          this.width *= 2;
          this.committed = compactPoints(this.committed, this.width);
        }
        bucket = Math.floor(step / this.width);
        // The wider bucket of the new point may already hold committed points: they are open again.
        let k = this.committed.steps.length;
        while (k > 0 && Math.floor(this.committed.steps[k - 1] / this.width) === bucket) k--;
        if (k < this.committed.steps.length) {
          const reopened = emptyPoints();
          for (let i = k; i < this.committed.steps.length; i++) pushPoint(reopened, this.committed.steps[i], this.committed.times[i], this.committed.values[i]);
          this.committed.steps.length = k;
          this.committed.times.length = k;
          this.committed.values.length = k;
          this.open = compactPoints(reopened, this.width);
        }
      }
    }
    this.openBucket = bucket;
    pushPoint(this.open, step, time, value);
    if (this.open.steps.length > 2) this.open = compactPoints(this.open, this.width);
    return true;
  }

  /** The open bucket as readers see it: its extremes, then the newest point when it is neither (≤ 3 points). */
  private tail(): Points {
    const tail: Points = { steps: [...this.open.steps], times: [...this.open.times], values: [...this.open.values] };
    if (this.open.steps.length > 0 && tail.steps[tail.steps.length - 1] !== this.lastStep) pushPoint(tail, this.lastStep, this.lastTime, this.lastValue);
    return tail;
  }

  /** Committed points + tail: exactly what a reader holds after the latest delta (CSV on the host, tests). */
  all(): Points {
    const tail = this.tail();
    return {
      steps: [...this.committed.steps, ...tail.steps],
      times: [...this.committed.times, ...tail.times],
      values: [...this.committed.values, ...tail.values],
    };
  }

  private openStart(): number {
    return this.openBucket === null ? (Number.isFinite(this.lastStep) ? (Math.floor(this.lastStep / this.width) + 1) * this.width : 0) : this.openBucket * this.width;
  }

  /** What a reader at `cursor` lacks, and where it will stand after applying it. */
  delta(runId: string, key: string, cursor: SeriesCursor): { delta: SeriesDelta; cursor: SeriesCursor } {
    const widened = this.width !== cursor.width;
    const dropFrom = widened ? Math.floor(cursor.end / this.width) * this.width : null;
    const from = dropFrom ?? cursor.end;
    const points = emptyPoints();
    const { steps, times, values } = this.committed;
    // Committed points are in step order: find the first one at or after `from` from the end (deltas are usually short).
    let start = steps.length;
    while (start > 0 && steps[start - 1] >= from) start--;
    for (let i = start; i < steps.length; i++) pushPoint(points, steps[i], times[i], values[i]);
    return {
      delta: {
        runId,
        key,
        width: this.width,
        dropFrom: dropFrom !== null && dropFrom < cursor.end ? dropFrom : null,
        points,
        tail: this.tail(),
      },
      cursor: { width: this.width, end: this.openStart() },
    };
  }
}

/** The webview's copy of one series. */
export interface HeldSeries {
  width: number;
  committed: Points;
  tail: Points;
}

export function emptyHeldSeries(): HeldSeries {
  return { width: 1, committed: emptyPoints(), tail: emptyPoints() };
}

/** Apply a host delta to a held series, in place: compact if wider, drop from `dropFrom`, append, replace the tail. */
export function applySeriesDelta(held: HeldSeries, delta: Pick<SeriesDelta, 'width' | 'dropFrom' | 'points' | 'tail'>): void {
  if (delta.width < held.width) throw new RangeError(`series width went down from ${held.width} to ${delta.width}`);
  if (delta.width > held.width) {
    held.committed = compactPoints(held.committed, delta.width);
    held.width = delta.width;
  }
  if (delta.dropFrom !== null) {
    let k = held.committed.steps.length;
    while (k > 0 && held.committed.steps[k - 1] >= delta.dropFrom) k--;
    held.committed.steps.length = k;
    held.committed.times.length = k;
    held.committed.values.length = k;
  }
  if (held.committed.steps.length === 0) {
    // The first delta of a series (an `init`) is its whole history: copy the columns in one go.
    held.committed = { steps: delta.points.steps.slice(), times: delta.points.times.slice(), values: delta.points.values.slice() };
  } else {
    for (let i = 0; i < delta.points.steps.length; i++) pushPoint(held.committed, delta.points.steps[i], delta.points.times[i], delta.points.values[i]);
  }
  held.tail = { steps: [...delta.tail.steps], times: [...delta.tail.times], values: [...delta.tail.values] };
}

/** Committed + tail of a held series (what is drawn). */
export function heldPoints(held: HeldSeries): Points {
  if (held.tail.steps.length === 0) return held.committed;
  return {
    steps: held.committed.steps.concat(held.tail.steps),
    times: held.committed.times.concat(held.tail.times),
    values: held.committed.values.concat(held.tail.values),
  };
}
