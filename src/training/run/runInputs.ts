/**
 * What a run needs before anything is written: its config (from the experiment file with overrides, or from
 * the directory of a stopped run being resumed), a backend that loads, and its data. Anything wrong with
 * those is the request's fault: an InputError (exit code 2 in the CLI, a rejected start in the extension),
 * with a `file:line:col` position where the config says what went wrong.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BackendError, nodeModuleLoader, selectBackend, type BackendSelection, type ModuleLoader, type StepTimer } from '../backend/select';
import { calibrationTimer } from '../engine/calibration';
import { ConfigError, isConfigError, locateJsonPath } from '../config/diagnostics';
import { loadExperimentConfig, parseExperimentText } from '../config/load';
import type { BackendName, ExperimentConfig } from '../config/schema';
import { DataError, type Dataset } from '../data/dataset';
import { loadDataset } from '../data/load';
import { hasCheckpoint } from '../engine/checkpoint';
import { CheckpointError, checkpointErrorPath, loadPretrainedTrunk, type PretrainedTrunk } from '../models/pretrained';
import { RUN_FILES, type RunInfo, type RunMarks } from './records';
import { readRunConfigSync, readRunInfoSync } from './runDirectory';
import { InputError } from './inputError';

export interface RunRequest {
  /** The `*.mtl.json` to run (not needed when resuming). */
  configPath?: string;
  runsDir: string;
  overrides?: string[];
  /** Overrides the config's `backend`. */
  backend?: BackendName;
  /** Continue this stopped run instead of starting a new one. */
  resumeDir?: string;
  /**
   * Start the run in this queued run directory (made by a cluster runner when it submitted the run) instead of a
   * new one. The config still comes from `configPath` and `overrides`.
   */
  claimDir?: string;
  /** How native tfjs packages are loaded (tests inject one). */
  moduleLoader?: ModuleLoader;
  modulePaths?: string[];
  /** The interpreter for a program experiment whose command starts with "python" / "python3". */
  python?: string;
  /** A study's marks for a new run's run.json. */
  marks?: RunMarks;
}

export { InputError } from './inputError';

export interface RunInputs {
  config: ExperimentConfig;
  experimentFile: string | null;
  /** The run being resumed. */
  existing?: { runDir: string; info: RunInfo };
  backend: BackendSelection;
  dataset: Dataset;
  /** A new run's `model.init` trunk (a resumed run has its own checkpoint). */
  pretrained?: PretrainedTrunk;
}

export interface ConfigSource {
  config: ExperimentConfig;
  experimentFile: string | null;
  /** Where relative data paths are resolved. */
  configDir: string;
  /** The config's text, to position data errors in it. */
  source?: { file: string; text: string };
  existing?: { runDir: string; info: RunInfo };
}

/** The config of `request` (from its file with overrides, or from the run being resumed), or an InputError. */
export async function readRunConfigSource(request: RunRequest): Promise<ConfigSource> {
  try {
    return await readConfig(request);
  } catch (error) {
    if (isConfigError(error)) throw new InputError((error as ConfigError).message);
    throw error;
  }
}

/** The config, backend and data of `request` (its config already read, or read now), or an InputError saying what is wrong with it. */
export async function resolveRunInputs(request: RunRequest, source?: ConfigSource): Promise<RunInputs> {
  const configSource = source ?? (await readRunConfigSource(request));
  const { config, experimentFile, existing } = configSource;
  // The data first: auto with a GPU times a few steps of this run on each candidate backend.
  const dataset = await loadData(configSource);
  const pretrained = existing ? undefined : loadPretrained(configSource, dataset);
  const backend = await loadBackend(request.backend ?? config.backend, request, calibrationTimer(config, dataset));
  return { config, experimentFile, existing, backend, dataset, ...(pretrained ? { pretrained } : {}) };
}

/** `model.init`'s trunk, or an InputError at the setting at fault (where the config writes it) or at model.init.path. */
export function loadPretrained(configSource: Pick<ConfigSource, 'config' | 'configDir' | 'source'>, dataset: Dataset): PretrainedTrunk | undefined {
  try {
    return loadPretrainedTrunk(configSource.config, configSource.configDir, dataset);
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    const source = configSource.source;
    const pos = source && [checkpointErrorPath(error), ['model', 'init', 'path']].map((at) => locateJsonPath(source.text, at)).find((p) => p !== undefined);
    throw new InputError(pos ? `${source.file}:${pos.line}:${pos.column}: ${error.message}` : error.message);
  }
}

function readConfig(request: RunRequest): Promise<ConfigSource> | ConfigSource {
  if (request.resumeDir) return readResumedConfig(path.resolve(request.resumeDir));
  if (!request.configPath) throw new InputError('no config file given');
  return loadExperimentConfig(request.configPath, request.overrides ?? []).then(({ config, text, file }) => ({
    config,
    experimentFile: path.resolve(request.configPath!),
    configDir: path.dirname(path.resolve(request.configPath!)),
    source: { file, text },
  }));
}

/** A stopped (or failed) run continues with the resolved config it was started with, from its checkpoint. */
function readResumedConfig(runDir: string): ConfigSource {
  const read = readRunInfoSync(runDir);
  if (!read.ok) throw new InputError(`${runDir}: not a run directory (${read.reason})`);
  const info = read.info;
  if (readRunConfigSync(runDir)?.program) throw new InputError(`${runDir}: a program run cannot be resumed by MTL Lab (your program restores its own checkpoint); start a new run`);
  if (info.status === 'running') throw new InputError(`${runDir}: the run is still running (pid ${info.pid ?? '?'})`);
  if (info.status === 'completed') throw new InputError(`${runDir}: the run already completed`);
  if (!hasCheckpoint(path.join(runDir, RUN_FILES.checkpoint))) throw new InputError(`${runDir}: no checkpoint to resume from (the run ${info.status} before writing one)`);
  const file = path.join(runDir, RUN_FILES.config);
  const text = readFileSync(file, 'utf8');
  const config = parseExperimentText(text, file);
  const configDir = info.experimentFile ? path.dirname(info.experimentFile) : runDir;
  return { config, experimentFile: info.experimentFile, configDir, source: { file, text }, existing: { runDir, info } };
}

async function loadBackend(requested: BackendName, request: RunRequest, calibrate: StepTimer): Promise<BackendSelection> {
  try {
    return await selectBackend(requested, request.moduleLoader ?? nodeModuleLoader(request.modulePaths ?? []), { calibrate });
  } catch (error) {
    if (error instanceof BackendError) throw new InputError(error.message);
    throw error;
  }
}

async function loadData(configSource: ConfigSource): Promise<Dataset> {
  try {
    return await loadDataset(configSource.config, configSource.configDir);
  } catch (error) {
    if (error instanceof DataError) throw new InputError(describeDataError(error, configSource.source));
    throw error;
  }
}

function describeDataError(error: DataError, config: { file: string; text: string } | undefined): string {
  return error.configPath ? positioned(config, error.configPath, error.message) : error.message;
}

/** `message` prefixed with `file:line:col` of `configPath` in the config's text, where it can be found. */
export function positioned(config: { file: string; text: string } | undefined, configPath: (string | number)[], message: string): string {
  const pos = config && locateJsonPath(config.text, configPath);
  return pos ? `${config.file}:${pos.line}:${pos.column}: ${message}` : message;
}
