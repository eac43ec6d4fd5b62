/**
 * Single-task baselines. A task's baseline is the same experiment with that task's loss alone: the same
 * data (every task stays declared, so generators and splits produce the same rows and labels), the same
 * optimiser, training budget and seed, on the run's trunk with one head per task (`baselineModel`), with static
 * weights 1 for the task and 0 for the others (their heads get no gradient, the trunk learns the one task).
 *
 * A baseline is an ordinary run marked `baseline: { task, key }` in run.json. The key hashes everything
 * that determines its result (the resolved config without name, description, sweep and study; the data
 * file's bytes; the engine version), so a study reuses a completed baseline with the same key from the runs
 * directory, and changing anything that matters trains a new one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { version as ENGINE_VERSION } from '../../../package.json';
import type { ExperimentConfig } from '../config/schema';
import type { RunInfo } from '../run/records';

/**
 * The overrides that turn a resolved multi-task config into task `task`'s single-task baseline.
 * Generated data depends on every declared task, so there the tasks stay and the others get weight 0;
 * file data does not, so there the task stands alone (its features pinned to the multi-task run's, given
 * as `featureColumns`), and a task whose labels cannot be trained fails its own baseline only.
 */
export function baselineOverrides(config: ExperimentConfig, task: string, featureColumns?: readonly string[]): string[] {
  const model = baselineModel(config.model);
  // Only what shapes the data stays on the tasks (weighting-specific task keys would be errors under "static").
  const tasks = config.tasks.map(({ name, type, classes, target }) => ({ name, type, ...(classes !== undefined && { classes }), ...(target !== undefined && { target }) }));
  const common = [
    `name=${JSON.stringify(`${config.name}-stl-${task}`.slice(0, 64))}`,
    `model=${JSON.stringify(model)}`,
    // The gradient-conflict and affinity logs need extra passes and change nothing a baseline is used for; a baseline
    // trains its one task whatever subset (training.tasks) the multi-task run trains.
    `training=${JSON.stringify(baselineTraining(config.training))}`,
  ];
  if (featureColumns) {
    // Text data has no feature columns to pin: the text is the only input.
    const features = config.data.text === undefined ? [`data.features=${JSON.stringify(featureColumns)}`] : [];
    return [...common, `tasks=${JSON.stringify(tasks.filter((t) => t.name === task))}`, ...features, `loss=${JSON.stringify({ weighting: 'equal' })}`];
  }
  const weights = Object.fromEntries(config.tasks.map((t) => [t.name, t.name === task ? 1 : 0]));
  return [...common, `tasks=${JSON.stringify(tasks)}`, `loss=${JSON.stringify({ weighting: 'static', weights })}`];
}

/**
 * The model a baseline trains: the run's trunk with one head per task and nothing per task beside the head. MLP
 * families become the hard-sharing trunk with the run's layer sizes; a Transformer keeps its trunk (layers, widths,
 * norm, pretrained init, pooling) and shares it "hard", so hard, task-attention and LoRA runs of one study are
 * measured against the same baselines.
 */
function baselineModel(model: ExperimentConfig['model']): Record<string, unknown> {
  if (model.architecture === 'transformer') {
    const { sharing: _sharing, loraRank: _rank, loraAlpha: _alpha, freezeTrunk: _freeze, ...trunk } = model as Record<string, unknown>;
    return { ...trunk, sharing: 'hard' };
  }
  const { sharedUnits, taskUnits, activation, dropout } = model;
  return { architecture: 'hard', sharedUnits, taskUnits, activation, dropout };
}

function baselineTraining(training: ExperimentConfig['training']): ExperimentConfig['training'] {
  const { tasks: _tasks, affinityEvery: _affinityEvery, ...rest } = training;
  return { ...rest, conflictEvery: 0 };
}

/** Stable JSON: object keys sorted, so equal configs hash equally whatever order they were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The part of a resolved config that determines a run's numbers (no names, no study or sweep sections). */
function determining(config: ExperimentConfig): Record<string, unknown> {
  const { name: _name, description: _description, $schema: _schema, sweep: _sweep, study: _study, ...rest } = config;
  return rest;
}

/** The bytes of a file-backed data set, hashed (a changed file is a changed baseline); null for generated data. */
export function dataFingerprint(config: ExperimentConfig, configDir: string): string | null {
  if (config.data.source === 'synthetic' || !config.data.path) return null;
  return createHash('sha256').update(readFileSync(path.resolve(configDir, config.data.path))).digest('hex');
}

/** The cache key of a baseline: its resolved config (which holds the task and seed), the data's fingerprint and the engine version. */
export function baselineKey(baselineConfig: ExperimentConfig, task: string, data: string | null): string {
  const material = canonical({ config: determining(baselineConfig), task, data, engine: ENGINE_VERSION });
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

/** The completed baseline run with this key, newest first, if the runs directory holds one. */
export function findBaseline<R extends { info: RunInfo }>(runs: readonly R[], key: string): R | undefined {
  return runs.find((r) => r.info.baseline?.key === key && r.info.status === 'completed');
}

/**
 * The group of a run: a hash of its resolved config without the seed, so runs that differ only by seed share it.
 * Baselines group by their task the same way (their config names it through the weights).
 */
export function groupKey(config: ExperimentConfig): string {
  const { seed: _seed, ...rest } = determining(config) as Record<string, unknown>;
  // A program's study seed is also its program.params.seed (config/study.ts).
  if (config.program?.params && 'seed' in config.program.params) {
    const { seed: _programSeed, ...params } = config.program.params;
    rest.program = { ...config.program, params };
  }
  return createHash('sha256').update(canonical(rest)).digest('hex').slice(0, 12);
}
