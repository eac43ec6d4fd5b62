/**
 * Tabular data (CSV / JSONL) → a Dataset: the train/validation split, feature encoding and labels.
 *
 * Rules, in the order a user meets them:
 * - Every task names its `target` column; `data.features` is a list of columns or "auto" (every column
 *   that is no task's target, in file order). A target can never also be a feature.
 * - Column kind, decided over all rows so that it does not depend on the split:
 *   - numeric: every non-missing value is a plain decimal number;
 *   - numeric with bad values: most (a strict majority) of the non-missing values are numbers; the
 *     others are treated exactly like missing values (an error, or imputed). A column of ages with one
 *     "unknown" is far more likely a typo than a category, and one-hot encoding 80 distinct ages would
 *     silently hide it;
 *   - otherwise categorical (numbers in it are categories too).
 * - Numeric features are standardised with the TRAINING split's mean and (population) standard
 *   deviation; a constant column (std 0) is only centred.
 * - Categorical features are one-hot encoded over the categories seen in the training split (sorted,
 *   numbers numerically); a category seen only in validation encodes as all zeros. Names "col=value".
 * - A missing feature value (empty, NA, N/A, NaN, nan, null, NULL) or a non-number in a numeric column is
 *   an error naming file, line and column, unless `data.impute` is "mean": then a numeric value becomes
 *   the training mean (0 after standardisation) and a categorical one all zeros.
 * - Classification labels: `classes` given → every label must be an integer 0 … classes−1; otherwise the
 *   classes are the distinct label values of the whole file (so a validation label is never unknown),
 *   sorted (numerically if they are all numbers). Regression labels must be numbers and are not
 *   rescaled. A missing label masks that row for that task only; a task needs at least one label in
 *   the training split.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExperimentConfig } from '../config/schema';
import { DataError, type Dataset, type ResolvedTask, type Split, type TaskLabels } from './dataset';
import { parseCsv } from './csv';
import { parseJsonl } from './jsonl';
import { splitIndices } from './split';
import { cellNumber, cellText, compareLabels, isMissing, showCell, type Cell, type RawTable } from './table';

/** How one feature column was encoded (for `mtl-lab validate` and for display). */
export type FeatureEncoding =
  | { kind: 'numeric'; column: string; mean: number; std: number; imputed: number }
  | { kind: 'categorical'; column: string; categories: string[]; imputed: number };

export interface TabularDataset extends Dataset {
  /** The feature columns in input order and how each became inputs. */
  encodings: FeatureEncoding[];
  /** Number of rows in the file. */
  rows: number;
}

const DEFAULT_VALIDATION_SPLIT = 0.2;

/** Reads the data file named by the config (relative to the config's directory) and builds the Dataset. */
export async function loadTabularDataset(config: ExperimentConfig, configDir: string): Promise<TabularDataset> {
  const data = config.data;
  if (data.path === undefined) {
    throw new DataError(`data.path: required for ${data.source} data (the data file, relative to the config file)`, { configPath: ['data'] });
  }
  const absolute = path.resolve(configDir, data.path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : (error as Error).message;
    throw new DataError(`data.path: ${reason}: ${data.path} (resolved to ${absolute})`, { configPath: ['data', 'path'], file: data.path });
  }
  const file = data.path;
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    throw new DataError(`${file}: the file is empty`, { configPath: ['data', 'path'], file });
  }
  const table = data.source === 'jsonl' ? parseJsonl(text, file) : parseCsv(text, file);
  return buildTabularDataset(table, config);
}

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

type Encoder = NumericColumn | CategoricalColumn;

/** The first bad feature value (in file order) and how many there are, for one error message. */
interface ValueProblem {
  row: number;
  column: string;
  describe: string;
}

export function buildTabularDataset(table: RawTable, config: ExperimentConfig): TabularDataset {
  const { file, columns, rows, lines } = table;
  const data = config.data;
  const n = rows.length;
  if (n === 0) throw new DataError(`${file}: has a header but no data rows`, { configPath: ['data', 'path'], file });
  const columnList = columns.join(', ');
  const columnIndex = new Map(columns.map((name, j) => [name, j]));
  const cell = (row: number, column: number): Cell => rows[row][column];

  // --- Which columns are targets and which are features (config errors first). ---
  const targetColumns = config.tasks.map((task, i) => {
    if (task.target === undefined) {
      throw new DataError(`tasks[${i}].target: required for ${data.source} data (the column holding task "${task.name}"'s labels)`, {
        configPath: ['tasks', i],
      });
    }
    const j = columnIndex.get(task.target);
    if (j === undefined) {
      throw new DataError(`tasks[${i}].target: column "${task.target}" not found in ${file} (columns: ${columnList})`, {
        configPath: ['tasks', i, 'target'],
        file,
      });
    }
    return j;
  });
  const targetOf = new Map<number, string>();
  config.tasks.forEach((task, i) => targetOf.set(targetColumns[i], task.name));

  let featureColumns: number[];
  if (data.features === undefined || data.features === 'auto') {
    featureColumns = columns.map((_, j) => j).filter((j) => !targetOf.has(j));
    if (featureColumns.length === 0) {
      throw new DataError(`data.features: no feature columns left in ${file}: every column is a task's target (columns: ${columnList})`, { configPath: ['data'] });
    }
  } else {
    const chosen = new Set<number>();
    featureColumns = data.features.map((name, f) => {
      const j = columnIndex.get(name);
      if (j === undefined) {
        throw new DataError(`data.features[${f}]: column "${name}" not found in ${file} (columns: ${columnList})`, { configPath: ['data', 'features', f], file });
      }
      if (targetOf.has(j)) {
        throw new DataError(`data.features[${f}]: column "${name}" is the target of task "${targetOf.get(j)}"; a target cannot also be a feature`, {
          configPath: ['data', 'features', f],
        });
      }
      if (chosen.has(j)) throw new DataError(`data.features[${f}]: column "${name}" is listed twice`, { configPath: ['data', 'features', f] });
      chosen.add(j);
      return j;
    });
  }

  // --- The split: train statistics only ever look at rows with inTrain[r] = 1. ---
  const validationSplit = data.validationSplit ?? DEFAULT_VALIDATION_SPLIT;
  const split = splitIndices(n, validationSplit, config.seed);
  const inTrain = new Uint8Array(n);
  for (const r of split.train) inTrain[r] = 1;
  const impute = data.impute === 'mean';

  // --- Features. ---
  const problems: { first: ValueProblem; count: number }[] = [];
  const encoders: Encoder[] = featureColumns.map((j) => {
    const column = columns[j];
    const values = new Float64Array(n);
    let present = 0;
    let numeric = 0;
    for (let r = 0; r < n; r++) {
      const c = cell(r, j);
      if (isMissing(c)) {
        values[r] = Number.NaN;
        continue;
      }
      present++;
      const v = cellNumber(c);
      values[r] = v;
      if (!Number.isNaN(v)) numeric++;
    }
    if (present === 0) {
      throw new DataError(`${file}: column "${column}" has no values at all (every row is missing); leave it out of data.features`, { file, column });
    }

    let firstBad = -1;
    let bad = 0;
    if (2 * numeric > present) {
      // Numeric (possibly with a few non-numbers, which count as missing).
      let count = 0;
      let sum = 0;
      for (let r = 0; r < n; r++) {
        const v = values[r];
        if (Number.isNaN(v)) {
          bad++;
          if (firstBad < 0) firstBad = r;
        } else if (inTrain[r]) {
          count++;
          sum += v;
        }
      }
      if (bad > 0 && !impute) {
        const c = cell(firstBad, j);
        const describe = isMissing(c)
          ? `column "${column}": missing value`
          : `column "${column}": ${showCell(c)} is not a number (the column is numeric in ${numeric} of the ${present} rows that have a value)`;
        problems.push({ first: { row: firstBad, column, describe }, count: bad });
      }
      if (count === 0) {
        throw new DataError(`${file}: column "${column}" has no values in the training split to compute its mean from`, { file, column });
      }
      const mean = sum / count;
      let squares = 0;
      for (let r = 0; r < n; r++) if (inTrain[r] && !Number.isNaN(values[r])) squares += (values[r] - mean) ** 2;
      const std = Math.sqrt(squares / count);
      return { kind: 'numeric', column, values, mean, std: std > 0 ? std : 1, imputed: bad };
    }

    // Categorical: categories from the training rows only.
    const seen = new Set<string>();
    for (let r = 0; r < n; r++) if (inTrain[r] && !isMissing(cell(r, j))) seen.add(cellText(cell(r, j)));
    const categories = [...seen].sort(compareLabels);
    const index = new Map(categories.map((c, k) => [c, k]));
    const codes = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      const c = cell(r, j);
      if (isMissing(c)) {
        codes[r] = -1;
        bad++;
        if (firstBad < 0) firstBad = r;
      } else {
        codes[r] = index.get(cellText(c)) ?? -1;
      }
    }
    if (bad > 0 && !impute) problems.push({ first: { row: firstBad, column, describe: `column "${column}": missing value` }, count: bad });
    return { kind: 'categorical', column, codes, categories, imputed: bad };
  });

  if (problems.length > 0) {
    // Report the earliest bad value in the file (ties: the first feature column), and how many there are.
    const earliest = problems.reduce((a, b) => (b.first.row < a.first.row ? b : a));
    const total = problems.reduce((sum, p) => sum + p.count, 0);
    const line = lines[earliest.first.row];
    const more = total > 1 ? `${total} missing or non-numeric feature values in all; ` : '';
    throw new DataError(
      `${file}:${line}: ${earliest.first.describe} (${more}set data.impute to "mean" to replace them with the training mean, or all zeros for a category)`,
      { file, line, column: earliest.first.column },
    );
  }

  // --- Encode into the two splits. ---
  const featureNames: string[] = [];
  const offsets: number[] = [];
  for (const e of encoders) {
    offsets.push(featureNames.length);
    if (e.kind === 'numeric') featureNames.push(e.column);
    else for (const c of e.categories) featureNames.push(`${e.column}=${c}`);
  }
  const inputDim = featureNames.length;
  if (inputDim === 0) {
    throw new DataError(`${file}: the feature columns encode to no inputs (no categorical value occurs in the training split)`, { file });
  }

  const encodeSplit = (indices: Int32Array): Split => {
    const x = new Float32Array(indices.length * inputDim);
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i];
      const base = i * inputDim;
      encoders.forEach((e, f) => {
        if (e.kind === 'numeric') {
          const v = e.values[r];
          // A missing value here was imputed with the training mean, i.e. 0 after standardisation.
          x[base + offsets[f]] = Number.isNaN(v) ? 0 : (v - e.mean) / e.std;
        } else if (e.codes[r] >= 0) {
          x[base + offsets[f] + e.codes[r]] = 1;
        }
      });
    }
    return { size: indices.length, x, labels: {} };
  };
  const train = encodeSplit(split.train);
  const validation = encodeSplit(split.validation);

  // --- Labels. ---
  const tasks: ResolvedTask[] = config.tasks.map((task, i) => {
    const j = targetColumns[i];
    const target = columns[j];
    // The label of each row as a number (class index or regression value); NaN = missing → masked.
    const labelOf = new Float64Array(n);
    let resolved: ResolvedTask;
    if (task.type === 'regression') {
      for (let r = 0; r < n; r++) {
        const c = cell(r, j);
        if (isMissing(c)) {
          labelOf[r] = Number.NaN;
          continue;
        }
        const v = cellNumber(c);
        if (Number.isNaN(v)) {
          throw new DataError(`${file}:${lines[r]}: column "${target}": ${showCell(c)} is not a number (task "${task.name}" is a regression task)`, {
            file,
            line: lines[r],
            column: target,
          });
        }
        labelOf[r] = v;
      }
      resolved = { name: task.name, type: task.type, outputs: 1 };
    } else if (task.classes !== undefined) {
      const classes = task.classes;
      for (let r = 0; r < n; r++) {
        const c = cell(r, j);
        if (isMissing(c)) {
          labelOf[r] = Number.NaN;
          continue;
        }
        const v = cellNumber(c);
        if (!Number.isInteger(v) || v < 0 || v >= classes) {
          throw new DataError(
            `${file}:${lines[r]}: column "${target}": ${showCell(c)} is not a class index (tasks[${i}].classes is ${classes}, so labels must be integers 0 to ${classes - 1}; leave out "classes" to use the values as they are)`,
            { file, line: lines[r], column: target },
          );
        }
        labelOf[r] = v;
      }
      resolved = { name: task.name, type: task.type, outputs: classes, classes, classLabels: Array.from({ length: classes }, (_, k) => String(k)) };
    } else {
      // Classes inferred: the distinct values of the whole file. If every label is a number, "1" and
      // "1.0" are the same class and the order is numeric.
      let allNumeric = true;
      for (let r = 0; r < n && allNumeric; r++) {
        const c = cell(r, j);
        if (!isMissing(c) && Number.isNaN(cellNumber(c))) allNumeric = false;
      }
      const keyOf = (c: Cell) => (allNumeric ? String(cellNumber(c)) : cellText(c));
      const distinct = new Set<string>();
      for (let r = 0; r < n; r++) if (!isMissing(cell(r, j))) distinct.add(keyOf(cell(r, j)));
      const classLabels = [...distinct].sort(compareLabels);
      if (classLabels.length < 2) {
        throw new DataError(
          `tasks[${i}].target: column "${target}" has ${classLabels.length === 0 ? 'no labels' : `only one distinct value (${JSON.stringify(classLabels[0])})`}; a classification task needs at least 2 classes`,
          { configPath: ['tasks', i, 'target'], file, column: target },
        );
      }
      const index = new Map(classLabels.map((label, k) => [label, k]));
      for (let r = 0; r < n; r++) {
        const c = cell(r, j);
        labelOf[r] = isMissing(c) ? Number.NaN : (index.get(keyOf(c)) as number);
      }
      resolved = { name: task.name, type: task.type, outputs: classLabels.length, classes: classLabels.length, classLabels };
    }

    const labelsFor = (indices: Int32Array): TaskLabels => {
      const values = new Float32Array(indices.length);
      const mask = new Uint8Array(indices.length);
      for (let k = 0; k < indices.length; k++) {
        const v = labelOf[indices[k]];
        if (!Number.isNaN(v)) {
          values[k] = v;
          mask[k] = 1;
        }
      }
      return { values, mask };
    };
    train.labels[task.name] = labelsFor(split.train);
    validation.labels[task.name] = labelsFor(split.validation);
    let labelled = 0;
    for (const m of train.labels[task.name].mask) labelled += m;
    if (labelled === 0) {
      let inFile = 0;
      for (let r = 0; r < n; r++) if (!Number.isNaN(labelOf[r])) inFile++;
      throw new DataError(
        `tasks[${i}].target: column "${target}" has no labels in the training split (${train.size} rows; ${inFile} labelled rows in the whole file) — task "${task.name}" cannot be trained`,
        { configPath: ['tasks', i, 'target'], file, column: target },
      );
    }
    return resolved;
  });

  const encodings: FeatureEncoding[] = encoders.map((e) =>
    e.kind === 'numeric'
      ? { kind: 'numeric', column: e.column, mean: e.mean, std: e.std, imputed: e.imputed }
      : { kind: 'categorical', column: e.column, categories: e.categories, imputed: e.imputed },
  );

  return {
    inputDim,
    featureNames,
    tasks,
    train,
    validation,
    trainForEpoch: () => train,
    describe: `${file}, ${n} rows (${train.size} train, ${validation.size} validation), ${encoders.length} feature columns → ${inputDim} inputs`,
    encodings,
    rows: n,
  };
}
