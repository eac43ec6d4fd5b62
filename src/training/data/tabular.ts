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
 *   rescaled. Multilabel cells list labels separated by commas ("python,shell"); the labels are the
 *   distinct ones of the whole file, sorted. A missing label masks that row for that task only; a task needs at least one label in
 *   the training split.
 * Features are encoded in tabularFeatures.ts, labels read in tabularLabels.ts; a CSV file is streamed
 * (csv.ts), a JSONL file read whole.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ExperimentConfig } from '../config/schema';
import { DataError, type Dataset, type ResolvedTask } from './dataset';
import { readCsvFile } from './csvFile';
import { parseJsonl } from './jsonl';
import { splitIndices } from './split';
import { emptyDataFile, type RawTable } from './table';
import { encodeRows, featureEncoders, featureEncoding, inputLayout, type FeatureEncoding } from './tabularFeatures';
import { columnLabels, labelsOfRows } from './tabularLabels';
import { buildTextDataset, type TextDataset } from './text';

export type { FeatureEncoding } from './tabularFeatures';

export interface TabularDataset extends Dataset {
  /** The feature columns in input order and how each became inputs. */
  encodings: FeatureEncoding[];
  /** Number of rows in the file. */
  rows: number;
}

const DEFAULT_VALIDATION_SPLIT = 0.2;

/** The data file as a table: CSV streamed, JSONL read whole. A file that cannot be read is an error about data.path. */
async function readDataTable(source: 'csv' | 'jsonl', absolute: string, file: string): Promise<RawTable> {
  try {
    if (source === 'csv') return await readCsvFile(absolute, file);
    const bytes = await readFile(absolute);
    const text = (absolute.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    if (text.replace(/^\uFEFF/, '').trim() === '') throw emptyDataFile(file);
    return parseJsonl(text, file);
  } catch (error) {
    if (error instanceof DataError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : (error as Error).message;
    throw new DataError(`data.path: ${reason}: ${file} (resolved to ${absolute})`, { configPath: ['data', 'path'], file });
  }
}

/** Reads the data file named by the config (relative to the config's directory) and builds the Dataset. */
export async function loadTabularDataset(config: ExperimentConfig, configDir: string): Promise<TabularDataset | TextDataset> {
  const data = config.data;
  if (data.path === undefined) {
    throw new DataError(`data.path: required for ${data.source} data (the data file, relative to the config file)`, { configPath: ['data'] });
  }
  const table = await readDataTable(data.source === 'jsonl' ? 'jsonl' : 'csv', path.resolve(configDir, data.path), data.path);
  if (data.text !== undefined) {
    if (table.rows.length === 0) throw new DataError(`${table.file}: has a header but no data rows`, { configPath: ['data', 'path'], file: table.file });
    return buildTextDataset(table, config, configDir, targetColumns(table, config, new Map(table.columns.map((name, j) => [name, j]))));
  }
  return buildTabularDataset(table, config);
}

/** The data file's column names, as the loader reads them (a study pins a baseline's features with them). */
export async function tabularColumns(config: ExperimentConfig, configDir: string): Promise<string[]> {
  if (config.data.path === undefined) return [];
  const table = await readDataTable(config.data.source === 'jsonl' ? 'jsonl' : 'csv', path.resolve(configDir, config.data.path), config.data.path);
  return table.columns;
}

/** Each task's target column (config errors first). */
function targetColumns(table: RawTable, config: ExperimentConfig, columnIndex: ReadonlyMap<string, number>): number[] {
  const { file, columns } = table;
  return config.tasks.map((task, i) => {
    if (task.target === undefined) {
      throw new DataError(`tasks[${i}].target: required for ${config.data.source} data (the column holding task "${task.name}"'s labels)`, {
        configPath: ['tasks', i],
      });
    }
    const j = columnIndex.get(task.target);
    if (j === undefined) {
      throw new DataError(`tasks[${i}].target: column "${task.target}" not found in ${file} (columns: ${columns.join(', ')})`, {
        configPath: ['tasks', i, 'target'],
        file,
      });
    }
    return j;
  });
}

/** The feature columns: `data.features`, or with "auto" every column that is no task's target, in file order. */
function featureColumns(table: RawTable, config: ExperimentConfig, columnIndex: ReadonlyMap<string, number>, targetOf: ReadonlyMap<number, string>): number[] {
  const { file, columns } = table;
  const features = config.data.features;
  if (features === undefined || features === 'auto') {
    const chosen = columns.map((_, j) => j).filter((j) => !targetOf.has(j));
    if (chosen.length === 0) {
      throw new DataError(`data.features: no feature columns left in ${file}: every column is a task's target (columns: ${columns.join(', ')})`, { configPath: ['data'] });
    }
    return chosen;
  }
  const chosen = new Set<number>();
  return features.map((name, f) => {
    const j = columnIndex.get(name);
    if (j === undefined) {
      throw new DataError(`data.features[${f}]: column "${name}" not found in ${file} (columns: ${columns.join(', ')})`, { configPath: ['data', 'features', f], file });
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

export function buildTabularDataset(table: RawTable, config: ExperimentConfig): TabularDataset {
  const { file } = table;
  const n = table.rows.length;
  if (n === 0) throw new DataError(`${file}: has a header but no data rows`, { configPath: ['data', 'path'], file });
  const columnIndex = new Map(table.columns.map((name, j) => [name, j]));
  const targets = targetColumns(table, config, columnIndex);
  const targetOf = new Map<number, string>();
  config.tasks.forEach((task, i) => targetOf.set(targets[i], task.name));
  const features = featureColumns(table, config, columnIndex, targetOf);

  // The split: train statistics only ever look at rows with inTrain[r] = 1.
  const split = splitIndices(n, config.data.validationSplit ?? DEFAULT_VALIDATION_SPLIT, config.seed);
  const inTrain = new Uint8Array(n);
  for (const r of split.train) inTrain[r] = 1;

  const encoders = featureEncoders({ table, inTrain, impute: config.data.impute === 'mean' }, features);
  const layout = inputLayout(encoders);
  const inputDim = layout.featureNames.length;
  if (inputDim === 0) {
    throw new DataError(`${file}: the feature columns encode to no inputs (no categorical value occurs in the training split)`, { file });
  }
  const train = encodeRows(encoders, layout, split.train);
  const validation = encodeRows(encoders, layout, split.validation);

  const tasks: ResolvedTask[] = config.tasks.map((task, i) => {
    const labels = columnLabels(table, task, i, targets[i]);
    const resolved = labels.task;
    train.labels[task.name] = labelsOfRows(labels, split.train);
    validation.labels[task.name] = labelsOfRows(labels, split.validation);
    if (!train.labels[task.name].mask.includes(1)) {
      const inFile = labels.labelOf.reduce((count, v) => count + (Number.isNaN(v) ? 0 : 1), 0);
      throw new DataError(
        `tasks[${i}].target: column "${table.columns[targets[i]]}" has no labels in the training split (${train.size} rows; ${inFile} labelled rows in the whole file) — task "${task.name}" cannot be trained`,
        { configPath: ['tasks', i, 'target'], file, column: table.columns[targets[i]] },
      );
    }
    return resolved;
  });

  return {
    inputDim,
    featureNames: layout.featureNames,
    tasks,
    train,
    validation,
    trainForEpoch: () => train,
    describe: `${file}, ${n} rows (${train.size} train, ${validation.size} validation), ${encoders.length} feature columns → ${inputDim} inputs`,
    encodings: encoders.map(featureEncoding),
    rows: n,
  };
}
