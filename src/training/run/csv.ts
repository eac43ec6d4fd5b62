/**
 * CSV as MTL Lab writes it, for the run export (`mtl-lab export`, Export Run as CSV) and the dashboard's series
 * export alike. Fields follow RFC 4180 (quoted when they hold a comma, a quote or a line break) and every line
 * ends with CRLF, the line end RFC 4180 prescribes; spreadsheets, pandas, R and Python's csv module read it.
 * Text a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or carriage return: run and task
 * names are user-controlled) is prefixed with `'`; numbers are written as they are, so a negative value stays a
 * number. Pure (no Node modules): the webview bundle uses it too.
 */

export type CsvValue = string | number | undefined;

export const CSV_LINE_END = '\r\n';

/** One field; undefined and non-finite numbers are empty. */
export function csvField(value: CsvValue): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line: the fields of `values`, separated by commas, with its line end. */
export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvField).join(',') + CSV_LINE_END;
}
