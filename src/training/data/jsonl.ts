/**
 * JSON Lines: one JSON object per line; blank lines are skipped. Columns are the union of the keys in
 * order of first appearance; a key missing from a row is a missing value there. Values must be
 * numbers, strings, booleans or null (a nested object or array has no column encoding).
 */
import { DataError } from './dataset';
import type { Cell, RawTable } from './table';

export function parseJsonl(text: string, file: string): RawTable {
  const columnIndex = new Map<string, number>();
  const columns: string[] = [];
  const rows: Cell[][] = [];
  const lines: number[] = [];
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const textLines = (start ? text.slice(start) : text).split(/\r\n|\n|\r/);

  textLines.forEach((lineText, index) => {
    const line = index + 1;
    if (lineText.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(lineText);
    } catch (error) {
      throw new DataError(`${file}:${line}: not valid JSON (${(error as Error).message})`, { file, line });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new DataError(`${file}:${line}: expected a JSON object ({"column": value, ...}), got ${Array.isArray(parsed) ? 'an array' : JSON.stringify(parsed)}`, { file, line });
    }
    const row: Cell[] = [];
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (value !== null && typeof value === 'object') {
        throw new DataError(`${file}:${line}: column "${key}" holds ${Array.isArray(value) ? 'an array' : 'an object'}; only numbers, strings, booleans and null are supported`, {
          file,
          line,
          column: key,
        });
      }
      let j = columnIndex.get(key);
      if (j === undefined) {
        j = columns.length;
        columnIndex.set(key, j);
        columns.push(key);
      }
      row[j] = value as Cell;
    }
    rows.push(row);
    lines.push(line);
  });

  if (rows.length === 0) throw new DataError(`${file}: the file is empty (expected one JSON object per line)`, { file });
  return { file, columns, rows, lines };
}
