/**
 * The automatic requeue before a time limit, inside the job. Slurm warns the batch shell (`sbatch
 * --signal=B:USR1@N`); the worker checkpoints, then puts its own array task back in the queue with `scontrol
 * requeue` and waits there until Slurm kills it for the requeue: a batch shell that exits before slurmctld has
 * acted on the requeue ends the job (COMPLETED or FAILED) instead. Slurm starts the task again (after holding a
 * requeued job about two minutes, reason BeginTime) with SLURM_RESTART_COUNT > 0, and it resumes from its run
 * directory's checkpoint.
 *
 * Jobs are submitted with `--no-requeue` (a failed node fails the run with its reason, see sbatch.ts), and Slurm
 * refuses `scontrol requeue` for such a job ("Requested operation is presently disabled"): the task allows it just
 * before its own requeue and forbids it again when it starts over. A job its user submitted with `--requeue` in
 * `cluster.extraArgs` is left as it is.
 */
import { execFileSync } from 'node:child_process';
import type { SlurmJobOfProcess } from './inJob';

/** Set by the batch script of a job submitted with `--no-requeue`: the requeue flag is toggled around a requeue. */
export const NO_REQUEUE_ENV = 'MTL_LAB_SLURM_NO_REQUEUE';

/** What scontrol calls a job or array task: `<array job id>_<task id>`, or the job's id outside an array. */
export function scontrolJobId(job: SlurmJobOfProcess): string {
  return job.arrayTaskId === null ? job.jobId : `${job.jobId}_${job.arrayTaskId}`;
}

export type Scontrol = (args: string[]) => void;

const scontrol: Scontrol = (args) => {
  execFileSync('scontrol', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
};

/** The scontrol commands that put this task back in the queue (after its checkpoint), in order. */
export function requeueCommands(job: SlurmJobOfProcess, env: NodeJS.ProcessEnv = process.env): string[][] {
  const id = scontrolJobId(job);
  return [...(env[NO_REQUEUE_ENV] === '1' ? [['update', `jobid=${id}`, 'requeue=1']] : []), ['requeue', id]];
}

/**
 * Requeues this task; the error (scontrol's words) if Slurm refused, undefined once slurmctld has accepted it (it
 * is then killing this job: the caller must not exit before it does).
 */
export function requeueThisTask(job: SlurmJobOfProcess, env: NodeJS.ProcessEnv = process.env, run: Scontrol = scontrol): string | undefined {
  try {
    for (const args of requeueCommands(job, env)) run(args);
    return undefined;
  } catch (error) {
    return scontrolError(error);
  }
}

/**
 * A task Slurm started again after a requeue of ours: `--no-requeue` again, so that a node failure in this attempt
 * fails the run with its reason (as in the first). The restart count tells a requeued attempt from the first.
 */
export function restoreNoRequeue(job: SlurmJobOfProcess, env: NodeJS.ProcessEnv = process.env, run: Scontrol = scontrol): string | undefined {
  if (env[NO_REQUEUE_ENV] !== '1' || !(Number(env.SLURM_RESTART_COUNT) > 0)) return undefined;
  try {
    run(['update', `jobid=${scontrolJobId(job)}`, 'requeue=0']);
    return undefined;
  } catch (error) {
    return scontrolError(error);
  }
}

/** Why scontrol failed: its own words on stderr, else the error's message (not found, timed out). */
function scontrolError(error: unknown): string {
  return (error as { stderr?: Buffer | string }).stderr?.toString().trim() || (error as Error).message;
}
