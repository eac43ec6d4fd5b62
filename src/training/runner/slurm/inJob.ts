/**
 * The worker's side of a Slurm run, inside the job: which run directory this job trains (the one the submitter
 * made for its job and array task), and whether it starts or resumes it (a task requeued before its time limit, or by
 * Slurm after a node failure, finds its checkpoint).
 */
import path from 'node:path';
import { hasCheckpoint } from '../../engine/checkpoint';
import { RUN_FILES, type RunInfo } from '../../run/records';
import { listRunsSync, readRunInfoSync, writeRunInfoSync } from '../../run/runDirectory';
import type { RunRef } from '../runner';

export interface SlurmJobOfProcess {
  /** The array's id (or the job's own id outside an array): what run.json records. */
  jobId: string;
  arrayTaskId: number | null;
}

/** The Slurm job this process runs in, from the environment Slurm gives a batch job. */
export function slurmJobOfProcess(env: NodeJS.ProcessEnv = process.env): SlurmJobOfProcess | undefined {
  const own = env.SLURM_JOB_ID;
  if (!own) return undefined;
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID) return { jobId: env.SLURM_ARRAY_JOB_ID, arrayTaskId: Number(env.SLURM_ARRAY_TASK_ID) };
  return { jobId: own, arrayTaskId: null };
}

const isJob = (info: RunInfo, job: SlurmJobOfProcess) => info.cluster?.jobId === job.jobId && info.cluster.arrayTaskId === job.arrayTaskId;

/** The run directory submitted for this job and array task, if any. */
export function findJobRun(runsDir: string, job: SlurmJobOfProcess): RunRef | undefined {
  return listRunsSync(path.resolve(runsDir)).runs.find((r) => isJob(r.info, job));
}

/**
 * How this job takes over its run: `resume` from its checkpoint (a requeued task, or a resume job), or `start`
 * from step 0 (the first attempt, or one after an attempt that died before its first checkpoint). A run.json still
 * saying `running` is the previous attempt of this same job, killed without writing its end (a failed node); one
 * saying `queued` with a checkpoint is this task, requeued by its previous attempt before the time limit.
 */
export function claimJobRun(run: RunRef, job: SlurmJobOfProcess): 'resume' | 'start' {
  const read = readRunInfoSync(run.runDir);
  const info = read.ok ? read.info : run.info;
  if (!hasCheckpoint(path.join(run.runDir, RUN_FILES.checkpoint))) return 'start';
  if ((info.status === 'running' || info.status === 'queued') && isJob(info, job)) writeRunInfoSync(run.runDir, { ...info, status: 'stopped', pid: null, processStartTicks: null });
  return 'resume';
}
