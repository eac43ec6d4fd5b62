/**
 * Tabular feature columns → model inputs (the rules are listed in tabular.ts): each column's kind is
 * decided over all rows, its statistics (mean and standard deviation, or categories) over the training
 * rows only; bad values are collected per column so that one error names the earliest of them.
 */
import { DataError, type Split } from './dataset';
import { cellNumber, cellText, compareLabels, isMissing, showCell, type RawTable } from './table';

/** How one feature column was encoded (for `mtl-lab validate` and for display). */
export type FeatureEncoding =
  | { kind: 'numeric'; column: string; mean: number; std: number; imputed: number }
  | { kind: 'categorical'; column: string; categories: string[]; imputed: number };

interface NumericColumn {
  kind: 'numeric';
  column: string;
  /** The value per row; NaN where missing or not a number. */
  values: Float64Array;
  mean: number;
  std: number;
  imputed: number;
}

interface CategoricalColumn {
  kind: 'categorical';
  column: string;
  /** Category index per row; −1 = missing or not seen in training. */
  codes: Int32Array;
  categories: string[];
  imputed: number;
}

export type FeatureEncoder = NumericColumn | CategoricalColumn;

/** A column's bad values (missing, or not a number in a numeric column): the first in file order and how many. */
interface ValueProblem {
  row: number;
  column: string;
  describe: string;
  count: number;
}

/** What encoding a column needs: the rows of the training split, and whether bad values are imputed. */
export interface EncodingContext {
  table: RawTable;
  /** 1 for the rows of the training split. */
  inTrain: Uint8Array;
  impute: boolean;
}

/** Each column's value as a number (NaN where missing or not a number), and how many values are present and numeric. */
function readNumbers(table: RawTable, j: number): { values: Float64Array; present: number; numeric: number } {
  const n = table.rows.length;
  const values = new Float64Array(n);
  let present = 0;
  let numeric = 0;
  for (let r = 0; r < n; r++) {
    const c = table.rows[r][j];
    if (isMissing(c)) {
      values[r] = Number.NaN;
      continue;
    }
    present++;
    const v = cellNumber(c);
    values[r] = v;
    if (!Number.isNaN(v)) numeric++;
  }
  return { values, present, numeric };
}

/** A numeric column (possibly with a few non-numbers, which count as missing), standardised with the training mean and std. */
function numericEncoder(ctx: EncodingContext, j: number, values: Float64Array, present: number, numeric: number): { encoder: NumericColumn; problem?: ValueProblem } {
  const { table, inTrain } = ctx;
  const column = table.columns[j];
  let count = 0;
  let sum = 0;
  let firstBad = -1;
  let bad = 0;
  for (let r = 0; r < values.length; r++) {
    const v = values[r];
    if (Number.isNaN(v)) {
      bad++;
      if (firstBad < 0) firstBad = r;
    } else if (inTrain[r]) {
      count++;
      sum += v;
    }
  }
  let problem: ValueProblem | undefined;
  if (bad > 0 && !ctx.impute) {
    const c = table.rows[firstBad][j];
    const describe = isMissing(c)
      ? `column "${column}": missing value`
      : `column "${column}": ${showCell(c)} is not a number (the column is numeric in ${numeric} of the ${present} rows that have a value)`;
    problem = { row: firstBad, column, describe, count: bad };
  }
  if (count === 0) {
    throw new DataError(`${table.file}: column "${column}" has no values in the training split to compute its mean from`, { file: table.file, column });
  }
  const mean = sum / count;
  let squares = 0;
  for (let r = 0; r < values.length; r++) if (inTrain[r] && !Number.isNaN(values[r])) squares += (values[r] - mean) ** 2;
  const std = Math.sqrt(squares / count);
  return { encoder: { kind: 'numeric', column, values, mean, std: std > 0 ? std : 1, imputed: bad }, problem };
}

/** A categorical column, one-hot over the categories of the training rows. */
function categoricalEncoder(ctx: EncodingContext, j: number): { encoder: CategoricalColumn; problem?: ValueProblem } {
  const { table, inTrain } = ctx;
  const { rows } = table;
  const column = table.columns[j];
  const seen = new Set<string>();
  for (let r = 0; r < rows.length; r++) if (inTrain[r] && !isMissing(rows[r][j])) seen.add(cellText(rows[r][j]));
  const categories = [...seen].sort(compareLabels);
  const index = new Map(categories.map((c, k) => [c, k]));
  const codes = new Int32Array(rows.length);
  let firstBad = -1;
  let bad = 0;
  for (let r = 0; r < rows.length; r++) {
    const c = rows[r][j];
    if (isMissing(c)) {
      codes[r] = -1;
      bad++;
      if (firstBad < 0) firstBad = r;
    } else {
      codes[r] = index.get(cellText(c)) ?? -1;
    }
  }
  const problem = bad > 0 && !ctx.impute ? { row: firstBad, column, describe: `column "${column}": missing value`, count: bad } : undefined;
  return { encoder: { kind: 'categorical', column, codes, categories, imputed: bad }, problem };
}

/** Numeric when most (a strict majority) of its present values are numbers, else categorical. */
function columnEncoder(ctx: EncodingContext, j: number): { encoder: FeatureEncoder; problem?: ValueProblem } {
  const { values, present, numeric } = readNumbers(ctx.table, j);
  if (present === 0) {
    const column = ctx.table.columns[j];
    throw new DataError(`${ctx.table.file}: column "${column}" has no values at all (every row is missing); leave it out of data.features`, { file: ctx.table.file, column });
  }
  return 2 * numeric > present ? numericEncoder(ctx, j, values, present, numeric) : categoricalEncoder(ctx, j);
}

/** The earliest bad value in the file (ties: the first feature column), and how many there are, as one error. */
function badValuesError(file: string, lines: readonly number[], problems: readonly ValueProblem[]): DataError {
  const earliest = problems.reduce((a, b) => (b.row < a.row ? b : a));
  const total = problems.reduce((sum, p) => sum + p.count, 0);
  const line = lines[earliest.row];
  const more = total > 1 ? `${total} missing or non-numeric feature values in all; ` : '';
  return new DataError(
    `${file}:${line}: ${earliest.describe} (${more}set data.impute to "mean" to replace them with the training mean, or all zeros for a category)`,
    { file, line, column: earliest.column },
  );
}

/** The encoders of the feature columns (in input order); bad values are an error unless imputed. */
export function featureEncoders(ctx: EncodingContext, featureColumns: readonly number[]): FeatureEncoder[] {
  const problems: ValueProblem[] = [];
  const encoders = featureColumns.map((j) => {
    const { encoder, problem } = columnEncoder(ctx, j);
    if (problem) problems.push(problem);
    return encoder;
  });
  if (problems.length > 0) throw badValuesError(ctx.table.file, ctx.table.lines, problems);
  return encoders;
}

/** The model's inputs: one per numeric column, one per category ("col=value"), and where each column starts. */
export interface InputLayout {
  featureNames: string[];
  offsets: number[];
}

export function inputLayout(encoders: readonly FeatureEncoder[]): InputLayout {
  const featureNames: string[] = [];
  const offsets: number[] = [];
  for (const e of encoders) {
    offsets.push(featureNames.length);
    if (e.kind === 'numeric') featureNames.push(e.column);
    else for (const c of e.categories) featureNames.push(`${e.column}=${c}`);
  }
  return { featureNames, offsets };
}

/** The rows `indices` as a split's input matrix (row-major; labels are added by the caller). */
export function encodeRows(encoders: readonly FeatureEncoder[], layout: InputLayout, indices: Int32Array): Split {
  const inputDim = layout.featureNames.length;
  const x = new Float32Array(indices.length * inputDim);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i];
    const base = i * inputDim;
    encoders.forEach((e, f) => {
      if (e.kind === 'numeric') {
        const v = e.values[r];
        // A missing value here was imputed with the training mean, i.e. 0 after standardisation.
        x[base + layout.offsets[f]] = Number.isNaN(v) ? 0 : (v - e.mean) / e.std;
      } else if (e.codes[r] >= 0) {
        x[base + layout.offsets[f] + e.codes[r]] = 1;
      }
    });
  }
  return { size: indices.length, x, labels: {} };
}

export function featureEncoding(e: FeatureEncoder): FeatureEncoding {
  return e.kind === 'numeric'
    ? { kind: 'numeric', column: e.column, mean: e.mean, std: e.std, imputed: e.imputed }
    : { kind: 'categorical', column: e.column, categories: e.categories, imputed: e.imputed };
}
