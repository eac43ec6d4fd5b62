/**
 * A CSV data file streamed into a table (csv.ts has the grammar, the rules and why csv-parse is used
 * the way it is): read in chunks, so the file's text is never held beside its parsed rows. The
 * extension host parses only the heads of files, from text, and imports csv.ts alone.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { csvOptions, dataErrorOf, isCsvError, LineCounter, needsRelaxedQuotes, TableBuilder, type RecordSink } from './csv';
import type { RawTable } from './table';

export interface ReadCsvOptions {
  /** Bytes read at a time (tests use tiny chunks to split records, quotes and CRLFs across reads). */
  chunkBytes?: number;
}

/** The file read into a sink, decompressed on the way when its name ends in .gz (a read error reaches the sink either way). */
function readInto(absolutePath: string, sink: NodeJS.WritableStream, chunkBytes?: number): Promise<void> {
  const raw = createReadStream(absolutePath, { highWaterMark: chunkBytes });
  return absolutePath.endsWith('.gz') ? pipeline(raw, createGunzip(), sink) : pipeline(raw, sink);
}

async function streamInto<T>(absolutePath: string, file: string, sinkFor: () => RecordSink<T>, options: ReadCsvOptions, relaxQuotes = false): Promise<T> {
  const sink = sinkFor();
  const parser = parse(csvOptions(relaxQuotes));
  // pipeline hands a read error (a missing file) to the parser, whose iteration then throws it.
  readInto(absolutePath, parser, options.chunkBytes).catch(() => undefined);
  try {
    for await (const record of parser) sink.add(record as string[]);
  } catch (error) {
    if (!relaxQuotes && needsRelaxedQuotes(error)) return streamInto(absolutePath, file, sinkFor, options, true);
    if (!isCsvError(error)) throw error;
    throw dataErrorOf(error, file, await lineOfFailure(absolutePath, relaxQuotes));
  }
  return sink.result();
}

/**
 * Where the record csv-parse failed on starts. The records it made before failing but had not yet
 * handed over are dropped with the stream, so a second pass counts the lines of every record up to the
 * failure as csv-parse makes them (on_record: slower, which is why only a failure takes this path).
 */
async function lineOfFailure(absolutePath: string, relaxQuotes: boolean): Promise<number> {
  const counter = new LineCounter();
  const parser = parse({
    ...csvOptions(relaxQuotes),
    on_record: (record: string[]) => {
      counter.take(record);
      return null;
    },
  });
  parser.resume();
  await readInto(absolutePath, parser).catch(() => undefined);
  return counter.next;
}

/** Streams a CSV file with a header row into a table; `file` is how messages name it. */
export function readCsvFile(absolutePath: string, file: string, options: ReadCsvOptions = {}): Promise<RawTable> {
  return streamInto(absolutePath, file, () => new TableBuilder(file), options);
}
