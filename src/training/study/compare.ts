/**
 * A runs directory as a study sees it: each run's Δm against its single-task baselines (found by the keys
 * in its run.json), and groups of runs that differ only by seed with mean ± std over their finished runs.
 * Only completed runs count; every undefined number carries the reason.
 */
import { deltaMParts, headlineMetric, type DeltaM } from '../evaluation/deltaM';
import type { ExperimentConfig } from '../config/schema';
import { trainedTasks } from '../config/trainedTasks';
import type { RunInfo } from '../run/records';
import { findBaseline, groupKey } from './baselines';
import { meanStd, type MeanStd } from './stats';
import { isSeedOverride } from '../config/study';

export { formatMeanStd, meanStd, type MeanStd } from './stats';


/** Anything that carries a run.json: a runs-directory listing, the extension's run snapshot. */
export interface HasInfo {
  info: RunInfo;
}

export interface ComparedRun<R extends HasInfo = HasInfo> {
  listing: R;
  config: ExperimentConfig | undefined;
  group: string | undefined;
  seed: number | undefined;
  /** Undefined for baselines (they are the reference). */
  deltaM?: DeltaM;
}

export interface RunGroup<R extends HasInfo = HasInfo> {
  key: string;
  /** What the runs share, for people: the experiment name and the overrides other than the seed. */
  label: string;
  baselineOf?: string;
  runs: ComparedRun<R>[];
  /** Over the completed runs with a defined Δm. */
  deltaM?: MeanStd;
  /** Why the group has no Δm (no run has one): the first run's reason. */
  deltaMReason?: string;
  /** Each task's relative change (percent, positive = better) over the same runs. */
  taskDeltas: Record<string, MeanStd>;
  /** Each task's headline metric (accuracy / RMSE) over the completed runs. */
  metrics: Record<string, MeanStd>;
}

/** A run's Δm against the baselines its run.json names, or why there is none. */
export function runDeltaM(run: HasInfo, config: ExperimentConfig | undefined, all: readonly HasInfo[]): DeltaM {
  const { info } = run;
  if (!info.baselines) return { reason: 'not a study run with baselines', tasks: [] };
  if (info.status !== 'completed' || !info.summary) return { reason: `the run has not finished (${info.status})`, tasks: [] };
  if (!config) return { reason: 'its config.json cannot be read', tasks: [] };
  const tasks = trainedTasks(config);
  const baselines = Object.fromEntries(tasks.map((t) => [t.name, findBaseline(all, info.baselines![t.name] ?? '')?.info.summary?.metrics[t.name]]));
  const result = deltaMParts(tasks, info.summary.metrics, baselines);
  // A baseline that is not there at all says so (rather than "no metric in its baseline").
  for (const part of result.tasks) {
    if (findBaseline(all, info.baselines[part.task] ?? '')) continue;
    part.reason = `no completed single-task baseline for task "${part.task}" (not trained yet, failed or deleted; \`mtl-lab study\` trains it)`;
    delete part.relative;
  }
  const missing = result.tasks.find((p) => p.relative === undefined);
  return missing ? { reason: missing.reason, tasks: result.tasks } : result;
}

function groupLabel(run: HasInfo): string {
  if (run.info.baseline) return `${run.info.name} (single-task baseline of "${run.info.baseline.task}")`;
  const rest = run.info.overrides.filter((o) => !isSeedOverride(o));
  return rest.length ? `${run.info.name} ${rest.join(' ')}` : run.info.name;
}

/** Every run with its Δm, and the groups (runs that differ only by seed) in first-seen order. */
export function compareRuns<R extends HasInfo>(runs: readonly R[], configOf: (run: R) => ExperimentConfig | undefined): { runs: ComparedRun<R>[]; groups: RunGroup<R>[] } {
  const compared: ComparedRun<R>[] = runs.map((listing) => {
    const config = configOf(listing);
    const run: ComparedRun<R> = { listing, config, group: config ? groupKey(config) : undefined, seed: config?.seed };
    if (!listing.info.baseline) run.deltaM = runDeltaM(listing, config, runs);
    return run;
  });
  const byKey = new Map<string, ComparedRun<R>[]>();
  for (const run of compared) {
    if (!run.group) continue;
    const members = byKey.get(run.group) ?? [];
    members.push(run);
    byKey.set(run.group, members);
  }
  const groups = [...byKey].map(([key, members]) => summariseGroup(key, members));
  return { runs: compared, groups };
}

/**
 * The completed runs of a group, one per seed: a seed trained twice (a study run again) is one replicate, not
 * two, so the newest completed run of each seed counts (runs come newest first, as runs directories list them).
 */
export function finishedPerSeed<R extends HasInfo>(members: readonly ComparedRun<R>[]): ComparedRun<R>[] {
  const seen = new Set<number | undefined>();
  const newestFirst = [...members].sort((a, b) => b.listing.info.createdAt.localeCompare(a.listing.info.createdAt));
  return newestFirst.filter((m) => {
    if (m.listing.info.status !== 'completed' || !m.listing.info.summary || seen.has(m.seed)) return false;
    seen.add(m.seed);
    return true;
  });
}

function summariseGroup<R extends HasInfo>(key: string, members: ComparedRun<R>[]): RunGroup<R> {
  const group: RunGroup<R> = { key, label: groupLabel(members[0].listing), runs: members, taskDeltas: {}, metrics: {} };
  if (members[0].listing.info.baseline) group.baselineOf = members[0].listing.info.baseline.task;
  const done = finishedPerSeed(members);
  const values = done.flatMap((m) => (m.deltaM?.value !== undefined ? [m.deltaM.value] : []));
  const overall = meanStd(values);
  if (overall) group.deltaM = overall;
  else if (!group.baselineOf) group.deltaMReason = done.length === 0 ? 'no run of the group has finished' : done[0].deltaM?.reason;
  for (const task of members[0].config ? trainedTasks(members[0].config) : []) {
    const { metric } = headlineMetric(task.type);
    const metricValues = done.flatMap((m) => {
      const v = m.listing.info.summary?.metrics[task.name]?.[metric];
      return v !== undefined && Number.isFinite(v) ? [v] : [];
    });
    const ms = meanStd(metricValues);
    if (ms) group.metrics[task.name] = ms;
    const rel = meanStd(done.flatMap((m) => m.deltaM?.tasks.find((t) => t.task === task.name)?.relative ?? []));
    if (rel) group.taskDeltas[task.name] = rel;
  }
  return group;
}

