/**
 * One run, end to end: its inputs (runInputs.ts) → trainer → run directory (or, for a `"program"` experiment, the
 * user's program, supervised by runProgram.ts). The worker (forked by the
 * extension) and the `mtl-lab` CLI both call this, so a run looks the same wherever it started.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { BatchSampler } from '../data/sampler';
import { loadCheckpoint, saveCheckpoint } from '../engine/checkpoint';
import { NonFiniteError } from '../engine/nonFinite';
import { meanOf } from '../engine/affinity';
import { affinitySummary } from '../analysis/affinityReport';
import { Trainer, type TrainOutcome } from '../engine/trainer';
import { eventRecord } from './events';
import { processStartTicks } from './processIdentity';
import { RUN_FILES, type EventCode, type EventRecord, type MetricRecord, type PositionedRecords, type RunInfo } from './records';
import { makeRunId, readRunInfoSync, RunDirectoryWriter, writeFileAtomicSync } from './runDirectory';
import { InputError, positioned, readRunConfigSource, resolveRunInputs, type RunInputs, type RunRequest } from './runInputs';
import { runProgram } from './runProgram';

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

export interface RunResult {
  runDir: string;
  info: RunInfo;
}

export async function runExperiment(request: RunRequest, callbacks: RunCallbacks): Promise<RunResult> {
  const source = await readRunConfigSource(request);
  const { config: read } = source;
  if (read.program) {
    const config = { ...read, program: read.program };
    return runProgram({ config, experimentFile: source.experimentFile, configDir: source.configDir, runsDir: request.runsDir, overrides: request.overrides ?? [], python: request.python, claimDir: request.claimDir }, callbacks);
  }
  const inputs = await resolveRunInputs(request, source);
  const { config, dataset, backend } = inputs;
  const sampler = new BatchSampler(dataset.train, dataset.tasks, config.training, config.seed);
  const trainer = new Trainer(config, dataset, sampler, inputs.pretrained?.values);
  const affinityEvery = config.training.affinityEvery ?? 0;
  if (affinityEvery > trainer.totalSteps) {
    throw new InputError(positioned(source.source, ['training', 'affinityEvery'], `training.affinityEvery: ${affinityEvery} is more steps than the run has (${trainer.totalSteps}: ${config.training.epochs} epochs × ${sampler.stepsPerEpoch}), so no affinity would ever be measured; lower it or set it to 0`));
  }
  const writer = openRunDirectory(request, inputs, trainer, (batch) => callbacks.onRecords?.(batch));
  callbacks.onStarted?.(writer.runDir, writer.info);

  const journal = new RunJournal(writer, trainer);
  journal.event(backend.warning ? 'warning' : 'info', 'backend-selected', backend.message, { backend: backend.name, attempts: backend.attempts, ...(backend.adapter ? { adapter: backend.adapter } : {}), ...(backend.calibration ? { calibration: backend.calibration } : {}) });
  if (inputs.existing) journal.event('info', 'resumed', `resumed at step ${trainer.position.step} of ${trainer.totalSteps}`);
  else journal.event('info', 'run-started', `${dataset.describe}; ${trainer.totalSteps} steps (${config.training.epochs} epochs × ${sampler.stepsPerEpoch})`);
  const init = inputs.pretrained;
  if (init) journal.event('info', 'pretrained-loaded', `model.init: the trunk starts from ${init.file} (${init.loaded.length} tensors loaded, ${init.ignored.length} ignored)`, { file: init.file, loaded: init.loaded, ignored: init.ignored });

  const finish = (patch: Partial<RunInfo>): RunResult => {
    writer.flush();
    const info = writer.update({ ...patch, step: trainer.position.step, endedAt: new Date().toISOString(), pid: null, processStartTicks: null });
    callbacks.onStatus?.(info);
    return { runDir: writer.runDir, info };
  };
  let outcome: TrainOutcome;
  try {
    outcome = await train(trainer, journal, writer, callbacks);
  } catch (error) {
    return finish(failed(error, trainer, journal));
  }
  if (outcome === 'stopped') return finish(stopped(trainer, writer, journal));
  return finish(completed(outcome, inputs, trainer, writer, journal));
}

/** A new run directory, or the resumed run's (its trainer restored from the checkpoint), marked running by this process. */
function openRunDirectory(request: RunRequest, inputs: RunInputs, trainer: Trainer, onFlush: (batch: PositionedRecords) => void): RunDirectoryWriter {
  const owner = { pid: process.pid, processStartTicks: processStartTicks(process.pid) ?? null };
  const backend = inputs.backend.name;
  const adapter = inputs.backend.adapter;
  if (inputs.existing) {
    loadCheckpoint(trainer, path.join(inputs.existing.runDir, RUN_FILES.checkpoint));
    // A resumed run records the backend (and adapter) it trains on now, which may differ from the first session's.
    const { adapter: _previous, ...previous } = inputs.existing.info;
    const writer = new RunDirectoryWriter(inputs.existing.runDir, previous, onFlush);
    writer.update({ status: 'running', ...owner, endedAt: null, error: null, backend, ...(adapter ? { adapter } : {}) });
    return writer;
  }
  const now = new Date();
  if (request.claimDir) return claimQueuedRun(request.claimDir, inputs, trainer, owner, onFlush);
  const info: RunInfo = {
    version: 1,
    id: makeRunId(inputs.config.name, now),
    name: inputs.config.name,
    experimentFile: inputs.experimentFile,
    status: 'running',
    createdAt: now.toISOString(),
    startedAt: now.toISOString(),
    endedAt: null,
    backend,
    ...(adapter ? { adapter } : {}),
    ...owner,
    step: 0,
    totalSteps: trainer.totalSteps,
    overrides: request.overrides ?? [],
    ...request.marks,
    error: null,
    summary: null,
  };
  const writer = RunDirectoryWriter.create(path.resolve(request.runsDir), info, inputs.config, onFlush);
  if (inputs.dataset.tokenizer) writer.writeTokenizer(inputs.dataset.tokenizer.json);
  return writer;
}

/**
 * A queued run directory (a cluster runner's) becomes this run: its id, creation time and job stay. Records of an
 * earlier attempt that died before its first checkpoint are dropped, since this attempt trains from step 0 again.
 */
function claimQueuedRun(runDir: string, inputs: RunInputs, trainer: Trainer, owner: Pick<RunInfo, 'pid' | 'processStartTicks'>, onFlush: (batch: PositionedRecords) => void): RunDirectoryWriter {
  const read = readRunInfoSync(runDir);
  if (!read.ok) throw new InputError(`${runDir}: not a run directory (${read.reason})`);
  rmSync(path.join(runDir, RUN_FILES.metrics), { force: true });
  writeFileAtomicSync(path.join(runDir, RUN_FILES.config), JSON.stringify(inputs.config, null, 2) + '\n');
  const writer = new RunDirectoryWriter(runDir, read.info, onFlush);
  writer.update({ status: 'running', ...owner, startedAt: new Date().toISOString(), endedAt: null, error: null, backend: inputs.backend.name, step: 0, totalSteps: trainer.totalSteps, summary: null });
  return writer;
}

/** The run's records go to metrics.jsonl; its events also to worker.log. Events are stamped with the trainer's step. */
class RunJournal {
  constructor(
    private readonly writer: RunDirectoryWriter,
    private readonly trainer: Trainer,
  ) {}

  record(r: MetricRecord): void {
    this.writer.append(r);
    if (r.kind === 'event') this.log(`[${r.level}] ${r.code}: ${r.message}`);
  }

  event(level: EventRecord['level'], code: EventCode, message: string, data?: unknown): void {
    this.record(eventRecord(this.trainer.position.step, level, code, message, data));
  }

  log(line: string): void {
    this.writer.log(line);
  }
}

/** Trains to the end, a stop or an early stop. */
function train(trainer: Trainer, journal: RunJournal, writer: RunDirectoryWriter, callbacks: RunCallbacks): Promise<TrainOutcome> {
  let lastStatusWrite = 0;
  return trainer.run({
    onRecord: (r) => {
      journal.record(r);
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
}

/** The run failed: the error as an event (the step it failed at in run.json) and its stack in worker.log. */
function failed(error: unknown, trainer: Trainer, journal: RunJournal): Partial<RunInfo> {
  const message = (error as Error).message;
  const step = error instanceof NonFiniteError ? error.step : trainer.position.step + 1;
  journal.event('error', error instanceof NonFiniteError ? error.code : 'failed', message);
  journal.log((error as Error).stack ?? message);
  return { status: 'failed', error: { message, step } };
}

/** Stopped on request at a step boundary: a checkpoint to resume from. */
function stopped(trainer: Trainer, writer: RunDirectoryWriter, journal: RunJournal): Partial<RunInfo> {
  saveCheckpoint(trainer, path.join(writer.runDir, RUN_FILES.checkpoint));
  journal.event('info', 'stopped', `stopped at step ${trainer.position.step} of ${trainer.totalSteps}; checkpoint written`);
  return { status: 'stopped' };
}

/** Completed (or stopped early): the summary holds metrics of the final weights, evaluated now if they were not. */
function completed(outcome: TrainOutcome, inputs: RunInputs, trainer: Trainer, writer: RunDirectoryWriter, journal: RunJournal): Partial<RunInfo> {
  const { config, dataset, backend } = inputs;
  const p = trainer.position;
  if (dataset.validation.size > 0 && p.lastEvalStep !== p.step) {
    const metrics = trainer.evaluate(dataset.validation);
    journal.record({ kind: 'eval', step: p.step, epoch: Math.min(p.epoch, config.training.epochs - 1), time: Date.now(), split: 'validation', metrics });
    p.lastMetrics = metrics;
    p.lastEvalStep = p.step;
  }
  saveCheckpoint(trainer, path.join(writer.runDir, RUN_FILES.checkpoint));
  journal.event('info', 'completed', outcome === 'early-stopped' ? `stopped early at step ${p.step}` : `completed ${p.step} steps`);
  return {
    status: 'completed',
    summary: {
      metrics: p.lastMetrics ?? {},
      stepsPerSecond: p.trainSeconds > 0 ? Number((p.step / p.trainSeconds).toPrecision(4)) : 0,
      backend: backend.name,
      steps: p.step,
      bestStep: p.bestStep,
      ...(p.affinity && { affinity: affinitySummary(dataset.tasks.map((t) => t.name), meanOf(p.affinity), p.affinity.count) }),
    },
  };
}
