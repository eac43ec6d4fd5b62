/**
 * Bounded snapshots of a named matrix (attention, gates, gradient cosines, …) for the heatmap scrubber. The host keeps
 * the first snapshot in each step bucket of width `stride`; when more than `maxSnapshots` are held the
 * stride doubles and the list is thinned the same way. Thinning is composable (the first of a union of
 * buckets is the first of the parts' firsts), so the webview repeats it on what it holds and a delta
 * carries only snapshots after the last step the webview has.
 */
import type { MatrixSnapshot } from '../protocol';

export function thinSnapshots(snapshots: MatrixSnapshot[], stride: number): MatrixSnapshot[] {
  const out: MatrixSnapshot[] = [];
  let lastBucket = -Infinity;
  for (const s of snapshots) {
    const bucket = Math.floor(s.step / stride);
    if (bucket !== lastBucket) {
      out.push(s);
      lastBucket = bucket;
    }
  }
  return out;
}

export interface MatrixCursor {
  stride: number;
  lastStep: number;
}

export class BoundedMatrices {
  private stride = 1;
  private snapshots: MatrixSnapshot[] = [];

  constructor(readonly maxSnapshots: number) {}

  get size(): number {
    return this.snapshots.length;
  }

  push(step: number, time: number, rows: number[][]): boolean {
    const last = this.snapshots[this.snapshots.length - 1];
    if (last !== undefined && (step <= last.step || Math.floor(step / this.stride) === Math.floor(last.step / this.stride))) return false;
    // Non-finite cells (a diverged run) become 0 so the snapshot still validates; the run's events say why.
    this.snapshots.push({ step, time, rows: rows.map((r) => r.map((v) => (Number.isFinite(v) ? v : 0))) });
    while (this.snapshots.length > this.maxSnapshots) {
      this.stride *= 2;
      this.snapshots = thinSnapshots(this.snapshots, this.stride);
    }
    return true;
  }

  all(): MatrixSnapshot[] {
    return this.snapshots;
  }

  delta(cursor: MatrixCursor): { stride: number; snapshots: MatrixSnapshot[]; cursor: MatrixCursor } {
    let start = this.snapshots.length;
    while (start > 0 && this.snapshots[start - 1].step > cursor.lastStep) start--;
    const snapshots = this.snapshots.slice(start);
    const last = this.snapshots[this.snapshots.length - 1];
    return { stride: this.stride, snapshots, cursor: { stride: this.stride, lastStep: last === undefined ? cursor.lastStep : last.step } };
  }
}

/** Webview side: thin held snapshots to `stride` and append new ones. Returns the new list. */
export function applyMatrixDelta(held: MatrixSnapshot[], stride: number, heldStride: number, snapshots: MatrixSnapshot[]): MatrixSnapshot[] {
  const thinned = stride > heldStride ? thinSnapshots(held, stride) : held.slice();
  const lastStep = thinned.length > 0 ? thinned[thinned.length - 1].step : -Infinity;
  for (const s of snapshots) if (s.step > lastStep) thinned.push(s);
  return thinned;
}

/** The snapshot at or just before `step` (the scrubber position); the first one when `step` precedes all. */
export function snapshotAt(snapshots: MatrixSnapshot[], step: number | null): MatrixSnapshot | undefined {
  if (snapshots.length === 0) return undefined;
  if (step === null) return snapshots[snapshots.length - 1];
  let lo = 0;
  let hi = snapshots.length - 1;
  if (step < snapshots[0].step) return snapshots[0];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (snapshots[mid].step <= step) lo = mid;
    else hi = mid - 1;
  }
  return snapshots[lo];
}
