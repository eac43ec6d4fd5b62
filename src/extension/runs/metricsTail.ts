/**
 * Incremental reading of an append-only JSON Lines file (`metrics.jsonl`, `worker.log`) by byte offset.
 * Only complete lines are consumed: a torn last line (the writer is mid-append, or crashed mid-write)
 * stays unread and is picked up whole by the next poll, so no record is lost or parsed twice.
 */
import { promises as fs } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { MetricRecordSchema, type MetricRecord, type PositionedRecords } from '../../training/run/records';

const NEWLINE = 0x0a;

export interface LineChunk {
  /** Complete lines (without their newline), in file order. */
  lines: string[];
  /** The file offset just past each line's newline. */
  ends: number[];
  /** Offset just past the last complete line: where the next read starts. */
  nextOffset: number;
}

/** Splits `bytes` (read from `offset`) into complete lines; the bytes after the last newline are left for later. */
export function splitCompleteLines(bytes: Buffer, offset: number): LineChunk {
  const lines: string[] = [];
  const ends: number[] = [];
  let start = 0;
  for (let newline = bytes.indexOf(NEWLINE); newline >= 0; newline = bytes.indexOf(NEWLINE, start)) {
    // Decode only complete lines, so a multi-byte character cut by the read boundary is never mangled.
    const end = newline > start && bytes[newline - 1] === 0x0d ? newline - 1 : newline;
    lines.push(bytes.subarray(start, end).toString('utf8'));
    start = newline + 1;
    ends.push(offset + start);
  }
  return { lines, ends, nextOffset: offset + start };
}

export interface ParsedRecords extends PositionedRecords {
  /** Lines that were not valid records (never fatal; counted so callers can log them). */
  skipped: number;
}

/** The valid records among `lines`, each with its line's end offset (`ends[i]` belongs to `lines[i]`). */
export function parseRecordLines(lines: readonly string[], ends: readonly number[]): ParsedRecords {
  const records: MetricRecord[] = [];
  const offsets: number[] = [];
  let skipped = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      return;
    }
    if (Value.Check(MetricRecordSchema, value)) {
      records.push(value);
      offsets.push(ends[i]!);
    } else skipped++;
  });
  return { records, offsets, skipped };
}

/** Reads whatever complete lines were appended to `file` since `offset`. A missing file reads as nothing. */
export async function readLinesFrom(file: string, offset: number, maxBytes = 16 * 1024 * 1024): Promise<LineChunk> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], ends: [], nextOffset: offset };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    // A file that shrank was replaced; start again from its beginning.
    const start = size < offset ? 0 : offset;
    const length = Math.min(size - start, maxBytes);
    if (length <= 0) return { lines: [], ends: [], nextOffset: start };
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    return splitCompleteLines(buffer.subarray(0, bytesRead), start);
  } finally {
    await handle.close();
  }
}

/** Tails one `metrics.jsonl`: each `poll()` returns the records appended since the previous one. */
export class MetricsTail {
  private offset: number;

  constructor(
    readonly file: string,
    startOffset = 0,
  ) {
    this.offset = startOffset;
  }

  get position(): number {
    return this.offset;
  }

  async poll(): Promise<ParsedRecords> {
    const records: MetricRecord[] = [];
    const offsets: number[] = [];
    let skipped = 0;
    // Loop so a large backlog (re-attaching to a long run) is read in bounded chunks.
    for (;;) {
      const chunk = await readLinesFrom(this.file, this.offset);
      const advanced = chunk.nextOffset !== this.offset;
      this.offset = chunk.nextOffset;
      const parsed = parseRecordLines(chunk.lines, chunk.ends);
      records.push(...parsed.records);
      offsets.push(...parsed.offsets);
      skipped += parsed.skipped;
      if (!advanced || chunk.lines.length === 0) break;
    }
    return { records, offsets, skipped };
  }
}

/** A run's history as on disk now: its records, and the offset the read reached (live records past it are new). */
export interface RecordsRead {
  records: MetricRecord[];
  /** Offset just past the last complete line read; a torn last line is left for the live tail. */
  offset: number;
}

/** Every record of a run as on disk now; a torn last line is skipped. */
export async function readAllRecords(file: string): Promise<RecordsRead> {
  const tail = new MetricsTail(file);
  const { records } = await tail.poll();
  return { records, offset: tail.position };
}
