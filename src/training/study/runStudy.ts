/**
 * Runs a study's jobs, at most `jobs` at a time. With one job at a time they train in this process (as
 * `mtl-lab sweep` does); with more, each trains in its own forked worker (the extension's worker and
 * protocol), so N single-threaded workers use N cores. A job that cannot start (a bad config for one point,
 * a baseline whose data cannot be built) is reported with its reason and the study goes on with the rest.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BackendName } from '../config/schema';
import { parseWorkerMessage, PROTOCOL_VERSION, type HostMessage } from '../protocol';
import type { MetricRecord, RunInfo, TrainRecord } from '../run/records';
import { runExperiment } from '../run/runExperiment';
import { InputError } from '../run/runInputs';
import type { StudyJob, StudyPlan } from './plan';

export interface JobResult {
  job: StudyJob;
  runDir?: string;
  info?: RunInfo;
  /** Why the job could not start (nothing was trained). */
  error?: string;
}

export interface StudyOptions {
  runsDir: string;
  backend?: BackendName;
  jobs: number;
  shouldStop(): boolean;
  onJobStarted?(job: StudyJob, runDir: string, info: RunInfo): void;
  onJobDone?(result: JobResult, done: number, total: number): void;
  /** Progress of a running job: its step, and the latest task losses when a train record came. */
  onProgress?(job: StudyJob, step: number, total: number | undefined, losses?: Record<string, number>): void;
}

export async function runStudy(plan: StudyPlan, options: StudyOptions): Promise<JobResult[]> {
  const results: JobResult[] = new Array(plan.jobs.length);
  let next = 0;
  let done = 0;
  const runOne = options.jobs > 1 ? runForked : runInProcess;
  const lane = async () => {
    while (next < plan.jobs.length && !options.shouldStop()) {
      const index = next++;
      const job = plan.jobs[index];
      results[index] = await runOne(plan, job, options);
      options.onJobDone?.(results[index], ++done, plan.jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, plan.jobs.length)) }, lane));
  return results.filter(Boolean);
}

async function runInProcess(plan: StudyPlan, job: StudyJob, options: StudyOptions): Promise<JobResult> {
  try {
    const result = await runExperiment(
      { configPath: plan.configPath, runsDir: options.runsDir, overrides: job.overrides, backend: options.backend, marks: job.marks },
      {
        onStarted: (runDir, info) => options.onJobStarted?.(job, runDir, info),
        onStep: (step, total) => options.onProgress?.(job, step, total),
        onRecords: ({ records }) => {
          const last = lastTrain(records);
          if (last) options.onProgress?.(job, last.step, undefined, last.losses);
        },
        shouldStop: options.shouldStop,
      },
    );
    return { job, ...result };
  } catch (error) {
    if (error instanceof InputError) return { job, error: error.message };
    throw error;
  }
}

function lastTrain(records: readonly MetricRecord[]): TrainRecord | undefined {
  for (let i = records.length - 1; i >= 0; i--) {
    const r = records[i];
    if (r.kind === 'train') return r;
  }
  return undefined;
}

/** The worker beside this module: dist/worker.js when bundled, src/training/worker.ts when run from source (tests). */
function workerModule(): string {
  const candidates = [path.join(__dirname, 'worker.js'), path.join(__dirname, '..', 'worker.ts')];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`the training worker is missing (looked for ${candidates.join(', ')})`);
  return found;
}

function runForked(plan: StudyPlan, job: StudyJob, options: StudyOptions): Promise<JobResult> {
  return new Promise((resolve) => {
    const child = fork(workerModule(), [], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const result: JobResult = { job };
    const stopTimer = setInterval(() => {
      if (options.shouldStop() && child.connected) child.send({ type: 'stop', protocol: PROTOCOL_VERSION } satisfies HostMessage);
    }, 200);
    child.on('message', (raw) => {
      const message = parseWorkerMessage(raw);
      if (message?.type === 'started') {
        result.runDir = message.runDir;
        result.info = message.info;
        options.onJobStarted?.(job, message.runDir, message.info);
      } else if (message?.type === 'status') result.info = message.info;
      else if (message?.type === 'records' && result.info) {
        const last = lastTrain(message.records);
        if (last) options.onProgress?.(job, last.step, result.info.totalSteps, last.losses);
      }
      else if (message?.type === 'rejected') result.error = message.message;
    });
    child.on('exit', (code, signal) => {
      clearInterval(stopTimer);
      if (!result.info && !result.error) result.error = `the worker exited (${signal ?? `code ${code}`}) before starting: ${stderr.trim().split('\n').pop() ?? ''}`;
      resolve(result);
    });
    const start: HostMessage = {
      type: 'start',
      protocol: PROTOCOL_VERSION,
      request: { configPath: path.resolve(plan.configPath), runsDir: path.resolve(options.runsDir), overrides: job.overrides, marks: job.marks, ...(options.backend && { backend: options.backend }) },
    };
    child.send(start);
  });
}
