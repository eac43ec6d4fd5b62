/**
 * The Slurm runner: a sweep is one `sbatch --array` job, each array task one run (`mtl-lab train <config> --point
 * <index>`) writing its run directory on the shared file system. Submission is all or nothing: the queued run
 * directories are made first, the job is submitted held, each run directory records its job and task, and only
 * then is the job released; if anything fails, the job is cancelled and the run directories are removed.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadExperimentConfig } from '../../config/load';
import type { ClusterConfig } from '../../config/schema';
import { RUN_FILES, type ClusterJob, type RunInfo, type RunMarks } from '../../run/records';
import { makeRunId, readRunInfoSync, RunDirectoryWriter, writeRunInfoSync } from '../../run/runDirectory';
import { SubmitError, type Runner, type RunBatch, type RunnerState, type RunRef, type SubmittedRun } from '../runner';
import { batchScript, outputFile, parseJobId, pointTrainArgs, sbatchArgs, submittedRequeueable } from './sbatch';
import { jobKey, parseSqueueJson, parseSqueueText, SQUEUE_JSON_ARGS, SQUEUE_TEXT_ARGS, type SlurmJobState } from './squeue';
import { slurmRunState } from './states';

export interface SlurmRunnerOptions {
  /** The Node.js that runs training on the compute nodes (they may not have the login node's). */
  node: string;
  /** The `mtl-lab` CLI script (dist/cli.js) as the compute nodes see it. */
  cli: string;
  env?: NodeJS.ProcessEnv;
}

/** Where the runner keeps batch scripts and Slurm's output files: a hidden folder of the runs directory. */
export const SLURM_DIR = '.slurm';

export class SlurmRunner implements Runner {
  readonly name = 'slurm' as const;

  constructor(private readonly options: SlurmRunnerOptions) {}

  /** Runs a Slurm command; a missing command or a non-zero exit is a SubmitError quoting Slurm. */
  command(command: string, args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(command, args, { env: this.options.env ?? process.env, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return reject(new SubmitError(`${command} was not found on PATH: run this on a Slurm login node (or put Slurm's commands on PATH)`));
        reject(new SubmitError(`${command} failed: ${(stderr || error.message).trim()}`));
      });
    });
  }

  async submit(batch: RunBatch): Promise<SubmittedRun[]> {
    const runsDir = path.resolve(batch.runsDir);
    const configPath = path.resolve(batch.configPath);
    const created: SubmittedRun[] = [];
    let jobId: string | undefined;
    const undo = async () => {
      if (jobId) await this.command('scancel', [jobId]).catch(() => {});
      for (const run of created) rmSync(run.runDir, { recursive: true, force: true });
    };
    try {
      for (const [index, point] of batch.points.entries()) created.push({ index, ...(await queuedRun(configPath, runsDir, [...batch.sets, ...point.overrides], point.marks)) });
      const name = created[0]?.info.name ?? 'mtl';
      const trainArgs = pointTrainArgs(configPath, runsDir, batch.sets, { backend: batch.backend, python: batch.python, study: batch.of === 'study' });
      const script = this.writeScript(runsDir, `${name}-${Date.now()}`, trainArgs, submittedRequeueable(batch.cluster));
      const output = path.join(runsDir, SLURM_DIR, `${name}-%A_%a.out`);
      jobId = await this.sbatch({ cluster: batch.cluster, jobName: `mtl-${name}`, arrayCount: batch.points.length, output, script });
      for (const run of created) run.info = recordJob(run.runDir, run.info, { runner: 'slurm', jobId, arrayTaskId: run.index, output: outputFile(output, jobId, run.index), submittedAt: new Date().toISOString() });
      await this.command('scontrol', ['release', jobId]);
      return created;
    } catch (error) {
      await undo();
      throw error;
    }
  }

  private writeScript(runsDir: string, base: string, trainArgs: string[], requeueable: boolean): string {
    mkdirSync(path.join(runsDir, SLURM_DIR), { recursive: true });
    const script = path.join(runsDir, SLURM_DIR, `${base}.sh`);
    writeFileSync(script, batchScript(this.options.node, this.options.cli, trainArgs, requeueable));
    chmodSync(script, 0o755);
    return script;
  }

  private async sbatch(request: Parameters<typeof sbatchArgs>[0]): Promise<string> {
    const stdout = await this.command('sbatch', sbatchArgs(request));
    const jobId = parseJobId(stdout);
    if (!jobId) throw new SubmitError(`sbatch printed no job id: ${JSON.stringify(stdout.trim())}`);
    return jobId;
  }

  /** Every job Slurm lists (JSON where this squeue has it, text otherwise), by `jobId` / `jobId_task`. */
  async jobStates(): Promise<Map<string, SlurmJobState>> {
    let jobs: SlurmJobState[];
    try {
      jobs = parseSqueueJson(await this.command('squeue', SQUEUE_JSON_ARGS));
    } catch (error) {
      if (error instanceof SubmitError && /not found on PATH/.test(error.message)) throw error;
      jobs = parseSqueueText(await this.command('squeue', SQUEUE_TEXT_ARGS));
    }
    return new Map(jobs.map((j) => [jobKey(j.jobId, j.arrayTaskId), j]));
  }

  /**
   * The runs' states. A run whose job ended without the worker saying so (killed at the time limit, out of memory,
   * on a failed node, cancelled before it started) is marked so in its run.json, with the reason.
   */
  async poll(runs: readonly RunRef[]): Promise<Map<string, RunnerState>> {
    const jobs = await this.jobStates();
    const states = new Map<string, RunnerState>();
    for (const run of runs) {
      if (!run.info.cluster) continue;
      // run.json as it is now, after squeue: a job squeue says ended has a worker that wrote its last word before
      // exiting, so a run still queued or running now was killed without saying so (and nothing writes it after us).
      const read = readRunInfoSync(run.runDir);
      const info = read.ok ? read.info : run.info;
      const cluster = info.cluster ?? run.info.cluster;
      const state = slurmRunState(info, jobs.get(jobKey(cluster.jobId, cluster.arrayTaskId)));
      states.set(run.runDir, state);
      const ended = state.status !== 'queued' && state.status !== 'running';
      // (Or one the worker stopped on a SIGTERM that Slurm sent because the job failed: see slurmRunState.)
      const unsaid = info.status === 'queued' || info.status === 'running' || (info.status === 'stopped' && state.status === 'failed');
      if (read.ok && ended && unsaid) {
        writeRunInfoSync(run.runDir, { ...info, status: state.status, pid: null, processStartTicks: null, endedAt: new Date().toISOString(), error: state.status === 'failed' ? { message: state.reason ?? 'failed' } : null });
      }
    }
    return states;
  }

  /** scancel: Slurm sends the worker SIGTERM, and it checkpoints and ends `stopped`. */
  async cancel(run: RunRef): Promise<void> {
    const cluster = run.info.cluster;
    if (!cluster) throw new SubmitError(`${run.runDir}: not a Slurm run`);
    await this.command('scancel', [jobKey(cluster.jobId, cluster.arrayTaskId)]);
  }

  /** A new job that continues the run from its checkpoint (or starts it, if it was cancelled before it began). */
  async resume(run: RunRef, cluster?: ClusterConfig): Promise<RunRef> {
    if (run.info.status === 'queued' || run.info.status === 'running') throw new SubmitError(`${run.runDir}: the run is ${run.info.status} on the cluster; stop it first`);
    if (run.info.status === 'completed') throw new SubmitError(`${run.runDir}: the run already completed`);
    const runsDir = path.dirname(path.resolve(run.runDir));
    const script = this.writeScript(runsDir, `${run.info.id}-resume-${Date.now()}`, ['train', '--resume', path.resolve(run.runDir)], submittedRequeueable(cluster));
    const output = path.join(runsDir, SLURM_DIR, `${run.info.id}-%j.out`);
    const jobId = await this.sbatch({ cluster, jobName: `mtl-${run.info.name}`, output, script });
    const info = recordJob(run.runDir, { ...run.info, status: 'queued' }, { runner: 'slurm', jobId, arrayTaskId: null, output: outputFile(output, jobId, null), submittedAt: new Date().toISOString() });
    try {
      await this.command('scontrol', ['release', jobId]);
    } catch (error) {
      await this.command('scancel', [jobId]).catch(() => {});
      writeRunInfoSync(run.runDir, run.info);
      throw error;
    }
    return { runDir: run.runDir, info };
  }

  logs(run: RunRef): string[] {
    return [path.join(run.runDir, RUN_FILES.log), ...(run.info.cluster ? [run.info.cluster.output] : [])];
  }
}

/** A queued run directory for one point: its resolved config, and a run.json that waits for its job. */
async function queuedRun(configPath: string, runsDir: string, overrides: string[], marks: RunMarks | undefined): Promise<{ runDir: string; info: RunInfo }> {
  const { config } = await loadExperimentConfig(configPath, overrides);
  const now = new Date();
  const info: RunInfo = {
    version: 1,
    id: makeRunId(config.name, now),
    name: config.name,
    experimentFile: configPath,
    status: 'queued',
    createdAt: now.toISOString(),
    startedAt: null,
    endedAt: null,
    backend: null,
    pid: null,
    processStartTicks: null,
    cluster: null,
    step: 0,
    totalSteps: 0,
    overrides,
    ...marks,
    error: null,
    summary: null,
  };
  const writer = RunDirectoryWriter.create(runsDir, info, config);
  return { runDir: writer.runDir, info };
}

function recordJob(runDir: string, info: RunInfo, job: ClusterJob): RunInfo {
  const next = { ...info, cluster: job };
  writeRunInfoSync(runDir, next);
  return next;
}
