/**
 * Incremental reading of an append-only JSON Lines file (`metrics.jsonl`, `worker.log`) by byte offset.
 * Only complete lines are consumed: a torn last line (the writer is mid-append, or crashed mid-write)
 * stays unread and is picked up whole by the next poll, so no record is lost or parsed twice.
 */
import { promises as fs } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { MetricRecordSchema, type MetricRecord } from '../../training/run/records';

const NEWLINE = 0x0a;

export interface LineChunk {
  /** Complete lines (without their newline), in file order. */
  lines: string[];
  /** Offset just past the last complete line: where the next read starts. */
  nextOffset: number;
}

/** Splits `bytes` (read from `offset`) into complete lines; the bytes after the last newline are left for later. */
export function splitCompleteLines(bytes: Buffer, offset: number): LineChunk {
  const lastNewline = bytes.lastIndexOf(NEWLINE);
  if (lastNewline < 0) return { lines: [], nextOffset: offset };
  // Decode only complete lines, so a multi-byte character cut by the read boundary is never mangled.
  const text = bytes.subarray(0, lastNewline).toString('utf8');
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  return { lines, nextOffset: offset + lastNewline + 1 };
}

export interface ParsedRecords {
  records: MetricRecord[];
  /** Lines that were not valid records (never fatal; counted so callers can log them). */
  skipped: number;
}

export function parseRecordLines(lines: readonly string[]): ParsedRecords {
  const records: MetricRecord[] = [];
  let skipped = 0;
  for (const line of lines) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (Value.Check(MetricRecordSchema, value)) records.push(value);
    else skipped++;
  }
  return { records, skipped };
}

/** Reads whatever complete lines were appended to `file` since `offset`. A missing file reads as nothing. */
export async function readLinesFrom(file: string, offset: number, maxBytes = 16 * 1024 * 1024): Promise<LineChunk> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], nextOffset: offset };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    // A file that shrank was replaced; start again from its beginning.
    const start = size < offset ? 0 : offset;
    const length = Math.min(size - start, maxBytes);
    if (length <= 0) return { lines: [], nextOffset: start };
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
    const all: MetricRecord[] = [];
    let skipped = 0;
    // Loop so a large backlog (re-attaching to a long run) is read in bounded chunks.
    for (;;) {
      const chunk = await readLinesFrom(this.file, this.offset);
      const advanced = chunk.nextOffset !== this.offset;
      this.offset = chunk.nextOffset;
      const parsed = parseRecordLines(chunk.lines);
      all.push(...parsed.records);
      skipped += parsed.skipped;
      if (!advanced || chunk.lines.length === 0) break;
    }
    return { records: all, skipped };
  }
}

/** Every record of a run as on disk now; a torn last line is skipped. */
export async function readAllRecords(file: string): Promise<MetricRecord[]> {
  return (await new MetricsTail(file).poll()).records;
}
