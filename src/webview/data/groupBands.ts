/**
 * Seed groups on a chart (pure, no DOM): the series of runs that differ only by seed (the same study group)
 * and show the same key are replaced by one series — their mean at each step — with a band around it
 * (mean ± sample std, n − 1, or min–max). A group with one visible run, and a run of no group, stay as they are.
 */
import type { Points } from '../protocol';
import { resampleAt } from './transforms';
import type { ChartSeries } from '../chart/types';

export type GroupView = 'runs' | 'std' | 'minmax';

/** Where a run belongs: its group key and the label naming the group. */
export type GroupOf = (runId: string) => { key: string; label: string } | undefined;

/**
 * The members' values at the steps of the member with the most points; a member counts at a step inside its
 * own logged range only (a run still training does not stretch its last value to the end).
 */
export function groupStats(members: readonly Points[], mode: 'std' | 'minmax'): { points: Points; lo: number[]; hi: number[]; counts: number[] } {
  const longest = members.reduce((a, b) => (b.steps.length > a.steps.length ? b : a));
  const steps = longest.steps;
  // A member logged at exactly these steps (a study's seeds usually are) is read as it is: resampling it would
  // give back its own values, in a new array per member and chart (a 100-run study's first render made 400).
  const columns = members.map((m) => (atSteps(m.steps, steps) ? m.values : resampleAt(steps, m.steps, m.values)));
  // One pass per step over the members, without a per-step array: a study of 100 runs draws about a million
  // points, and short-lived arrays here made the page spend more time collecting garbage than drawing.
  const n = steps.length;
  const values = new Array<number>(n);
  const lo = new Array<number>(n);
  const hi = new Array<number>(n);
  const counts = new Array<number>(n);
  const first = members.map((m) => (m.steps.length > 0 ? m.steps[0] : Infinity));
  const last = members.map((m) => (m.steps.length > 0 ? m.steps[m.steps.length - 1] : -Infinity));
  for (let i = 0; i < n; i++) {
    const step = steps[i];
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < members.length; k++) {
      if (step < first[k] || step > last[k]) continue;
      const v = columns[k][i];
      count++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const mean = sum / count;
    values[i] = mean;
    counts[i] = count;
    if (mode === 'minmax') {
      lo[i] = count > 0 ? min : NaN;
      hi[i] = count > 0 ? max : NaN;
    } else {
      let squares = 0;
      for (let k = 0; k < members.length; k++) if (step >= first[k] && step <= last[k]) squares += (columns[k][i] - mean) ** 2;
      const std = count > 1 ? Math.sqrt(squares / (count - 1)) : 0;
      lo[i] = mean - std;
      hi[i] = mean + std;
    }
  }
  return { points: { steps: [...steps], times: [...longest.times], values }, lo, hi, counts };
}

/** Whether `own` are exactly `steps`, strictly increasing (where resampling at `steps` returns the values as they are). */
function atSteps(own: readonly number[], steps: readonly number[]): boolean {
  if (own.length !== steps.length) return false;
  for (let i = 0; i < own.length; i++) if (own[i] !== steps[i] || (i > 0 && !(own[i] > own[i - 1]))) return false;
  return true;
}

/** The chart's series with each seed group (of two or more shown runs) drawn as its mean and band. */
export function groupedSeries(series: readonly ChartSeries[], groupOf: GroupOf, mode: GroupView): ChartSeries[] {
  if (mode === 'runs') return [...series];
  const byGroup = new Map<string, ChartSeries[]>();
  for (const s of series) {
    const g = groupOf(s.runId);
    if (!g) continue;
    // The series' key without its run (e.g. "loss/a"): one band per group and key.
    const key = `${g.key}\u0000${s.id.slice(s.runId.length + 1)}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), s]);
  }
  const out: ChartSeries[] = [];
  const done = new Set<string>();
  for (const s of series) {
    const g = groupOf(s.runId);
    const key = g && `${g.key}\u0000${s.id.slice(s.runId.length + 1)}`;
    const members = key ? byGroup.get(key)! : [s];
    if (!g || members.length < 2) {
      out.push(s);
      continue;
    }
    if (done.has(key!)) continue;
    done.add(key!);
    const stats = groupStats(members.map((m) => m.points), mode);
    // A run's label is "<name> · <id><suffix>" (e.g. " train"): the group keeps the suffix.
    const at = s.label.indexOf(s.runId);
    const suffix = at >= 0 ? s.label.slice(at + s.runId.length) : '';
    out.push({
      id: `group:${g.key}:${s.id.slice(s.runId.length + 1)}`,
      label: `${g.label} (${members.length} seeds, ${mode === 'std' ? 'mean ± std' : 'mean, min–max'})${suffix}`,
      runId: s.runId,
      color: s.color,
      points: stats.points,
      dashed: s.dashed,
      band: { lo: stats.lo, hi: stats.hi },
    });
  }
  return out;
}
