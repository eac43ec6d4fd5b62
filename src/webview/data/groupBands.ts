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
  const columns = members.map((m) => resampleAt(steps, m.steps, m.values));
  const values: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    const at: number[] = [];
    members.forEach((m, k) => {
      if (m.steps.length > 0 && steps[i] >= m.steps[0] && steps[i] <= m.steps[m.steps.length - 1]) at.push(columns[k][i]);
    });
    const n = at.length;
    const mean = at.reduce((s, v) => s + v, 0) / n;
    values.push(mean);
    counts.push(n);
    if (mode === 'minmax') {
      lo.push(Math.min(...at));
      hi.push(Math.max(...at));
    } else {
      const std = n > 1 ? Math.sqrt(at.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
      lo.push(mean - std);
      hi.push(mean + std);
    }
  }
  return { points: { steps: [...steps], times: [...longest.times], values }, lo, hi, counts };
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
