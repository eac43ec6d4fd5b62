/**
 * MTL diagnostics of a study's groups, each finding with a remedy that is a `sweep` to add to the
 * experiment file:
 * - negative transfer: a task's relative change against its baseline (same seed, so same data) negative on
 *   average over the group's seeds, and the paired t test (two-sided) says p < 0.05. Paired rather than
 *   Welch's unpaired test: each seed draws its own data, whose spread between seeds would otherwise swamp
 *   the effect (a study at Δm = −89 % on every seed was not flagged by Welch's test);
 * - gradient conflict: per pair of tasks, the share of logged steps whose gradient cosine (the `conflict`
 *   named matrix, logged every `training.conflictEvery` steps) is negative; flagged from one half up;
 * - weight collapse: a `weights-collapsed` event not followed by `weights-recovered`;
 * - loss-scale imbalance at the start: the first logged task losses differing by more than 10×.
 * No file access: the caller reads the records (run/metricsTail.ts) and groups the runs (compare.ts).
 */
import { headlineMetric } from '../evaluation/deltaM';
import type { MetricRecord } from '../run/records';
import { finishedPerSeed, type HasInfo, type RunGroup } from './compare';
import { pairedTTest } from './stats';

export const NEGATIVE_TRANSFER_ALPHA = 0.05;
export const CONFLICT_SHARE_FLAG = 0.5;
export const LOSS_IMBALANCE_RATIO = 10;

export type FindingKind = 'negative-transfer' | 'gradient-conflict' | 'weight-collapse' | 'loss-imbalance';

export interface Finding {
  kind: FindingKind;
  /** The task a negative transfer concerns. */
  task?: string;
  /** The group's label. */
  group: string;
  message: string;
  /** What to add to the experiment file, and why it helps. */
  remedy: { sweep: Record<string, unknown[]>; why: string };
}

/** What a run's records say that the diagnostics use. */
export interface RunSignals {
  /** "a × b" → [negative cosines, logged cosines]. */
  conflicts: Record<string, [number, number]>;
  collapsed: boolean;
  /** The first train record's task losses. */
  initialLosses: Record<string, number> | undefined;
}

export function runSignals(records: readonly MetricRecord[], tasks: readonly string[]): RunSignals {
  const signals: RunSignals = { conflicts: {}, collapsed: false, initialLosses: undefined };
  for (const r of records) {
    if (r.kind === 'train') {
      signals.initialLosses ??= r.losses;
      const matrix = r.matrices?.conflict ?? r.conflict;
      if (!matrix) continue;
      for (let i = 0; i < tasks.length; i++) {
        for (let j = i + 1; j < tasks.length; j++) {
          const cos = matrix[i]?.[j];
          if (cos === undefined || !Number.isFinite(cos)) continue;
          const pair = (signals.conflicts[`${tasks[i]} × ${tasks[j]}`] ??= [0, 0]);
          pair[1]++;
          if (cos < 0) pair[0]++;
        }
      }
    } else if (r.kind === 'event') {
      if (r.code === 'weights-collapsed') signals.collapsed = true;
      else if (r.code === 'weights-recovered') signals.collapsed = false;
    }
  }
  return signals;
}

const WEIGHTINGS_AGAINST_CONFLICT = ['equal', 'pcgrad', 'cagrad'];
const SCALE_FREE_WEIGHTINGS = ['equal', 'uncertainty', 'gradnorm'];

/** Per task: is the multi-task metric worse than its baseline's beyond seed noise (paired t test over seeds)? */
function negativeTransfer<R extends HasInfo>(group: RunGroup<R>): Finding[] {
  const findings: Finding[] = [];
  const done = finishedPerSeed(group.runs);
  for (const task of done[0]?.config?.tasks ?? []) {
    const { metric } = headlineMetric(task.type);
    const changes = done.flatMap((r) => r.deltaM?.tasks.find((t) => t.task === task.name)?.relative ?? []);
    const test = pairedTTest(changes);
    if (!test || test.p >= NEGATIVE_TRANSFER_ALPHA || test.t >= 0) continue;
    const mean = changes.reduce((a, b) => a + b, 0) / changes.length;
    findings.push({
      kind: 'negative-transfer',
      task: task.name,
      group: group.label,
      message: `negative transfer on task "${task.name}": ${metric} ${mean.toFixed(1)} % against its single-task baseline over ${changes.length} seeds, beyond seed noise (paired t test, two-sided: t = ${test.t.toFixed(2)}, df = ${test.df}, p = ${test.p.toPrecision(2)} < ${NEGATIVE_TRANSFER_ALPHA})`,
      remedy: { sweep: { 'loss.weighting': WEIGHTINGS_AGAINST_CONFLICT }, why: 'gradient surgery (PCGrad, CAGrad) keeps one task\'s update from undoing another\'s' },
    });
  }
  return findings;
}

/** Every finding of one group, given each of its runs' signals by run id. */
export function diagnoseGroup<R extends HasInfo>(group: RunGroup<R>, signals: ReadonlyMap<string, RunSignals>): Finding[] {
  if (group.baselineOf) return [];
  const findings = negativeTransfer(group);
  const runSignalsOf = group.runs.flatMap((r) => signals.get(r.listing.info.id) ?? []);
  const pairs = new Map<string, [number, number]>();
  for (const s of runSignalsOf) {
    for (const [pair, [negative, logged]] of Object.entries(s.conflicts)) {
      const total = pairs.get(pair) ?? [0, 0];
      pairs.set(pair, [total[0] + negative, total[1] + logged]);
    }
  }
  for (const [pair, [negative, logged]] of pairs) {
    if (logged === 0 || negative / logged < CONFLICT_SHARE_FLAG) continue;
    findings.push({
      kind: 'gradient-conflict',
      group: group.label,
      message: `tasks ${pair} conflict (gradient cosine < 0) on ${((100 * negative) / logged).toFixed(0)} % of ${logged} logged steps`,
      remedy: { sweep: { 'loss.weighting': WEIGHTINGS_AGAINST_CONFLICT }, why: 'PCGrad projects out the conflicting component; CAGrad bounds the worst task\'s loss change' },
    });
  }
  const collapsed = group.runs.filter((r) => signals.get(r.listing.info.id)?.collapsed).length;
  if (collapsed > 0) {
    findings.push({
      kind: 'weight-collapse',
      group: group.label,
      message: `the learned task weights collapsed onto one task in ${collapsed} of ${group.runs.length} runs (and did not recover)`,
      remedy: { sweep: { 'loss.weighting': ['uncertainty', 'famo', 'equal'] }, why: 'uncertainty weighting and FAMO cannot put all weight on one task' },
    });
  }
  const ratios = runSignalsOf.flatMap((s) => {
    const losses = Object.values(s.initialLosses ?? {}).filter((l) => Number.isFinite(l) && l > 0);
    return losses.length > 1 ? [Math.max(...losses) / Math.min(...losses)] : [];
  });
  const worst = Math.max(0, ...ratios);
  if (worst > LOSS_IMBALANCE_RATIO) {
    findings.push({
      kind: 'loss-imbalance',
      group: group.label,
      message: `the task losses differ by ${worst.toFixed(1)}× at the first logged step (more than ${LOSS_IMBALANCE_RATIO}×): equal weights let the largest loss dominate`,
      remedy: { sweep: { 'loss.weighting': SCALE_FREE_WEIGHTINGS }, why: 'uncertainty weighting and GradNorm are insensitive to the losses\' scale' },
    });
  }
  return findings;
}

/** Each pair's conflict share over a group's runs (for the report even when not flagged). */
export function conflictShares(signals: readonly RunSignals[]): Record<string, { share: number; logged: number }> {
  const out: Record<string, { share: number; logged: number }> = {};
  const totals = new Map<string, [number, number]>();
  for (const s of signals) for (const [pair, [n, l]] of Object.entries(s.conflicts)) totals.set(pair, [(totals.get(pair)?.[0] ?? 0) + n, (totals.get(pair)?.[1] ?? 0) + l]);
  for (const [pair, [n, l]] of totals) if (l > 0) out[pair] = { share: n / l, logged: l };
  return out;
}
