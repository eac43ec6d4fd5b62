/**
 * A Slurm run's state: what its run directory says, corrected by what Slurm says about its job. The worker writes
 * run.json while it lives; Slurm knows what happened before it started (pending, and why) and after it was killed
 * (time limit, memory, node failure, cancellation, preemption).
 */
import type { RunInfo } from '../../run/records';
import type { RunnerState } from '../runner';
import type { SlurmJobState } from './squeue';

/** Slurm states of a job that ended, with what they mean for the run (status and reason). */
const ENDED: Record<string, RunnerState> = {
  COMPLETED: { status: 'failed', reason: 'the job ended before the run did' },
  CANCELLED: { status: 'stopped', reason: 'cancelled' },
  PREEMPTED: { status: 'stopped', reason: 'preempted by a higher-priority job' },
  TIMEOUT: { status: 'failed', reason: 'time limit reached' },
  OUT_OF_MEMORY: { status: 'failed', reason: 'out of memory (raise cluster.memory)' },
  NODE_FAIL: { status: 'failed', reason: 'node failure' },
  BOOT_FAIL: { status: 'failed', reason: 'the node failed to boot' },
  DEADLINE: { status: 'failed', reason: 'deadline reached' },
  FAILED: { status: 'failed', reason: 'the job failed' },
  SPECIAL_EXIT: { status: 'failed', reason: 'the job failed (special exit)' },
  REVOKED: { status: 'failed', reason: 'revoked by the federation' },
};

const WAITING = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'SUSPENDED', 'RESV_DEL_HOLD', 'STOPPED']);
const ACTIVE = new Set(['RUNNING', 'CONFIGURING', 'COMPLETING', 'SIGNALING', 'STAGE_OUT', 'RESIZING']);

/** The run's state from its run.json and its job's state (undefined: Slurm no longer lists the job). */
export function slurmRunState(info: RunInfo, job: SlurmJobState | undefined): RunnerState {
  const terminal = info.status === 'completed' || info.status === 'stopped' || info.status === 'failed';
  if (!job) {
    if (terminal) return { status: info.status, reason: info.error?.message };
    return { status: 'failed', reason: `the Slurm job ${info.cluster?.jobId ?? '?'} is no longer known to Slurm and the run did not finish` };
  }
  const schedulerState = job.state;
  // Waiting, first or again (requeued before its time limit, requeue.ts, or by Slurm after a node failure for a job
  // submitted with cluster.extraArgs ["--requeue"]).
  if (WAITING.has(job.state)) return { status: 'queued', reason: job.reason ?? job.state.toLowerCase(), schedulerState };
  if (ACTIVE.has(job.state)) return { status: info.status === 'queued' ? 'running' : info.status, schedulerState };
  const ended = ENDED[job.state] ?? { status: 'failed', reason: `Slurm job state ${job.state}` };
  const withReason = (): RunnerState => ({ ...ended, reason: ended.reason && job.reason ? `${ended.reason} (${job.reason})` : ended.reason, schedulerState });
  // The job ended: what the worker wrote wins (it checkpointed and said why), unless it never got to write it, or
  // it stopped on a SIGTERM it did not ask for (its node went down, its time or memory ran out): then the run
  // failed, with Slurm's reason, and its checkpoint stays for Resume.
  if (terminal) {
    if (info.status === 'stopped' && KILLED.has(job.state)) return withReason();
    return { status: info.status, reason: info.error?.message ?? (ENDED[job.state]?.status === info.status ? ENDED[job.state].reason : undefined), schedulerState };
  }
  return withReason();
}

/** Ends that Slurm imposed on a running job: a worker's `stopped` (its checkpoint on the SIGTERM) means failed here. */
const KILLED = new Set(['NODE_FAIL', 'BOOT_FAIL', 'TIMEOUT', 'OUT_OF_MEMORY', 'DEADLINE']);
