/**
 * A CSV data file streamed into a table (csv.ts has the grammar, the rules and why csv-parse is used
 * the way it is): read in chunks, so the file's text is never held beside its parsed rows. The
 * extension host parses only the heads of files, from text, and imports csv.ts alone.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { csvOptions, dataErrorOf, needsRelaxedQuotes, sinkRecord, TableBuilder, type RecordSink } from './csv';
import type { RawTable } from './table';

export interface ReadCsvOptions {
  /** Bytes read at a time (tests use tiny chunks to split records, quotes and CRLFs across reads). */
  chunkBytes?: number;
}

async function streamInto<T>(absolutePath: string, file: string, sinkFor: () => RecordSink<T>, options: ReadCsvOptions, relaxQuotes = false): Promise<T> {
  const sink = sinkFor();
  // Records go to the sink as csv-parse makes them (on_record), so the sink's line is the failing
  // record's when csv-parse fails; none is queued in the stream.
  const parser = parse({ ...csvOptions(relaxQuotes), on_record: (record: string[]) => sinkRecord(sink, record) });
  parser.resume();
  try {
    await pipeline(createReadStream(absolutePath, { highWaterMark: options.chunkBytes }), parser);
  } catch (error) {
    if (!relaxQuotes && needsRelaxedQuotes(error)) return streamInto(absolutePath, file, sinkFor, options, true);
    throw dataErrorOf(error, file, sink.line);
  }
  return sink.result();
}

/** Streams a CSV file with a header row into a table; `file` is how messages name it. */
export function readCsvFile(absolutePath: string, file: string, options: ReadCsvOptions = {}): Promise<RawTable> {
  return streamInto(absolutePath, file, () => new TableBuilder(file), options);
}
