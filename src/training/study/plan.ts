/**
 * What a study will train: every point (sweep point × seed) as a multi-task run, and for each point, task
 * and seed the single-task baseline it is compared with, unless one with the same key already completed in
 * the runs directory (reused) or another point of this study trains it (a sweep over the weighting shares
 * its baselines: they do not depend on it). Every point is checked before anything trains.
 */
import path from 'node:path';
import { formatDiagnostic } from '../config/diagnostics';
import { loadExperimentConfig } from '../config/load';
import { invalidSweepPoint, parseExperimentText } from '../config/parse';
import type { BackendName, ExperimentConfig } from '../config/schema';
import type { RunBatch } from '../runner/runner';
import { trainedTasks } from '../config/trainedTasks';
import { studyPoints } from '../config/study';
import type { RunMarks } from '../run/records';
import { listRunsSync, type RunListing } from '../run/runDirectory';
import { InputError } from '../run/inputError';
import { baselineKey, baselineOverrides, dataFingerprint, findBaseline } from './baselines';

export interface StudyJob {
  kind: 'run' | 'baseline';
  /** For people: "loss.weighting = pcgrad, seed = 2", "baseline of task1, seed = 2". */
  label: string;
  /** `--set` overrides that make this job's config from the file. */
  overrides: string[];
  marks: RunMarks;
  seed: number;
  task?: string;
}

export interface StudyPlan {
  /** The config file as named in messages, and its path. */
  file: string;
  configPath: string;
  config: ExperimentConfig;
  /** Baselines first (the runs' Δm needs them), then the runs. */
  jobs: StudyJob[];
  /** Completed baselines this study uses as they are. */
  reused: { task: string; seed: number; listing: RunListing }[];
}

/** The data file's fingerprint, or null when it cannot be read (the run itself then says why, positioned). */
function fingerprint(config: ExperimentConfig, configDir: string): string | null {
  try {
    return dataFingerprint(config, configDir);
  } catch {
    return null;
  }
}

/** A data file's column names (data/tabular.ts reads the whole file; the extension host only its first line). */
export type ColumnReader = (config: ExperimentConfig, configDir: string) => Promise<string[]>;

/**
 * File data's feature columns ("auto": every column that is no task's target), or undefined for generated data
 * or when the file cannot be read (the runs then say why, positioned).
 */
async function featureNames(config: ExperimentConfig, configDir: string, columns: ColumnReader): Promise<string[] | undefined> {
  if (config.data.source === 'synthetic') return undefined;
  // Text data: the tasks still stand alone, with no feature columns (the text is the input).
  if (config.data.text !== undefined) return [];
  if (Array.isArray(config.data.features)) return config.data.features;
  try {
    const targets = new Set(config.tasks.map((t) => t.target));
    return (await columns(config, configDir)).filter((c) => !targets.has(c));
  } catch {
    return undefined;
  }
}

/**
 * The study's plan. `reusable` narrows the runs a completed baseline may be reused from: a job of a Slurm array
 * re-plans its study while its sibling baselines complete, and must not count them as reused (the order would shift).
 */
export async function planStudy(configPath: string, sets: readonly string[], runsDir: string, columns: ColumnReader, reusable: (listing: RunListing) => boolean = () => true): Promise<StudyPlan> {
  const { config, text, file } = await loadExperimentConfig(configPath, sets);
  if (!config.study) throw new InputError(`${file}: no "study" section to run (e.g. "study": { "seeds": [1, 2, 3], "baselines": "auto" })`);
  const points = studyPoints(config.sweep, config.study.seeds, config.program !== undefined);
  const invalid = invalidSweepPoint(text, file, points, sets);
  if (invalid) throw new InputError(`study run ${invalid.index + 1} of ${points.length} (${invalid.point.label}) is not a valid config:\n${invalid.diagnostics.map(formatDiagnostic).join('\n')}`);
  const existing = listRunsSync(path.resolve(runsDir)).runs.filter(reusable);
  const configDir = path.dirname(path.resolve(configPath));
  const plan: StudyPlan = { file, configPath, config, jobs: [], reused: [] };
  const runs: StudyJob[] = [];
  const planned = new Set<string>();
  for (const point of points) {
    const overrides = [...sets, ...point.overrides];
    const pointConfig = parseExperimentText(text, file, overrides);
    const marks: RunMarks = {};
    if (config.study.baselines === 'auto') {
      marks.baselines = {};
      const data = fingerprint(pointConfig, configDir);
      const features = await featureNames(pointConfig, configDir, columns);
      for (const task of trainedTasks(pointConfig)) {
        const baseline = [...overrides, ...baselineOverrides(pointConfig, task.name, features)];
        const key = baselineKey(parseExperimentText(text, file, baseline), task.name, data);
        marks.baselines[task.name] = key;
        if (planned.has(key)) continue;
        planned.add(key);
        const found = findBaseline(existing, key);
        if (found) plan.reused.push({ task: task.name, seed: point.seed, listing: found });
        else plan.jobs.push({ kind: 'baseline', label: `baseline of ${task.name}, seed = ${point.seed}`, overrides: baseline, marks: { baseline: { task: task.name, key } }, seed: point.seed, task: task.name });
      }
    }
    runs.push({ kind: 'run', label: point.label, overrides, marks, seed: point.seed });
  }
  plan.jobs.push(...runs);
  return plan;
}

/**
 * The study's jobs as a runner's batch (`of: "study"`: on Slurm task i runs `train <config> --point i --study`). The
 * plan's overrides start with the `--set` ones (`sets`), which the batch applies to every point itself.
 */
export function studyBatch(plan: StudyPlan, options: { runsDir: string; sets: readonly string[]; backend?: BackendName; python?: string }): RunBatch {
  const points = plan.jobs.map((j) => ({ overrides: j.overrides.slice(options.sets.length), label: j.label, marks: j.marks }));
  return { configPath: plan.configPath, runsDir: options.runsDir, sets: [...options.sets], backend: options.backend, python: options.python, points, cluster: plan.config.cluster, of: 'study' };
}
