/**
 * CSV (RFC 4180) in one pass over the text: fields separated by commas; a field that starts with a
 * double quote may contain commas, line breaks and doubled quotes (`""` → `"`); records end at CRLF,
 * LF or a lone CR; a leading byte-order mark is dropped; a trailing line break does not make an empty
 * record. Beyond the RFC, and on purpose:
 * - blank (or whitespace-only) lines are skipped, since editors and spreadsheets leave them behind and
 *   in a multi-column file they cannot be a real row;
 * - a quote in the middle of an unquoted field is kept literally (`5'10"`), as most writers produce it;
 * - the first record is the header and is required; every other record must have as many fields.
 * Errors name the file and the line an editor shows for the record.
 */
import { DataError } from './dataset';
import type { RawTable } from './table';

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

interface CsvRecords {
  records: string[][];
  /** 1-based line where each record starts. */
  lines: number[];
}

/** Line breaks (CRLF, LF or lone CR) in `text[from, to)`. */
function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let p = from; p < to; p++) {
    const c = text.charCodeAt(p);
    if (c === LF || (c === CR && text.charCodeAt(p + 1) !== LF)) count++;
  }
  return count;
}

/** Splits CSV text into records of raw field strings (no header handling). */
export function parseCsvRecords(text: string, file: string): CsvRecords {
  const len = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const records: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  let fields: string[] = [];
  let recordLine = 1;
  let recordStart = i;

  const endRecord = () => {
    const blank = fields.length === 1 && text.charCodeAt(recordStart) !== QUOTE && fields[0].trim() === '';
    if (!blank) {
      records.push(fields);
      lines.push(recordLine);
    }
    fields = [];
  };

  while (i < len) {
    // At the start of a field.
    let value: string;
    if (text.charCodeAt(i) === QUOTE) {
      const openLine = line;
      i++;
      value = '';
      let segment = i;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) {
          throw new DataError(`${file}:${openLine}: a quoted field starting here is never closed (missing ")`, { file, line: openLine });
        }
        line += countLineBreaks(text, i, close);
        if (text.charCodeAt(close + 1) === QUOTE) {
          // A doubled quote stands for one quote character.
          value += text.slice(segment, close + 1);
          i = close + 2;
          segment = i;
          continue;
        }
        value += text.slice(segment, close);
        i = close + 1;
        break;
      }
      const next = i < len ? text.charCodeAt(i) : -1;
      if (next !== COMMA && next !== LF && next !== CR && next !== -1) {
        throw new DataError(
          `${file}:${line}: unexpected text after the closing quote of field ${fields.length + 1} (inside a quoted field, write a quote as "")`,
          { file, line },
        );
      }
    } else {
      let j = i;
      while (j < len) {
        const c = text.charCodeAt(j);
        if (c === COMMA || c === LF || c === CR) break;
        j++;
      }
      value = text.slice(i, j);
      i = j;
    }
    fields.push(value);

    // After a field: a comma, a line break or the end of the text.
    if (i >= len) break;
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i++;
      // "a,b," at the very end: the record's last field is empty.
      if (i >= len) fields.push('');
      continue;
    }
    i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    endRecord();
    line++;
    recordLine = line;
    recordStart = i;
  }
  if (fields.length > 0) endRecord();
  return { records, lines };
}

/** Parses a CSV file with a header row into a table; `file` is how messages name it. */
export function parseCsv(text: string, file: string): RawTable {
  const { records, lines } = parseCsvRecords(text, file);
  if (records.length === 0) throw new DataError(`${file}: the file is empty (expected a header row and data rows)`, { file });
  const columns = records[0].map((name) => name.trim());
  const seen = new Map<string, number>();
  columns.forEach((name, j) => {
    if (name === '') throw new DataError(`${file}:${lines[0]}: column ${j + 1} of the header has no name`, { file, line: lines[0] });
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new DataError(`${file}:${lines[0]}: column "${name}" appears twice in the header (columns ${earlier + 1} and ${j + 1})`, {
        file,
        line: lines[0],
        column: name,
      });
    }
    seen.set(name, j);
  });
  for (let r = 1; r < records.length; r++) {
    if (records[r].length !== columns.length) {
      throw new DataError(`${file}:${lines[r]}: expected ${columns.length} fields, got ${records[r].length}`, { file, line: lines[r] });
    }
  }
  return { file, columns, rows: records.slice(1), lines: lines.slice(1) };
}
