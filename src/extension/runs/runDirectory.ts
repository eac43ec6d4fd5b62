/**
 * Reading run directories (`<runsDir>/<runId>/`) from the extension host, and the one write the
 * extension is allowed: marking a run whose worker died without a final status (atomic temp + rename).
 */
import { processStartTicks } from '../../training/run/processIdentity';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { RUN_FILES, RunInfoSchema, type RunInfo } from '../../training/run/records';
import type { ExperimentConfig } from '../../training/config/schema';

export interface RunLocation {
  runId: string;
  runDir: string;
}

export type RunInfoRead = { ok: true; info: RunInfo } | { ok: false; reason: string };

export async function readRunInfo(runDir: string): Promise<RunInfoRead> {
  let text: string;
  try {
    text = await fs.readFile(path.join(runDir, RUN_FILES.info), 'utf8');
  } catch (error) {
    return { ok: false, reason: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'run.json missing' : String(error) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // run.json is replaced atomically, so this is a damaged file, not a half-written one.
    return { ok: false, reason: 'run.json is not valid JSON' };
  }
  if (!Value.Check(RunInfoSchema, value)) {
    const first = Value.Errors(RunInfoSchema, value).First();
    return { ok: false, reason: `run.json does not match the run format${first ? ` (${first.path || '/'}: ${first.message})` : ''}` };
  }
  return { ok: true, info: value };
}

/** Replaces run.json atomically: readers see the old file or the new one, never half of one. */
export async function writeRunInfoAtomic(runDir: string, info: RunInfo): Promise<void> {
  const target = path.join(runDir, RUN_FILES.info);
  const temp = `${target}.${process.pid}.${Date.now().toString(36)}.tmp`;
  await fs.writeFile(temp, JSON.stringify(info, null, 2) + '\n', 'utf8');
  await fs.rename(temp, target);
}

/** Directories under `runsDir` that hold a run.json. A missing runs directory has no runs. */
export async function listRunLocations(runsDir: string): Promise<RunLocation[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(runsDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
  const found: RunLocation[] = [];
  await Promise.all(
    entries
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map(async (entry) => {
        const runDir = path.join(runsDir, entry.name);
        try {
          await fs.access(path.join(runDir, RUN_FILES.info));
          found.push({ runId: entry.name, runDir });
        } catch {
          // Not a run (yet): the worker creates run.json right after the directory.
        }
      }),
  );
  return found.sort((a, b) => a.runId.localeCompare(b.runId));
}

export async function readRunConfig(runDir: string): Promise<ExperimentConfig | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.config), 'utf8')) as ExperimentConfig;
  } catch {
    return undefined;
  }
}

/** The last `count` lines of a text file (worker.log), reading only its tail. */
export async function readLastLines(file: string, count: number, maxBytes = 64 * 1024): Promise<string[]> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split(/\r?\n/);
    if (length < size) lines.shift(); // probably cut in the middle
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
    return lines.slice(-count);
  } finally {
    await handle.close();
  }
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
