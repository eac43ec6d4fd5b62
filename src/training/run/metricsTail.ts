/**
 * Reading metrics.jsonl: a run's records whole (sync: the CLI, tests), or as a history read plus a tail by
 * byte offset (async: the extension follows a training run). One parser for every reader: lines that are not
 * valid records are counted and skipped, never fatal; a torn last line (the writer is mid-append, or crashed
 * mid-write) is left for the next read, so no record is lost or parsed twice. Only a read of a whole file that
 * nobody appends to any more keeps a last line without its newline, when it is a complete record.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Check } from '@sinclair/typebox/value';
import { MetricRecordSchema, RECORD_FORMAT_VERSION, RUN_FILES, type EventRecord, type MetricRecord, type PositionedRecords } from './records';
import { offsetAfterCompleteLines, readLinesFrom, splitCompleteLines } from './lines';

export interface ParsedRecords extends PositionedRecords {
  /** Lines that were not valid records (never fatal; counted so callers can log them). */
  skipped: number;
  /** Of those, lines of a newer major record format (each read reports the first as a `format-newer` event). */
  newer: number;
}

/** A record of a newer major format: its fields may mean something else, so it is rejected, never guessed at. */
function newerFormat(value: unknown): number | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const version = (value as { version?: unknown }).version;
  return typeof version === 'number' && version > RECORD_FORMAT_VERSION ? version : undefined;
}

/** One line's record, `newer` for a record of a newer major format, or undefined when it is not JSON or not a record of the contract. */
function parseRecordLine(line: string): MetricRecord | { newer: number } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const newer = newerFormat(value);
  if (newer !== undefined) return { newer };
  return Check(MetricRecordSchema, value) ? value : undefined;
}

/** The event a reader shows (not written to disk) in place of the records it rejected for their newer format. */
export function formatNewerEvent(version: number, step: number): EventRecord {
  return {
    kind: 'event',
    step,
    time: Date.now(),
    level: 'error',
    code: 'format-newer',
    message: `metrics.jsonl holds records of format version ${version}; this MTL Lab reads version ${RECORD_FORMAT_VERSION}, so they are not shown. Update MTL Lab.`,
    data: { version, supported: RECORD_FORMAT_VERSION },
  };
}

/**
 * The valid records among `lines`, each with its line's end offset (`ends[i]` belongs to `lines[i]`). The first
 * line of a newer format becomes a `format-newer` event at that line's offset, unless `reportNewer` is false (the
 * reader already reported it).
 */
export function parseRecordLines(lines: readonly string[], ends: readonly number[], reportNewer = true): ParsedRecords {
  const records: MetricRecord[] = [];
  const offsets: number[] = [];
  let skipped = 0;
  let newer = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const record = parseRecordLine(line);
    if (record && 'newer' in record) {
      if (newer++ === 0 && reportNewer) {
        const last = records.at(-1);
        records.push(formatNewerEvent(record.newer, last ? last.step : 0));
        offsets.push(ends[i]!);
      }
      skipped++;
    } else if (record) {
      records.push(record);
      offsets.push(ends[i]!);
    } else skipped++;
  });
  return { records, offsets, skipped, newer };
}

/**
 * metrics.jsonl from its beginning. `consumedBytes` is the byte length of its complete lines. A last line
 * without its newline is a torn write, kept only when `isWholeFile` (nothing can follow) and it is a whole record.
 */
export function parseRecords(text: string | Buffer, isWholeFile = true): ParsedRecords & { consumedBytes: number } {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const chunk = splitCompleteLines(bytes, 0);
  const parsed = parseRecordLines(chunk.lines, chunk.ends);
  if (isWholeFile && chunk.nextOffset < bytes.length) {
    const last = parseRecordLine(bytes.subarray(chunk.nextOffset).toString('utf8'));
    if (last && !('newer' in last)) {
      parsed.records.push(last);
      parsed.offsets.push(bytes.length);
    }
  }
  return { ...parsed, consumedBytes: chunk.nextOffset };
}

/** Every record of the run in `runDir`, read at once (a finished run, the CLI). A missing file has none. */
export function readRecordsSync(runDir: string): MetricRecord[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(runDir, RUN_FILES.metrics));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseRecords(bytes).records;
}

/** Tails one `metrics.jsonl`: each `poll()` returns the records appended since the previous one. */
export class MetricsTail {
  private offset: number;
  /** Whether this tail already showed its `format-newer` event (one per reader, not one per line). */
  private reportedNewer = false;

  constructor(
    readonly file: string,
    startOffset = 0,
  ) {
    this.offset = startOffset;
  }

  /** A tail of `file` from its end (past its last complete line): only records appended from now on. */
  static async fromEnd(file: string): Promise<MetricsTail> {
    return new MetricsTail(file, await offsetAfterCompleteLines(file));
  }

  get position(): number {
    return this.offset;
  }

  async poll(): Promise<ParsedRecords> {
    const records: MetricRecord[] = [];
    const offsets: number[] = [];
    let skipped = 0;
    let newer = 0;
    // Loop so a large backlog (re-attaching to a long run) is read in bounded chunks.
    for (;;) {
      const chunk = await readLinesFrom(this.file, this.offset);
      const advanced = chunk.nextOffset !== this.offset;
      this.offset = chunk.nextOffset;
      const parsed = parseRecordLines(chunk.lines, chunk.ends, !this.reportedNewer);
      if (parsed.newer > 0) this.reportedNewer = true;
      records.push(...parsed.records);
      offsets.push(...parsed.offsets);
      skipped += parsed.skipped;
      newer += parsed.newer;
      if (!advanced || chunk.lines.length === 0) break;
    }
    return { records, offsets, skipped, newer };
  }
}

/** A run's history as on disk now: its records, and the offset the read reached (live records past it are new). */
export interface RecordsRead {
  records: MetricRecord[];
  /** Offset just past the last complete line read; a torn last line is left for the live tail. */
  offset: number;
}

/** Every record of a metrics.jsonl as on disk now; a torn last line is left for the live tail. */
export async function readAllRecords(file: string): Promise<RecordsRead> {
  const tail = new MetricsTail(file);
  const { records } = await tail.poll();
  return { records, offset: tail.position };
}
