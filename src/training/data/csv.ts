/**
 * CSV → records and tables, parsed by csv-parse: from text here (the head of a file for New
 * Experiment's preview and the diagnostics; tests), streamed from a data file in csvFile.ts. The
 * grammar is RFC 4180 — fields separated by commas; a quoted field may contain commas, line breaks and
 * doubled quotes (`""` → `"`); records end at CRLF, LF or a lone CR; a leading byte-order mark is
 * dropped; a trailing line break does not make an empty record — and, on purpose:
 * - blank (or whitespace-only) lines are skipped, since editors and spreadsheets leave them behind and
 *   in a multi-column file they cannot be a real row (nor can a record of one quoted empty field, `""`);
 * - a quote in the middle of an unquoted field is kept literally (`5'10"`), as most writers produce it,
 *   while text after a closing quote (`"x"y`) is an error;
 * - the first record is the header and is required; every other record must have as many fields.
 * Errors name the file and the line an editor shows for the record.
 *
 * What is done here rather than by csv-parse, and why (csv-parse 7.0.3, checked 2026-12-02):
 * - Line numbers: csv-parse's own count (`info.lines`) counts a CRLF inside a quoted field as two lines,
 *   so every later line number is off; `LineCounter` counts the lines of each record from its fields.
 * - Quotes: csv-parse relaxes both quote rules with one option (`relax_quotes`). A file is parsed strictly
 *   first, and again relaxed only when it has a quote inside an unquoted field; in such a file text after
 *   a closing quote is kept literally too.
 * - Blank lines: `skip_empty_lines` skips only empty lines, not whitespace-only ones; blank records are
 *   left out here (and are counted as lines that way).
 * Cost, measured with `node --import tsx bench/csvLoad.ts` (200 000 rows × 20 columns, 27 MB; figures in
 * BENCHMARKS.md): loading takes about 1.5 times the CPU of the hand-written parser this replaced, and its
 * peak memory is about 25 MB lower; the peak is the parsed rows and their encodings, not the text.
 */
import { parse as parseText, type Options } from 'csv-parse/sync';
import { DataError } from './dataset';
import { emptyDataFile, type RawTable } from './table';

export function csvOptions(relaxQuotes: boolean): Options {
  return { bom: true, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, relax_quotes: relaxQuotes };
}

/** csv-parse's error code (by shape: its CsvError class differs between its stream and sync builds). */
function csvErrorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && (code.startsWith('CSV_') || code === 'INVALID_OPENING_QUOTE') ? code : undefined;
}

/** csv-parse failed in the record that starts on `line`: MTL Lab's own words, with file and line. */
export function dataErrorOf(error: unknown, file: string, line: number): unknown {
  switch (csvErrorCode(error)) {
    case undefined:
      return error;
    case 'CSV_QUOTE_NOT_CLOSED':
      return new DataError(`${file}:${line}: a quoted field starting here is never closed (missing ")`, { file, line });
    case 'CSV_INVALID_CLOSING_QUOTE': {
      const field = Number((error as { column?: unknown }).column) + 1;
      return new DataError(`${file}:${line}: unexpected text after the closing quote of field ${field} (inside a quoted field, write a quote as "")`, { file, line });
    }
    default:
      return new DataError(`${file}:${line}: ${(error as Error).message}`, { file, line });
  }
}

export function isCsvError(error: unknown): boolean {
  return csvErrorCode(error) !== undefined;
}

/** A quote inside an unquoted field: the file is parsed again with relaxed quotes. */
export function needsRelaxedQuotes(error: unknown): boolean {
  return csvErrorCode(error) === 'INVALID_OPENING_QUOTE';
}

function lineBreaks(field: string): number {
  let count = 0;
  for (let p = field.indexOf('\n'); p >= 0; p = field.indexOf('\n', p + 1)) count++;
  // A CR counts unless it starts a CRLF (counted at its LF).
  for (let p = field.indexOf('\r'); p >= 0; p = field.indexOf('\r', p + 1)) if (field.charCodeAt(p + 1) !== 10) count++;
  return count;
}

/** Numbers records by the line each starts on, and leaves out blank ones. */
export class LineCounter {
  /** The line where the next record starts. */
  next = 1;

  /** The line `record` starts on, or undefined for a blank line. */
  take(record: string[]): number | undefined {
    const line = this.next;
    let breaks = 0;
    for (const field of record) if (field.length > 0 && (field.includes('\n') || field.includes('\r'))) breaks += lineBreaks(field);
    this.next += 1 + breaks;
    return record.length === 1 && record[0].trim() === '' ? undefined : line;
  }
}

/** The header's column names (trimmed), each named and once. */
function headerColumns(header: string[], file: string, line: number): string[] {
  const columns = header.map((name) => name.trim());
  const seen = new Map<string, number>();
  columns.forEach((name, j) => {
    if (name === '') throw new DataError(`${file}:${line}: column ${j + 1} of the header has no name`, { file, line });
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new DataError(`${file}:${line}: column "${name}" appears twice in the header (columns ${earlier + 1} and ${j + 1})`, { file, line, column: name });
    }
    seen.set(name, j);
  });
  return columns;
}

/** Where parsed records go: the line of the record being parsed is known for error messages. */
export interface RecordSink<T> {
  add(record: string[]): void;
  /** Where the record being parsed starts. */
  readonly line: number;
  result(): T;
}

/** Collects a table record by record: the first is the header, every other must have its number of fields. */
export class TableBuilder implements RecordSink<RawTable> {
  private columns: string[] | undefined;
  private readonly rows: string[][] = [];
  private readonly lines: number[] = [];
  private readonly counter = new LineCounter();

  constructor(private readonly file: string) {}

  get line(): number {
    return this.counter.next;
  }

  add(record: string[]): void {
    const line = this.counter.take(record);
    if (line === undefined) return;
    if (!this.columns) {
      this.columns = headerColumns(record, this.file, line);
      return;
    }
    if (record.length !== this.columns.length) {
      throw new DataError(`${this.file}:${line}: expected ${this.columns.length} fields, got ${record.length}`, { file: this.file, line });
    }
    this.rows.push(record);
    this.lines.push(line);
  }

  result(): RawTable {
    if (!this.columns) throw emptyDataFile(this.file);
    return { file: this.file, columns: this.columns, rows: this.rows, lines: this.lines };
  }
}

export interface CsvRecords {
  records: string[][];
  /** 1-based line where each record starts. */
  lines: number[];
}

/** Collects the records (no header handling). */
class RecordList implements RecordSink<CsvRecords> {
  private readonly records: string[][] = [];
  private readonly lines: number[] = [];
  private readonly counter = new LineCounter();

  get line(): number {
    return this.counter.next;
  }

  add(record: string[]): void {
    const line = this.counter.take(record);
    if (line === undefined) return;
    this.records.push(record);
    this.lines.push(line);
  }

  result(): CsvRecords {
    return { records: this.records, lines: this.lines };
  }
}

/** csv-parse's on_record: the sink keeps the record, csv-parse does not (null). */
export function sinkRecord(sink: RecordSink<unknown>, record: string[]): null {
  sink.add(record);
  return null;
}

function parseTextInto<T>(text: string, file: string, sinkFor: () => RecordSink<T>, relaxQuotes = false): T {
  const sink = sinkFor();
  try {
    parseText(text, { ...csvOptions(relaxQuotes), on_record: (record: string[]) => sinkRecord(sink, record) });
  } catch (error) {
    if (!relaxQuotes && needsRelaxedQuotes(error)) return parseTextInto(text, file, sinkFor, true);
    throw dataErrorOf(error, file, sink.line);
  }
  return sink.result();
}

/** Splits CSV text into records of raw field strings (no header handling): the head of a file. */
export function parseCsvRecords(text: string, file: string): CsvRecords {
  return parseTextInto(text, file, () => new RecordList());
}

/** The column names of a CSV file from its beginning (the first complete line or more), as the loader names them. */
export function csvHeaderColumns(head: string, file: string): string[] {
  const cut = head.indexOf('\n');
  const { records } = parseCsvRecords(cut >= 0 ? head.slice(0, cut + 1) : head, file);
  return records[0] ? headerColumns(records[0], file, 1) : [];
}

/** Parses CSV text with a header row into a table; `file` is how messages name it. */
export function parseCsv(text: string, file: string): RawTable {
  return parseTextInto(text, file, () => new TableBuilder(file));
}
