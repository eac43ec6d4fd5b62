/**
 * A parsed data file before any interpretation, and the rules for reading its cells. CSV and JSONL
 * both parse into this shape, so the encoding rules (missing values, numbers, categories) are written
 * once and apply identically to both formats.
 */
import { DataError } from './dataset';

/** One cell: CSV gives strings; JSONL gives JSON scalars; `undefined` = a JSONL key absent from a row. */
export type Cell = string | number | boolean | null | undefined;

export interface RawTable {
  /** The file as the user wrote it in the config (`data/x.csv`), for messages. */
  file: string;
  /** Column names in file order (JSONL: in order of first appearance). */
  columns: string[];
  /** `rows[i][j]` is row i's value in column j; a row may be shorter than `columns` (JSONL). */
  rows: Cell[][];
  /** 1-based line in the file where row i starts, i.e. what an editor shows for it. */
  lines: number[];
}

/** The data file (the config's `data.path`) has nothing in it but blank lines. */
export function emptyDataFile(file: string): DataError {
  return new DataError(`${file}: the file is empty`, { configPath: ['data', 'path'], file });
}

/**
 * Spellings of a missing value. Kept to the ones that data tools commonly write (pandas, R, SQL
 * exports): an empty field, NA, N/A, NaN/nan and null/NULL. Matched after trimming whitespace.
 */
export const MISSING_SPELLINGS: ReadonlySet<string> = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL']);

/** The longest spelling in MISSING_SPELLINGS: longer (trimmed) text is never missing. */
const LONGEST_MISSING = 4;

/** `text.trim()`, without allocating a new string in the common case of nothing to trim. */
function trimmed(text: string): string {
  const n = text.length;
  if (n === 0) return text;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(n - 1);
  // Any whitespace at either end (space, tab, NBSP, …) is ≤ 0x20, 0xA0 or ≥ 0x1680; other text is returned as is.
  return first <= 32 || last <= 32 || first === 0xa0 || last === 0xa0 || first >= 0x1680 || last >= 0x1680 ? text.trim() : text;
}

export function isMissing(cell: Cell): boolean {
  if (cell === null || cell === undefined) return true;
  if (typeof cell === 'number') return Number.isNaN(cell);
  if (typeof cell === 'string') {
    if (cell.length === 0) return true;
    const text = trimmed(cell);
    return text.length <= LONGEST_MISSING && MISSING_SPELLINGS.has(text);
  }
  return false;
}

// Plain decimal numbers only: `Number()` would also accept "0x1F", "0b1", "" and " ", none of which a
// data file means as a number.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The cell as a finite number, or NaN when it is not one (missing cells are NaN too). */
export function cellNumber(cell: Cell): number {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : Number.NaN;
  if (typeof cell !== 'string') return Number.NaN;
  const text = trimmed(cell);
  if (!DECIMAL.test(text)) return Number.NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : Number.NaN;
}

/** The cell as a category key: its trimmed text (`true`/`false` for JSON booleans). */
export function cellText(cell: Cell): string {
  return typeof cell === 'string' ? trimmed(cell) : String(cell);
}

/** How a cell is shown in a message: quoted and shortened. */
export function showCell(cell: Cell): string {
  const text = cellText(cell);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 37)}...` : text);
}

/**
 * Orders labels the way a person expects and independently of the machine's locale: numbers
 * numerically, before any text; text by code point.
 */
export function compareLabels(a: string, b: string): number {
  const x = cellNumber(a);
  const y = cellNumber(b);
  const xNumeric = !Number.isNaN(x);
  const yNumeric = !Number.isNaN(y);
  if (xNumeric && yNumeric) return x - y || (a < b ? -1 : a > b ? 1 : 0);
  if (xNumeric !== yNumeric) return xNumeric ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
