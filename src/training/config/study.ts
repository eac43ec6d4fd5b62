/**
 * Studies: an experiment's optional `study` section trains the config (each point of its `sweep`, if any)
 * once per seed, plus single-task baselines (study/baselines.ts). This module is the pure part: the points
 * a study trains and the problems of its section that the schema cannot express.
 *
 *   "study": { "seeds": [1, 2, 3], "baselines": "auto" }, "sweep": { "loss.weighting": ["equal", "pcgrad"] }   → 6 runs
 */
import { isPlainObject, type ConfigIssue } from './issues';
import { MAX_SWEEP_RUNS, sweepPoints, sweepSize, type SweepPoint, type SweepSection } from './sweep';

export interface StudyPoint extends SweepPoint {
  seed: number;
  /** The sweep point this run belongs to (its label without the seed); '' without a sweep. */
  pointLabel: string;
}

/**
 * A `"program"` experiment's seed also goes to `program.params.seed`: a program reads its settings from
 * `mtl_lab.params()` (MTL_LAB_PARAMS), not from the experiment's top-level seed, so without it every replicate would
 * train with the same seed.
 */
export const PROGRAM_SEED_PATH = 'program.params.seed';

/** Whether a run's override is one of the seeds a study sets (its group differs from its siblings' by nothing else). */
export function isSeedOverride(override: string): boolean {
  return override.startsWith('seed=') || override.startsWith(`${PROGRAM_SEED_PATH}=`);
}

/** Every run of a study: each sweep point (or the config as written) × each seed, seeds varying fastest. */
export function studyPoints(sweep: SweepSection | undefined, seeds: readonly number[], program = false): StudyPoint[] {
  const points = sweep && Object.keys(sweep).length > 0 ? sweepPoints(sweep) : [{ overrides: [], label: '', indices: [] }];
  return points.flatMap((point) =>
    seeds.map((seed) => ({
      seed,
      pointLabel: point.label,
      indices: point.indices,
      overrides: [...point.overrides, `seed=${seed}`, ...(program ? [`${PROGRAM_SEED_PATH}=${seed}`] : [])],
      label: point.label ? `${point.label}, seed = ${seed}` : `seed = ${seed}`,
    })),
  );
}

/**
 * What the schema cannot say about a `study` section: seeds are the study's, so the sweep may not sweep
 * `seed` as well, and the whole study (points × seeds) is bounded like a sweep.
 */
export function studyIssues(given: unknown): ConfigIssue[] {
  if (!isPlainObject(given) || !isPlainObject(given.study)) return [];
  const seeds = given.study.seeds;
  const sweep = isPlainObject(given.sweep) ? given.sweep : {};
  const issues: ConfigIssue[] = [];
  for (const key of ['seed', ...(given.program === undefined ? [] : [PROGRAM_SEED_PATH])]) {
    if (Object.hasOwn(sweep, key)) issues.push({ path: ['sweep', key], message: `a study sets the seeds (study.seeds); remove "${key}" from the sweep`, atKey: true });
  }
  // MTL Lab cannot make a program train one task alone: its "baselines" would be multi-task runs under another name.
  if (given.program !== undefined && given.study.baselines !== 'none') {
    const message = 'a "program" experiment has no automatic single-task baselines (MTL Lab cannot make your program train one task alone): set "baselines": "none"; groups and mean ± std over seeds still work, Δm needs baselines';
    issues.push(given.study.baselines === undefined ? { path: ['study'], message } : { path: ['study', 'baselines'], message });
  }
  if (Array.isArray(seeds)) {
    const arrays = Object.fromEntries(Object.entries(sweep).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]) && entry[1].length > 0));
    const runs = sweepSize(arrays) * seeds.length;
    if (runs > MAX_SWEEP_RUNS) issues.push({ path: ['study', 'seeds'], message: `${runs} runs (${sweepSize(arrays)} sweep points × ${seeds.length} seeds); at most ${MAX_SWEEP_RUNS}` });
  }
  return issues;
}
