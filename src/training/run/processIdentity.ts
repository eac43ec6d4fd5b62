/**
 * Which process a pid is: its start time in clock ticks since boot (Linux, /proc/<pid>/stat field 22).
 * The worker records its own in run.json beside its pid; a reader that finds the pid alive compares the
 * two, so a pid reused by another process after the worker died (a crash, a reboot) is not mistaken for
 * the worker. Ticks since boot never move with the wall clock, so the comparison is exact. Undefined where
 * there is no /proc (macOS, Windows): the pid alone then decides.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The fields of /proc/<pid>/stat after "(comm)" (which may hold spaces and parentheses): index 0 is field 3
 * (state), so field n of proc(5) is index n − 3. Undefined without /proc or such a process.
 */
export function procStatFields(pid: number, procRoot = '/proc'): string[] | undefined {
  try {
    const stat = readFileSync(path.join(procRoot, String(pid), 'stat'), 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function processStartTicks(pid: number, procRoot = '/proc'): number | undefined {
  const ticks = Number(procStatFields(pid, procRoot)?.[22 - 3]);
  return Number.isInteger(ticks) ? ticks : undefined;
}

/**
 * Whether the worker that wrote `pid` into run.json is still that process: alive, and (where start times
 * can be read) started at the tick run.json recorded. Without this, a pid reused by an unrelated process
 * after the worker died (a crash, a reboot) would look like a run still training.
 */
export function isRunProcessAlive(pid: number, recordedStartTicks: number | null | undefined, startTicks: (pid: number) => number | undefined = processStartTicks): boolean {
  if (!isPidAlive(pid)) return false;
  if (recordedStartTicks === null || recordedStartTicks === undefined) return true;
  const current = startTicks(pid);
  return current === undefined || current === recordedStartTicks;
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
