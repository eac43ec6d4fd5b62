/**
 * One run, end to end: config → backend → data → trainer → run directory. The worker (forked by the
 * extension) and the `mtl-lab` CLI both call this, so a run looks the same wherever it started.
 */
import { processStartTicks } from './processIdentity';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BackendError, nodeModuleLoader, selectBackend, type ModuleLoader } from '../backend/select';
import { ConfigError, isConfigError, locateJsonPath } from '../config/diagnostics';
import { loadExperimentConfig, parseExperimentText } from '../config/load';
import type { BackendName, ExperimentConfig } from '../config/schema';
import { DataError, type Dataset } from '../data/dataset';
import { loadDataset } from '../data/load';
import { BatchSampler } from '../data/sampler';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint } from '../engine/checkpoint';
import { NonFiniteError } from '../engine/nonFinite';
import { Trainer, type TrainOutcome } from '../engine/trainer';
import { RUN_FILES, type EventRecord, type MetricRecord, type PositionedRecords, type RunInfo } from './records';
import { makeRunId, readRunInfo, RunDirectoryWriter } from './runDirectory';

export interface RunRequest {
  /** The `*.mtl.json` to run (not needed when resuming). */
  configPath?: string;
  runsDir: string;
  overrides?: string[];
  /** Overrides the config's `backend`. */
  backend?: BackendName;
  /** Continue this stopped run instead of starting a new one. */
  resumeDir?: string;
  /** How native tfjs packages are loaded (tests inject one). */
  moduleLoader?: ModuleLoader;
  modulePaths?: string[];
}

export interface RunCallbacks {
  /** The run directory exists and run.json says running. */
  onStarted?(runDir: string, info: RunInfo): void;
  /** Records as they are flushed to metrics.jsonl (the same batches), with where each ends in the file. */
  onRecords?(batch: PositionedRecords): void;
  onStatus?(info: RunInfo): void;
  /** Progress after every step (cheap; the CLI draws its bar from it). */
  onStep?(step: number, totalSteps: number): void;
  /** True asks the run to stop at the next step boundary. */
  shouldStop(): boolean;
}

/** The request cannot be run as given: bad config, bad data, a backend that cannot load. Exit code 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface RunResult {
  runDir: string;
  info: RunInfo;
}

function describeDataError(error: DataError, config: { file: string; text: string } | undefined): string {
  if (config && error.configPath) {
    const pos = locateJsonPath(config.text, error.configPath);
    if (pos) return `${config.file}:${pos.line}:${pos.column}: ${error.message}`;
  }
  return error.message;
}

interface Prepared {
  config: ExperimentConfig;
  experimentFile: string | null;
  configDir: string;
  source?: { file: string; text: string };
  existing?: { runDir: string; info: RunInfo };
}

function prepare(request: RunRequest): Promise<Prepared> | Prepared {
  if (request.resumeDir) {
    const runDir = path.resolve(request.resumeDir);
    const info = readRunInfo(runDir);
    if (!info) throw new InputError(`${runDir}: not a run directory (no readable ${RUN_FILES.info})`);
    if (info.status === 'running') throw new InputError(`${runDir}: the run is still running (pid ${info.pid ?? '?'})`);
    if (info.status === 'completed') throw new InputError(`${runDir}: the run already completed`);
    if (!hasCheckpoint(path.join(runDir, RUN_FILES.checkpoint))) throw new InputError(`${runDir}: no checkpoint to resume from (the run ${info.status} before writing one)`);
    const file = path.join(runDir, RUN_FILES.config);
    const text = readFileSync(file, 'utf8');
    const config = parseExperimentText(text, file);
    const configDir = info.experimentFile ? path.dirname(info.experimentFile) : runDir;
    return { config, experimentFile: info.experimentFile, configDir, source: { file, text }, existing: { runDir, info } };
  }
  if (!request.configPath) throw new InputError('no config file given');
  return loadExperimentConfig(request.configPath, request.overrides ?? []).then(({ config, text, file }) => ({
    config,
    experimentFile: path.resolve(request.configPath!),
    configDir: path.dirname(path.resolve(request.configPath!)),
    source: { file, text },
  }));
}

export async function runExperiment(request: RunRequest, callbacks: RunCallbacks): Promise<RunResult> {
  let prepared: Prepared;
  try {
    prepared = await prepare(request);
  } catch (error) {
    if (isConfigError(error)) throw new InputError((error as ConfigError).message);
    throw error;
  }
  const { config, existing } = prepared;
  const backendRequest = request.backend ?? config.backend;

  let selection;
  try {
    selection = await selectBackend(backendRequest, request.moduleLoader ?? nodeModuleLoader(request.modulePaths ?? []));
  } catch (error) {
    if (error instanceof BackendError) throw new InputError(error.message);
    throw error;
  }

  let dataset: Dataset;
  try {
    dataset = await loadDataset(config, prepared.configDir);
  } catch (error) {
    if (error instanceof DataError) throw new InputError(describeDataError(error, prepared.source));
    throw error;
  }

  const sampler = new BatchSampler(dataset.train, dataset.tasks, config.training, config.seed);
  const trainer = new Trainer(config, dataset, sampler);

  const now = new Date();
  let writer: RunDirectoryWriter;
  const onFlush = (batch: PositionedRecords) => callbacks.onRecords?.(batch);
  if (existing) {
    loadCheckpoint(trainer, path.join(existing.runDir, RUN_FILES.checkpoint));
    writer = new RunDirectoryWriter(existing.runDir, existing.info, onFlush);
    writer.update({ status: 'running', pid: process.pid, processStartTicks: processStartTicks(process.pid) ?? null, endedAt: null, error: null, backend: selection.name });
  } else {
    const info: RunInfo = {
      version: 1,
      id: makeRunId(config.name, now),
      name: config.name,
      experimentFile: prepared.experimentFile,
      status: 'running',
      createdAt: now.toISOString(),
      startedAt: now.toISOString(),
      endedAt: null,
      backend: selection.name,
      pid: process.pid,
      processStartTicks: processStartTicks(process.pid) ?? null,
      step: 0,
      totalSteps: trainer.totalSteps,
      overrides: request.overrides ?? [],
      error: null,
      summary: null,
    };
    writer = RunDirectoryWriter.create(path.resolve(request.runsDir), info, config, onFlush);
  }
  callbacks.onStarted?.(writer.runDir, writer.info);

  const event = (level: EventRecord['level'], code: string, message: string, data?: unknown): EventRecord => {
    const r: EventRecord = { kind: 'event', step: trainer.position.step, time: Date.now(), level, code, message };
    if (data !== undefined) r.data = data;
    return r;
  };
  const log = (line: string) => writer.log(line);
  const record = (r: MetricRecord) => {
    writer.append(r);
    if (r.kind === 'event') log(`[${r.level}] ${r.code}: ${r.message}`);
  };

  record(event('info', 'backend-selected', selection.message, { backend: selection.name, attempts: selection.attempts }));
  if (existing) record(event('info', 'resumed', `resumed at step ${trainer.position.step} of ${trainer.totalSteps}`));
  else record(event('info', 'run-started', `${dataset.describe}; ${trainer.totalSteps} steps (${config.training.epochs} epochs × ${sampler.stepsPerEpoch})`));

  let lastStatusWrite = 0;
  const finish = (patch: Partial<RunInfo>): RunResult => {
    writer.flush();
    const info = writer.update({ ...patch, step: trainer.position.step, endedAt: new Date().toISOString(), pid: null, processStartTicks: null });
    callbacks.onStatus?.(info);
    return { runDir: writer.runDir, info };
  };

  let outcome: TrainOutcome;
  try {
    outcome = await trainer.run({
      onRecord: (r) => {
        record(r);
        callbacks.onStep?.(trainer.position.step, trainer.totalSteps);
        // Keep run.json's step roughly current (for `mtl-lab runs` and the tree) without rewriting it every step.
        if (Date.now() - lastStatusWrite > 2000) {
          lastStatusWrite = Date.now();
          writer.update({ step: trainer.position.step });
        }
      },
      shouldStop: callbacks.shouldStop,
      yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
    });
  } catch (error) {
    const message = (error as Error).message;
    const step = error instanceof NonFiniteError ? error.step : trainer.position.step + 1;
    record(event('error', error instanceof NonFiniteError ? error.code : 'failed', message));
    log((error as Error).stack ?? message);
    return finish({ status: 'failed', error: { message, step } });
  }

  if (outcome === 'stopped') {
    saveCheckpoint(trainer, path.join(writer.runDir, RUN_FILES.checkpoint));
    record(event('info', 'stopped', `stopped at step ${trainer.position.step} of ${trainer.totalSteps}; checkpoint written`));
    return finish({ status: 'stopped' });
  }

  // Make sure the summary holds metrics of the final weights.
  const p = trainer.position;
  if (dataset.validation.size > 0 && p.lastEvalStep !== p.step) {
    const metrics = trainer.evaluate(dataset.validation);
    record({ kind: 'eval', step: p.step, epoch: Math.min(p.epoch, config.training.epochs - 1), time: Date.now(), split: 'validation', metrics });
    p.lastMetrics = metrics;
    p.lastEvalStep = p.step;
  }
  saveCheckpoint(trainer, path.join(writer.runDir, RUN_FILES.checkpoint));
  record(event('info', 'completed', outcome === 'early-stopped' ? `stopped early at step ${p.step}` : `completed ${p.step} steps`));
  return finish({
    status: 'completed',
    summary: {
      metrics: p.lastMetrics ?? {},
      stepsPerSecond: p.trainSeconds > 0 ? Number((p.step / p.trainSeconds).toPrecision(4)) : 0,
      backend: selection.name,
      steps: p.step,
      bestStep: p.bestStep,
    },
  });
}
