/**
 * Reading the append-only line files of a run directory (`metrics.jsonl`, `worker.log`) by byte offset.
 * Only complete lines are consumed: a torn last line (the writer is mid-append, or crashed mid-write) stays
 * unread and is picked up whole by the next read, so no line is lost or read twice.
 */
import { promises as fs } from 'node:fs';

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

/** Offset just past the last complete line of `file` (0 when it has none or does not exist): where to start tailing. */
export async function offsetAfterCompleteLines(file: string): Promise<number> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return 0;
  }
  try {
    const { size } = await handle.stat();
    const window = 64 * 1024;
    for (let end = size; end > 0; end -= window) {
      const start = Math.max(0, end - window);
      const buffer = Buffer.alloc(end - start);
      await handle.read(buffer, 0, buffer.length, start);
      const index = buffer.lastIndexOf(NEWLINE);
      if (index >= 0) return start + index + 1;
    }
    return 0;
  } finally {
    await handle.close();
  }
}

/** The last `count` lines of a text file (worker.log) without trailing blank ones, reading only its tail. A missing file has none. */
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
