/**
 * A run of the user's own program (`"program"` in the config) instead of the built-in engine: MTL Lab makes the
 * run directory, starts the program with it in MTL_LAB_RUN_DIR, tails its metrics.jsonl like a built-in run,
 * stops it on request (SIGINT, then SIGTERM, then SIGKILL), and settles run.json when it ends. The program (the
 * Python logger in python/) is the run directory's writer while it lives; this launcher writes only before it
 * starts and after it ends, and then only to say what happened when the program did not: a program that is not
 * found, exits early, writes lines that are not records or none at all fails the run with the cause and the tail
 * of its output — never a run left `running`, never a wait without end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ExperimentConfig, ProgramConfig } from '../config/schema';
import { eventRecord } from './events';
import { readLastLines } from './lines';
import { MetricsTail } from './metricsTail';
import { processStartTicks } from './processIdentity';
import { InputError } from './inputError';
import { RUN_FILES, type PositionedRecords, type RunInfo } from './records';
import { makeRunId, readRunInfoSync, RunDirectoryWriter, writeFileAtomicSync } from './runDirectory';
import type { RunCallbacks, RunResult } from './runExperiment';

/** The environment a program reads (python/mtl_lab.py names the same variables). */
export const PROGRAM_ENV = {
  runDir: 'MTL_LAB_RUN_DIR',
  overrides: 'MTL_LAB_OVERRIDES',
  params: 'MTL_LAB_PARAMS',
  experimentFile: 'MTL_LAB_EXPERIMENT_FILE',
  parentFd: 'MTL_LAB_PARENT_FD',
} as const;

/** The program's end of a pipe this launcher holds open: when the launcher dies, the program reads end-of-file and
 * stops itself (python/mtl_lab.py's watch) instead of training on unobserved. Node cannot set PR_SET_PDEATHSIG. */
const PARENT_FD = 3;

export interface ProgramRequest {
  config: ExperimentConfig & { program: ProgramConfig };
  experimentFile: string | null;
  /** The experiment file's folder: `program.cwd` is relative to it. */
  configDir: string;
  runsDir: string;
  overrides: readonly string[];
  /** The interpreter that replaces a first word "python" / "python3". */
  python?: string;
  /** A queued run directory to take over (a Slurm array task's), instead of a new one. */
  claimDir?: string;
}

export interface ProgramTimings {
  /** How often metrics.jsonl is polled. */
  pollMs: number;
  /** From SIGINT (the stop request) to SIGTERM, and from SIGTERM to SIGKILL. Inside the host's own 10 s + 5 s. */
  termAfterMs: number;
  killAfterMs: number;
}

export const DEFAULT_PROGRAM_TIMINGS: ProgramTimings = { pollMs: 250, termAfterMs: 4000, killAfterMs: 3000 };

/** `--set` overrides as the object a program reads: path → value (JSON where it parses, else the text). */
export function overridesObject(overrides: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const override of overrides) {
    const eq = override.indexOf('=');
    if (eq <= 0) continue;
    const text = override.slice(eq + 1);
    try {
      out[override.slice(0, eq)] = JSON.parse(text);
    } catch {
      out[override.slice(0, eq)] = text;
    }
  }
  return out;
}

/** The command with a first word "python"/"python3" replaced by the chosen interpreter. */
export function resolveCommand(command: readonly string[], python: string | undefined): string[] {
  const [first, ...rest] = command;
  return python && (first === 'python' || first === 'python3') ? [python, ...rest] : [...command];
}

/** The overrides as command-line arguments, `--set path=value` each, as `mtl-lab train` itself takes them. */
export function setArguments(overrides: readonly string[]): string[] {
  return overrides.flatMap((override) => ['--set', override]);
}

export async function runProgram(request: ProgramRequest, callbacks: RunCallbacks, timings: ProgramTimings = DEFAULT_PROGRAM_TIMINGS): Promise<RunResult> {
  const { config } = request;
  const program = config.program;
  const command = [...resolveCommand(program.command, request.python), ...(program.setArguments ? setArguments(request.overrides) : [])];
  const now = new Date();
  const info: RunInfo = {
    version: 1,
    id: makeRunId(config.name, now),
    name: config.name,
    experimentFile: request.experimentFile,
    status: 'running',
    createdAt: now.toISOString(),
    startedAt: now.toISOString(),
    endedAt: null,
    backend: 'program',
    // The launcher supervises the program for its whole life: its pid says the run is alive until the logger writes its own.
    pid: process.pid,
    processStartTicks: processStartTicks(process.pid) ?? null,
    step: 0,
    totalSteps: 0,
    overrides: [...request.overrides],
    error: null,
    summary: null,
  };
  const onFlush = (batch: PositionedRecords) => callbacks.onRecords?.(batch);
  const writer = request.claimDir ? claimQueuedRun(request.claimDir, info, config, onFlush) : RunDirectoryWriter.create(path.resolve(request.runsDir), info, config, onFlush);
  callbacks.onStarted?.(writer.runDir, writer.info);
  const cwd = path.resolve(request.configDir, program.cwd ?? '.');
  writer.append(eventRecord(0, 'info', 'run-started', `program: ${command.join(' ')} (in ${cwd})`, { command, cwd }));
  writer.flush();
  const outcome = await supervise(writer, command, cwd, childEnv(request, writer.runDir), program.firstRecordTimeout * 1000, callbacks, timings);
  return settle(writer.runDir, writer.info, outcome, callbacks);
}

/**
 * A queued run directory (a cluster runner's) becomes this program's run: its id, creation time, job and a study's
 * marks stay; the records of an earlier attempt are dropped (a program starts over).
 */
function claimQueuedRun(runDir: string, launched: RunInfo, config: ExperimentConfig, onFlush: (batch: PositionedRecords) => void): RunDirectoryWriter {
  const read = readRunInfoSync(runDir);
  if (!read.ok) throw new InputError(`${runDir}: not a run directory (${read.reason})`);
  rmSync(path.join(runDir, RUN_FILES.metrics), { force: true });
  writeFileAtomicSync(path.join(runDir, RUN_FILES.config), JSON.stringify(config, null, 2) + '\n');
  const { status, startedAt, backend, pid, processStartTicks: ticks } = launched;
  const writer = new RunDirectoryWriter(runDir, read.info, onFlush);
  writer.update({ status, startedAt, backend, pid, processStartTicks: ticks, endedAt: null, error: null, step: 0, totalSteps: 0, summary: null });
  return writer;
}

function childEnv(request: ProgramRequest, runDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...request.config.program.env,
    [PROGRAM_ENV.runDir]: runDir,
    [PROGRAM_ENV.overrides]: JSON.stringify(overridesObject(request.overrides)),
    [PROGRAM_ENV.params]: JSON.stringify(request.config.program.params ?? {}),
    [PROGRAM_ENV.parentFd]: String(PARENT_FD),
    ...(request.experimentFile ? { [PROGRAM_ENV.experimentFile]: request.experimentFile } : {}),
  };
}

interface Outcome {
  /** The process could not be started (ENOENT: no such program). */
  spawnError?: NodeJS.ErrnoException;
  code: number | null;
  signal: NodeJS.Signals | null;
  stopRequested: boolean;
  /** Stopped by this launcher because no record came in time. */
  silent: boolean;
  records: number;
  /** Lines of metrics.jsonl that were not records. */
  skipped: number;
}

/** Starts the program, tails its records until it exits, and escalates a stop or a silent start. */
function supervise(writer: RunDirectoryWriter, command: string[], cwd: string, env: NodeJS.ProcessEnv, firstRecordMs: number, callbacks: RunCallbacks, timings: ProgramTimings): Promise<Outcome> {
  const outcome: Outcome = { code: null, signal: null, stopRequested: false, silent: false, records: 0, skipped: 0 };
  if (!isDirectory(cwd)) return Promise.resolve({ ...outcome, spawnError: Object.assign(new Error(`working directory ${cwd} does not exist`), { code: 'ENOENT' }) });
  // The program's output goes straight to worker.log, so it is kept even if this launcher dies first.
  const log = openSync(path.join(writer.runDir, RUN_FILES.log), 'a');
  // Measured before the program starts: a fast program may append before spawn() returns.
  const tail = new MetricsTail(writer.metricsFile, statSync(writer.metricsFile).size);
  let child: ChildProcess;
  try {
    child = spawn(command[0]!, command.slice(1), { cwd, env, stdio: ['ignore', log, log, 'pipe'] });
  } finally {
    closeSync(log);
  }
  const lifeline = child.stdio[PARENT_FD] as NodeJS.ReadWriteStream & { destroy(): void } | null | undefined;
  lifeline?.on('error', () => {}); // never written; only its closing matters
  const started = Date.now();
  const timers: NodeJS.Timeout[] = [];
  const escalate = (first: NodeJS.Signals) => {
    if (timers.length > 0) return;
    child.kill(first);
    const later: NodeJS.Signals[] = first === 'SIGINT' ? ['SIGTERM', 'SIGKILL'] : ['SIGKILL'];
    later.forEach((signal, i) => timers.push(setTimeout(() => child.kill(signal), (i + 1) * (i === 0 ? timings.termAfterMs : timings.killAfterMs))));
  };
  const poll = async () => {
    const { records, offsets, skipped } = await tail.poll();
    outcome.records += records.length;
    outcome.skipped += skipped;
    if (records.length > 0) callbacks.onRecords?.({ records, offsets });
    const steps = records.filter((r) => r.kind === 'train').map((r) => r.step);
    if (steps.length > 0) {
      const read = readRunInfoSync(writer.runDir);
      callbacks.onStep?.(Math.max(...steps), read.ok ? read.info.totalSteps : 0);
    }
  };
  return new Promise((resolve) => {
    let polling = Promise.resolve();
    const ticker = setInterval(() => {
      polling = polling.then(poll).catch(() => {});
      if (!outcome.stopRequested && callbacks.shouldStop()) {
        outcome.stopRequested = true;
        escalate('SIGINT');
      } else if (outcome.records === 0 && !outcome.silent && Date.now() - started > firstRecordMs) {
        outcome.silent = true;
        escalate('SIGTERM');
      }
    }, timings.pollMs);
    const done = (patch: Partial<Outcome>) => {
      clearInterval(ticker);
      timers.forEach(clearTimeout);
      lifeline?.destroy();
      // The records written just before the exit are read before the run is settled.
      void polling.then(poll).catch(() => {}).then(() => resolve({ ...outcome, ...patch }));
    };
    child.once('error', (error) => done({ spawnError: error as NodeJS.ErrnoException }));
    child.once('exit', (code, signal) => done({ code, signal }));
  });
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** run.json after the program ended: the logger's own final status when it wrote one, else the cause. */
async function settle(runDir: string, launched: RunInfo, outcome: Outcome, callbacks: RunCallbacks): Promise<RunResult> {
  const read = readRunInfoSync(runDir);
  const current = read.ok ? read.info : launched;
  // A new writer: it measures metrics.jsonl as the program left it (and ends a torn last line), so offsets stay right.
  const writer = new RunDirectoryWriter(runDir, current, (batch) => callbacks.onRecords?.(batch));
  const final = current.status !== 'running' && current.status !== 'queued';
  let patch: Partial<RunInfo>;
  if (final) patch = {};
  else if (outcome.stopRequested && !outcome.spawnError) patch = { status: 'stopped' };
  else if (!outcome.spawnError && outcome.code === 0 && outcome.records > 0) patch = { status: 'completed' };
  else {
    const message = `${cause(outcome, writer.info.experimentFile)}${outcome.spawnError ? '' : await outputTail(writer.runDir)}`;
    writer.append(eventRecord(current.step, 'error', 'failed', message, { exitCode: outcome.code, signal: outcome.signal, skippedLines: outcome.skipped }));
    writer.log(`[error] failed: ${message}`);
    patch = { status: 'failed', error: { message, step: current.step + 1 } };
  }
  if (patch.status === 'stopped') writer.append(eventRecord(current.step, 'info', 'stopped', `program stopped at step ${current.step}`));
  writer.flush();
  const info = writer.update({ ...patch, endedAt: current.endedAt ?? new Date().toISOString(), pid: null, processStartTicks: null });
  callbacks.onStatus?.(info);
  return { runDir: writer.runDir, info };
}

function cause(outcome: Outcome, experimentFile: string | null): string {
  const malformed = outcome.skipped > 0 ? `; ${outcome.skipped} line(s) of metrics.jsonl were not records of the format (docs/schemas/)` : '';
  if (outcome.spawnError) {
    const where = experimentFile ? ` (program.command in ${experimentFile})` : '';
    return outcome.spawnError.code === 'ENOENT' && !/working directory/.test(outcome.spawnError.message)
      ? `program not found: ${outcome.spawnError.message.replace(/^spawn /, '').replace(/ ENOENT$/, '')}${where}`
      : `program could not start: ${outcome.spawnError.message}`;
  }
  if (outcome.silent) return `program wrote no record within program.firstRecordTimeout and was stopped${malformed}`;
  const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.code}`;
  if (outcome.records === 0) return `program ${how} without writing a record${malformed}`;
  return `program ${how} without marking the run finished${malformed}`;
}

async function outputTail(runDir: string): Promise<string> {
  const lines = (await readLastLines(path.join(runDir, RUN_FILES.log), 8)).filter((l) => !/^\d{4}-\d\d-\d\dT\S+ \[/.test(l));
  return lines.length ? `. Last output:\n${lines.map((l) => `  ${l}`).join('\n')}` : '. It printed nothing.';
}
