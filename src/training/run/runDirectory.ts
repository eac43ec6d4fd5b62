/**
 * The run directory (contract in records.ts): run ids, run.json and config.json (read and written atomically,
 * sync for the worker and the CLI, async for the extension), listing the runs of a runs directory, and the
 * writer. The worker is the only writer while it lives; the extension writes run.json only to mark a run
 * whose worker died without saying so. metrics.jsonl is read in metricsTail.ts.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, mkdirSync, openSync, promises as fs, readdirSync, readFileSync, readSync, renameSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { Check } from '@sinclair/typebox/value';
import { Errors } from '@sinclair/typebox/errors';
import type { ExperimentConfig } from '../config/schema';
import { RECORD_FORMAT_VERSION, RUN_FILES, RunInfoSchema, type MetricRecord, type PositionedRecords, type RunInfo } from './records';

/** `<experiment name>-<yyyymmdd-hhmmss>-<4 hex>` (local time, as a user reads it). */
export function makeRunId(name: string, date = new Date(), random = randomBytes(2).toString('hex')): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
  return `${name}-${stamp}-${random}`;
}

// ---------------------------------------------------------------------------------------------------
// Atomic writes: a temp file in the same directory, then rename. Readers see the old file or the new one.

function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function writeFileAtomicSync(file: string, data: string): void {
  const tmp = tempPathFor(file);
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = tempPathFor(file);
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

// ---------------------------------------------------------------------------------------------------
// run.json and config.json

const runInfoText = (info: RunInfo) => JSON.stringify(info, null, 2) + '\n';

export function writeRunInfoSync(runDir: string, info: RunInfo): void {
  writeFileAtomicSync(path.join(runDir, RUN_FILES.info), runInfoText(info));
}

export async function writeRunInfo(runDir: string, info: RunInfo): Promise<void> {
  await writeFileAtomic(path.join(runDir, RUN_FILES.info), runInfoText(info));
}

/** run.json as read: its info, or why it cannot be used (`missing`: there is no run.json, so no run, or not yet). */
export type RunInfoRead = { ok: true; info: RunInfo } | { ok: false; reason: string; missing: boolean };

/** run.json's text checked against the contract; `reason` says what is wrong with it. */
export function parseRunInfo(text: string): RunInfoRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // run.json is replaced atomically, so this is a damaged file, not a half-written one.
    return { ok: false, reason: 'run.json is not valid JSON', missing: false };
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > RECORD_FORMAT_VERSION) {
    return { ok: false, reason: `run.json is format version ${version}; this MTL Lab reads version ${RECORD_FORMAT_VERSION} (update MTL Lab)`, missing: false };
  }
  if (!Check(RunInfoSchema, value)) {
    const first = Errors(RunInfoSchema, value).First();
    return { ok: false, reason: `run.json does not match the run format${first ? ` (${first.path || '/'}: ${first.message})` : ''}`, missing: false };
  }
  return { ok: true, info: value };
}

function unreadable(error: unknown): RunInfoRead {
  const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
  return { ok: false, reason: missing ? 'run.json missing' : String(error), missing };
}

export function readRunInfoSync(runDir: string): RunInfoRead {
  try {
    return parseRunInfo(readFileSync(path.join(runDir, RUN_FILES.info), 'utf8'));
  } catch (error) {
    return unreadable(error);
  }
}

export async function readRunInfo(runDir: string): Promise<RunInfoRead> {
  let text: string;
  try {
    text = await fs.readFile(path.join(runDir, RUN_FILES.info), 'utf8');
  } catch (error) {
    return unreadable(error);
  }
  return parseRunInfo(text);
}

/** The resolved config the run trained with (config.json), or undefined when it cannot be read or is not an experiment's. */
export function readRunConfigSync(runDir: string): ExperimentConfig | undefined {
  try {
    return asExperimentConfig(JSON.parse(readFileSync(path.join(runDir, RUN_FILES.config), 'utf8')));
  } catch {
    return undefined;
  }
}

export async function readRunConfig(runDir: string): Promise<ExperimentConfig | undefined> {
  try {
    return asExperimentConfig(JSON.parse(await fs.readFile(path.join(runDir, RUN_FILES.config), 'utf8')));
  } catch {
    return undefined;
  }
}

/**
 * config.json as a resolved experiment, or undefined when it is not one: a program's own run (the Python logger
 * started without MTL Lab) writes the script's own settings there, which readers must not take for tasks and a model.
 */
function asExperimentConfig(value: unknown): ExperimentConfig | undefined {
  const v = value as Partial<Record<keyof ExperimentConfig, unknown>> | null;
  const isObject = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  const tasksOk = Array.isArray(v?.tasks) && v.tasks.every((t) => isObject(t) && typeof (t as { name?: unknown }).name === 'string');
  return isObject(v) && tasksOk && isObject(v!.model) && isObject(v!.loss) ? (value as ExperimentConfig) : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Listing

export interface RunListing {
  /** The run directory's name, which is the run's id (the key a reader follows it by). */
  runId: string;
  runDir: string;
  info: RunInfo;
}

export interface RunsListing {
  /** The runs with a valid run.json, newest first. */
  runs: RunListing[];
  /**
   * Directories whose run.json exists but cannot be used now: damaged, from a newer format, or caught mid-write by
   * a writer that does not replace it atomically. Not runs to show, but not gone either.
   */
  unreadable: { runId: string; runDir: string; reason: string }[];
}

/** The one order runs are listed in: newest first (run.json's createdAt), ties by id, last first. */
export function byNewestFirst(a: { info: RunInfo }, b: { info: RunInfo }): number {
  return b.info.createdAt.localeCompare(a.info.createdAt) || b.info.id.localeCompare(a.info.id);
}

/** A runs directory that does not exist (yet) has no runs. */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The entries of a runs directory that may hold a run: directories (or links to one), not hidden ones (temp and tool folders). */
function runDirectoryNames(entries: readonly Dirent[]): string[] {
  return entries.filter((entry) => (entry.isDirectory() || entry.isSymbolicLink()) && !entry.name.startsWith('.')).map((entry) => entry.name);
}

function listing(runsDir: string, reads: readonly { name: string; read: RunInfoRead }[]): RunsListing {
  const out: RunsListing = { runs: [], unreadable: [] };
  for (const { name, read } of reads) {
    const runDir = path.join(runsDir, name);
    if (read.ok) out.runs.push({ runId: name, runDir, info: read.info });
    else if (!read.missing) out.unreadable.push({ runId: name, runDir, reason: read.reason });
  }
  out.runs.sort(byNewestFirst);
  return out;
}

/** The runs under `runsDir` (a directory with a run.json; a missing runs directory has none). */
export function listRunsSync(runsDir: string): RunsListing {
  let entries: Dirent[];
  try {
    entries = readdirSync(runsDir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return { runs: [], unreadable: [] };
    throw error;
  }
  return listing(runsDir, runDirectoryNames(entries).map((name) => ({ name, read: readRunInfoSync(path.join(runsDir, name)) })));
}

export async function listRuns(runsDir: string): Promise<RunsListing> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(runsDir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return { runs: [], unreadable: [] };
    throw error;
  }
  return listing(runsDir, await Promise.all(runDirectoryNames(entries).map(async (name) => ({ name, read: await readRunInfo(path.join(runsDir, name)) }))));
}

/**
 * The size of `file` after making sure it ends with a newline. A run resumed after a crash mid-write
 * would otherwise glue its first record onto the torn fragment, and readers would skip both.
 */
function terminateTornLine(file: string): number {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return 0;
  }
  if (size === 0) return 0;
  const last = Buffer.alloc(1);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, last, 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
  if (last[0] === 0x0a) return size;
  appendFileSync(file, '\n');
  return size + 1;
}

/**
 * The writer side: appends records (buffered, flushed at least every `flushMs`) and keeps run.json
 * current. A flush writes whole lines in one append, so readers see complete records or a torn tail.
 * It knows where each record ends in metrics.jsonl, so a reader that read the file up to some offset can
 * take over live records exactly from there (the dashboard's history/live handover).
 */
export class RunDirectoryWriter {
  private pending: MetricRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Bytes in metrics.jsonl: where the next line starts. */
  private metricsBytes: number;

  constructor(
    readonly runDir: string,
    public info: RunInfo,
    private readonly onFlush: (batch: PositionedRecords) => void = () => {},
    private readonly flushMs = 250,
  ) {
    this.metricsBytes = terminateTornLine(this.metricsFile);
  }

  static create(runsDir: string, info: RunInfo, config: unknown, onFlush?: (batch: PositionedRecords) => void): RunDirectoryWriter {
    const runDir = path.join(runsDir, info.id);
    mkdirSync(runDir, { recursive: true });
    writeFileAtomicSync(path.join(runDir, RUN_FILES.config), JSON.stringify(config, null, 2) + '\n');
    writeRunInfoSync(runDir, info);
    return new RunDirectoryWriter(runDir, info, onFlush);
  }

  /** The run's tokenizer (text data), written once when the run directory is made. */
  writeTokenizer(json: unknown): void {
    writeFileAtomicSync(path.join(this.runDir, RUN_FILES.tokenizer), JSON.stringify(json) + '\n');
  }

  get metricsFile(): string {
    return path.join(this.runDir, RUN_FILES.metrics);
  }

  append(record: MetricRecord): void {
    this.pending.push(record);
    if (this.pending.length >= 512) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending.length) return;
    const records = this.pending;
    this.pending = [];
    const lines = records.map((r) => JSON.stringify(r) + '\n');
    const offsets: number[] = [];
    for (const line of lines) {
      this.metricsBytes += Buffer.byteLength(line);
      offsets.push(this.metricsBytes);
    }
    appendFileSync(this.metricsFile, lines.join(''));
    this.onFlush({ records, offsets });
  }

  update(patch: Partial<RunInfo>): RunInfo {
    this.info = { ...this.info, ...patch };
    writeRunInfoSync(this.runDir, this.info);
    return this.info;
  }

  log(line: string): void {
    appendFileSync(path.join(this.runDir, RUN_FILES.log), `${new Date().toISOString()} ${line}\n`);
  }
}
