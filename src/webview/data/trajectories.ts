/**
 * The Pareto card's trajectory mode (pure): each multi-task run's path through (train loss of task x, train loss of
 * task y) over training — the y series resampled at the x series' steps, thinned evenly to `maxPoints` with the
 * last point always kept.
 */
import type { Points, RunView } from '../protocol';
import { resampleAt } from './transforms';

export interface Trajectory {
  runId: string;
  label: string;
  steps: number[];
  x: number[];
  y: number[];
}

export function trajectories(runs: readonly RunView[], lossOf: (runId: string, task: string) => Points | undefined, xTask: string, yTask: string, maxPoints = 200): Trajectory[] {
  const out: Trajectory[] = [];
  for (const r of runs) {
    if (r.study?.baselineOf) continue;
    const px = lossOf(r.id, xTask);
    const py = lossOf(r.id, yTask);
    if (!px || !py || px.steps.length === 0 || py.steps.length === 0) continue;
    const ys = resampleAt(px.steps, py.steps, py.values);
    const every = Math.max(1, Math.ceil(px.steps.length / maxPoints));
    const keep = px.steps.map((_, i) => i).filter((i) => i % every === 0 || i === px.steps.length - 1);
    out.push({ runId: r.id, label: `${r.name} · ${r.id}`, steps: keep.map((i) => px.steps[i]), x: keep.map((i) => px.values[i]), y: keep.map((i) => ys[i]) });
  }
  return out;
}
