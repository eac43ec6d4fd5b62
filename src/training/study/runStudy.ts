/**
 * Runs a study's jobs, at most `jobs` at a time. With one job at a time they train in this process (as
 * `mtl-lab sweep` does); with more, each of N lanes keeps one forked worker (the extension's worker and
 * protocol, `--stay`) for its jobs, so N single-threaded workers use N cores. A job that cannot start (a bad config for one point,
 * a baseline whose data cannot be built) is reported with its reason and the study goes on with the rest.
 */
import { fork, type ChildProcess } from 'node:child_process';
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
  /** The interpreter of a `"program"` experiment whose command starts with python (`--python`). */
  python?: string;
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
  const lane = async () => {
    // With one job at a time, in this process; else each lane keeps one worker for its jobs.
    const worker = options.jobs > 1 ? new Lane(plan, options) : undefined;
    while (next < plan.jobs.length && !options.shouldStop()) {
      const index = next++;
      const job = plan.jobs[index];
      results[index] = worker ? await worker.run(job) : await runInProcess(plan, job, options);
      options.onJobDone?.(results[index], ++done, plan.jobs.length);
    }
    worker?.close();
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, plan.jobs.length)) }, lane));
  return results.filter(Boolean);
}

async function runInProcess(plan: StudyPlan, job: StudyJob, options: StudyOptions): Promise<JobResult> {
  try {
    const result = await runExperiment(
      { configPath: plan.configPath, runsDir: options.runsDir, overrides: job.overrides, backend: options.backend, python: options.python, marks: job.marks },
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

/**
 * A lane's worker, kept across its jobs: forking a worker per run cost more than the runs of a small study took
 * (TensorFlow.js's WebAssembly backend compiled and warmed up again each time; BENCHMARKS.md). The worker runs one
 * job at a time (`--stay` keeps it alive between them) and the lane forks a new one only after a crash.
 */
class Lane {
  private child: ChildProcess | undefined;
  private stderr = '';
  private current: { job: StudyJob; result: JobResult; resolve: (r: JobResult) => void } | undefined;

  constructor(private readonly plan: StudyPlan, private readonly options: StudyOptions) {}

  run(job: StudyJob): Promise<JobResult> {
    return new Promise((resolve) => {
      this.current = { job, result: { job }, resolve };
      const start: HostMessage = {
        type: 'start',
        protocol: PROTOCOL_VERSION,
        request: { configPath: path.resolve(this.plan.configPath), runsDir: path.resolve(this.options.runsDir), overrides: job.overrides, marks: job.marks, ...(this.options.backend && { backend: this.options.backend }), ...(this.options.python && { python: this.options.python }) },
      };
      this.worker().send(start);
    });
  }

  close(): void {
    this.child?.disconnect();
    this.child = undefined;
  }

  private finish(): void {
    const c = this.current;
    this.current = undefined;
    c?.resolve(c.result);
  }

  private worker(): ChildProcess {
    if (this.child?.connected) return this.child;
    const child = fork(workerModule(), ['--stay'], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child = child;
    this.stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    const stopTimer = setInterval(() => {
      if (this.options.shouldStop() && child.connected) child.send({ type: 'stop', protocol: PROTOCOL_VERSION } satisfies HostMessage);
    }, 200);
    child.on('message', (raw) => this.onMessage(raw));
    child.on('exit', (code, signal) => {
      clearInterval(stopTimer);
      if (this.child === child) this.child = undefined;
      const c = this.current;
      if (!c) return;
      if (!c.result.info && !c.result.error) c.result.error = `the worker exited (${signal ?? `code ${code}`}) before starting: ${this.stderr.trim().split('\n').pop() ?? ''}`;
      this.finish();
    });
    return child;
  }

  private onMessage(raw: unknown): void {
    const c = this.current;
    const message = parseWorkerMessage(raw);
    if (!c || !message) return;
    const { result, job } = c;
    if (message.type === 'started') {
      result.runDir = message.runDir;
      result.info = message.info;
      this.options.onJobStarted?.(job, message.runDir, message.info);
    } else if (message.type === 'status') {
      // The previous job's last status can arrive after this job was sent: only this job's run counts.
      if (message.runId !== result.info?.id) return;
      result.info = message.info;
      // The worker sends the final status last: the job is over, the worker takes the next one.
      if (!['running', 'queued'].includes(message.info.status)) this.finish();
    } else if (message.type === 'records' && message.runId === result.info?.id) {
      const last = lastTrain(message.records);
      if (last) this.options.onProgress?.(job, last.step, result.info.totalSteps, last.losses);
    } else if (message.type === 'rejected') {
      result.error = message.message;
      this.finish();
    }
  }
}
