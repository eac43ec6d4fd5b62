/**
 * Decisions of the run manager with no I/O, so each is unit-tested on its own: what to do with a run
 * found on disk, when to escalate a stop, which queued run starts next, how a crash is described.
 */
import type { RunInfo, RunStatus } from '../../training/run/records';

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'stopped', 'failed']);

export function isFinal(status: RunStatus): boolean {
  return FINAL_STATUSES.has(status);
}

// ---------------------------------------------------------------------------------------------------
// Re-attach after a window reload / VS Code restart

export type ReattachDecision =
  | { action: 'none' }
  /** The worker is alive: follow it by tailing its files. */
  | { action: 'tail' }
  /** run.json says running but nobody is training: the extension writes the final status. */
  | { action: 'mark-failed'; message: string };

export const EXITED_WHILE_CLOSED = 'the worker exited while VS Code was closed';

/**
 * `owned`: this host forked the worker and still has it (its exit event will tell). `pidAlive` is only
 * consulted for runs the host does not own.
 */
export function decideReattach(info: RunInfo, owned: boolean, pidAlive: (pid: number, info: RunInfo) => boolean): ReattachDecision {
  if (owned || info.status !== 'running') return { action: 'none' };
  // A cluster run's pid is a process on a compute node: whether it lives is the scheduler's to say (runner/slurm).
  if (info.cluster) return { action: 'tail' };
  if (info.pid !== null && pidAlive(info.pid, info)) return { action: 'tail' };
  return { action: 'mark-failed', message: EXITED_WHILE_CLOSED };
}

/** run.json as the extension writes it for a worker that died without saying so. */
export function failedRunInfo(info: RunInfo, message: string, now: Date): RunInfo {
  return {
    ...info,
    status: 'failed',
    endedAt: info.endedAt ?? now.toISOString(),
    error: { message, step: info.step },
  };
}

// ---------------------------------------------------------------------------------------------------
// Stop escalation: IPC stop (or SIGTERM without IPC) → SIGTERM after 10 s → SIGKILL 5 s later

export interface StopTimings {
  /** From the stop request to SIGTERM. */
  termAfterMs: number;
  /** From SIGTERM to SIGKILL. */
  killAfterMs: number;
}

export const DEFAULT_STOP_TIMINGS: StopTimings = { termAfterMs: 10_000, killAfterMs: 5_000 };

export type StopAction = { at: number; kind: 'ipc-stop' } | { at: number; kind: 'signal'; signal: 'SIGTERM' | 'SIGKILL' };

/**
 * The actions of one stop, with their delay from the request. The worker stops at its next step
 * boundary on either IPC `stop` or SIGTERM, so without an IPC channel (a re-attached run) SIGTERM is
 * the polite first step and the next one is SIGKILL.
 */
export function stopPlan(hasIpc: boolean, timings: StopTimings = DEFAULT_STOP_TIMINGS): StopAction[] {
  if (hasIpc) {
    return [
      { at: 0, kind: 'ipc-stop' },
      { at: timings.termAfterMs, kind: 'signal', signal: 'SIGTERM' },
      { at: timings.termAfterMs + timings.killAfterMs, kind: 'signal', signal: 'SIGKILL' },
    ];
  }
  return [
    { at: 0, kind: 'signal', signal: 'SIGTERM' },
    { at: timings.termAfterMs + timings.killAfterMs, kind: 'signal', signal: 'SIGKILL' },
  ];
}

// ---------------------------------------------------------------------------------------------------
// Queue beyond mtlLab.maxConcurrentRuns

/** How many queued requests may start now. A setting below 1 still lets one run at a time. */
export function startableCount(active: number, queued: number, maxConcurrent: number): number {
  const limit = Number.isFinite(maxConcurrent) ? Math.max(1, Math.floor(maxConcurrent)) : 1;
  return Math.max(0, Math.min(queued, limit - active));
}

// ---------------------------------------------------------------------------------------------------
// Crash description

/** `pid` names a worker this host did not fork (its exit code is unknown). */
export function describeExit(code: number | null, signal: NodeJS.Signals | null, pid?: number | null): string {
  const worker = pid == null ? 'the worker' : `the worker (pid ${pid})`;
  if (signal) return `${worker} was killed by ${signal}`;
  if (code !== null) return `${worker} exited with code ${code} without writing its final status`;
  return `${worker} exited without writing its final status`;
}

/** The failure message stored in run.json: the exit, then the last lines of worker.log. */
export function crashMessage(code: number | null, signal: NodeJS.Signals | null, lastLogLines: readonly string[], pid?: number | null): string {
  const exit = describeExit(code, signal, pid);
  if (lastLogLines.length === 0) return exit;
  return `${exit}. Last lines of worker.log:\n${lastLogLines.join('\n')}`;
}
