/**
 * Writing and reading run directories (contract in records.ts). The worker is the only writer while it
 * lives; readers never fail on a torn last line of metrics.jsonl (a crash mid-write): it is skipped.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { MetricRecordSchema, RUN_FILES, RunInfoSchema, type MetricRecord, type PositionedRecords, type RunInfo } from './records';

/** `<experiment name>-<yyyymmdd-hhmmss>-<4 hex>` (local time, as a user reads it). */
export function makeRunId(name: string, date = new Date(), random = randomBytes(2).toString('hex')): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
  return `${name}-${stamp}-${random}`;
}

/** Writes `data` to `file` atomically: a temp file in the same directory, then rename. */
export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export function writeRunInfo(runDir: string, info: RunInfo): void {
  writeFileAtomic(path.join(runDir, RUN_FILES.info), JSON.stringify(info, null, 2) + '\n');
}

export function readRunInfo(runDir: string): RunInfo | undefined {
  try {
    const value = JSON.parse(readFileSync(path.join(runDir, RUN_FILES.info), 'utf8')) as unknown;
    return Value.Check(RunInfoSchema, value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export interface ParsedRecords {
  records: MetricRecord[];
  /** Byte length of the complete lines consumed (a torn last line is not consumed). */
  consumedBytes: number;
  /** Complete lines that were not valid records (skipped). */
  invalidLines: number;
}

/**
 * Parses metrics.jsonl text. A last line without its newline is a torn write unless it parses; lines
 * that are not valid records are counted and skipped, never fatal.
 */
export function parseRecords(text: string, isWholeFile = true): ParsedRecords {
  const records: MetricRecord[] = [];
  let invalidLines = 0;
  let consumed = 0;
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const complete = nl >= 0;
    const line = text.slice(start, complete ? nl : text.length);
    if (!complete) {
      // Possibly torn: keep it only if it is a whole record and nothing more can follow.
      if (isWholeFile) {
        const r = tryParse(line);
        if (r) records.push(r);
      }
      break;
    }
    consumed = nl + 1;
    start = nl + 1;
    if (line.trim() === '') continue;
    const r = tryParse(line);
    if (r) records.push(r);
    else invalidLines++;
  }
  return { records, consumedBytes: Buffer.byteLength(text.slice(0, consumed)), invalidLines };
}

function tryParse(line: string): MetricRecord | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    return Value.Check(MetricRecordSchema, v) ? v : undefined;
  } catch {
    return undefined;
  }
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

export function readRecords(runDir: string): MetricRecord[] {
  const file = path.join(runDir, RUN_FILES.metrics);
  if (!existsSync(file)) return [];
  return parseRecords(readFileSync(file, 'utf8')).records;
}

export interface RunListing {
  runDir: string;
  info: RunInfo;
}

/** Every run directory under `runsDir` with a readable run.json, newest first. */
export function listRuns(runsDir: string): RunListing[] {
  if (!existsSync(runsDir)) return [];
  const out: RunListing[] = [];
  for (const entry of readdirSync(runsDir)) {
    const runDir = path.join(runsDir, entry);
    try {
      if (!statSync(runDir).isDirectory()) continue;
    } catch {
      continue;
    }
    const info = readRunInfo(runDir);
    if (info) out.push({ runDir, info });
  }
  return out.sort((a, b) => b.info.createdAt.localeCompare(a.info.createdAt));
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
    writeFileAtomic(path.join(runDir, RUN_FILES.config), JSON.stringify(config, null, 2) + '\n');
    writeRunInfo(runDir, info);
    return new RunDirectoryWriter(runDir, info, onFlush);
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
    writeRunInfo(this.runDir, this.info);
    return this.info;
  }

  log(line: string): void {
    appendFileSync(path.join(this.runDir, RUN_FILES.log), `${new Date().toISOString()} ${line}\n`);
  }
}
