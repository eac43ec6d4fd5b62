/**
 * A task's target column → its labels (the rules are listed in tabular.ts): regression values, class
 * indices checked against `classes`, classes inferred from the distinct values of the whole file, or
 * (multilabel) comma-separated label lists.
 * A missing label masks the row for that task only.
 */
import type { TaskConfig } from '../config/schema';
import { DataError, type ResolvedTask, type TaskLabels } from './dataset';
import { cellNumber, cellText, compareLabels, isMissing, showCell, type Cell, type RawTable } from './table';

/** The task resolved, and each row's label as a number (class index, value, or multilabel: how many); NaN = missing → masked. */
export interface ColumnLabels {
  task: ResolvedTask;
  labelOf: Float64Array;
  /** Multilabel only: row-major `rows × classes` of 0/1. */
  setsOf?: Uint8Array;
}

/** Where a task's labels come from: task i of the config and its target column j of the table. */
interface LabelSource {
  table: RawTable;
  task: TaskConfig;
  /** The task's index in the config (for config paths). */
  i: number;
  j: number;
}

/** Each row's label through `value` (NaN for a missing cell; `value` throws for a bad one). */
function readLabels(source: LabelSource, value: (cell: Cell, row: number) => number): Float64Array {
  const { rows } = source.table;
  const labelOf = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const c = rows[r][source.j];
    labelOf[r] = isMissing(c) ? Number.NaN : value(c, r);
  }
  return labelOf;
}

function regressionLabels(source: LabelSource): ColumnLabels {
  const { table, task, j } = source;
  const target = table.columns[j];
  const labelOf = readLabels(source, (c, r) => {
    const v = cellNumber(c);
    if (Number.isNaN(v)) {
      throw new DataError(`${table.file}:${table.lines[r]}: column "${target}": ${showCell(c)} is not a number (task "${task.name}" is a regression task)`, {
        file: table.file,
        line: table.lines[r],
        column: target,
      });
    }
    return v;
  });
  return { task: { name: task.name, type: task.type, outputs: 1 }, labelOf };
}

/** `classes` given: every label must be an integer 0 … classes−1. */
function classIndexLabels(source: LabelSource, classes: number): ColumnLabels {
  const { table, task, i, j } = source;
  const target = table.columns[j];
  const labelOf = readLabels(source, (c, r) => {
    const v = cellNumber(c);
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new DataError(
        `${table.file}:${table.lines[r]}: column "${target}": ${showCell(c)} is not a class index (tasks[${i}].classes is ${classes}, so labels must be integers 0 to ${classes - 1}; leave out "classes" to use the values as they are)`,
        { file: table.file, line: table.lines[r], column: target },
      );
    }
    return v;
  });
  return { task: { name: task.name, type: task.type, outputs: classes, classes, classLabels: Array.from({ length: classes }, (_, k) => String(k)) }, labelOf };
}

/**
 * Classes inferred: the distinct values of the whole file (so a validation label is never unknown). If
 * every label is a number, "1" and "1.0" are the same class and the order is numeric.
 */
function inferredClassLabels(source: LabelSource): ColumnLabels {
  const { table, task, i, j } = source;
  const { rows } = table;
  const target = table.columns[j];
  let allNumeric = true;
  for (let r = 0; r < rows.length && allNumeric; r++) {
    const c = rows[r][j];
    if (!isMissing(c) && Number.isNaN(cellNumber(c))) allNumeric = false;
  }
  const keyOf = (c: Cell) => (allNumeric ? String(cellNumber(c)) : cellText(c));
  const distinct = new Set<string>();
  for (let r = 0; r < rows.length; r++) if (!isMissing(rows[r][j])) distinct.add(keyOf(rows[r][j]));
  const classLabels = [...distinct].sort(compareLabels);
  if (classLabels.length < 2) {
    throw new DataError(
      `tasks[${i}].target: column "${target}" has ${classLabels.length === 0 ? 'no labels' : `only one distinct value (${JSON.stringify(classLabels[0])})`}; a classification task needs at least 2 classes`,
      { configPath: ['tasks', i, 'target'], file: table.file, column: target },
    );
  }
  const index = new Map(classLabels.map((label, k) => [label, k]));
  const labelOf = readLabels(source, (c) => index.get(keyOf(c)) as number);
  return { task: { name: task.name, type: task.type, outputs: classLabels.length, classes: classLabels.length, classLabels }, labelOf };
}

/** A multilabel cell's labels: its text split at commas, each trimmed, empty parts dropped, duplicates once. */
export function cellLabels(cell: Cell): string[] {
  return [...new Set(cellText(cell).split(',').map((s) => s.trim()).filter(Boolean))];
}

/**
 * Multilabel: each cell lists the row's labels separated by commas ("python,shell"); the labels are the
 * distinct ones of the whole file, sorted. A missing cell (empty, null, NA, …) masks the row; a row cannot
 * say "none of the labels" (a tag list that is empty is a missing one).
 */
function multilabelLabels(source: LabelSource): ColumnLabels {
  const { table, task, i, j } = source;
  const { rows } = table;
  const target = table.columns[j];
  const distinct = new Set<string>();
  for (let r = 0; r < rows.length; r++) if (!isMissing(rows[r][j])) for (const label of cellLabels(rows[r][j])) distinct.add(label);
  const classLabels = [...distinct].sort(compareLabels);
  if (classLabels.length < 2) {
    throw new DataError(
      `tasks[${i}].target: column "${target}" has ${classLabels.length === 0 ? 'no labels' : `only one distinct label (${JSON.stringify(classLabels[0])})`}; a multilabel task needs at least 2`,
      { configPath: ['tasks', i, 'target'], file: table.file, column: target },
    );
  }
  const index = new Map(classLabels.map((label, k) => [label, k]));
  const classes = classLabels.length;
  const setsOf = new Uint8Array(rows.length * classes);
  const labelOf = readLabels(source, (c, r) => {
    const labels = cellLabels(c);
    for (const label of labels) setsOf[r * classes + index.get(label)!] = 1;
    return labels.length === 0 ? Number.NaN : labels.length;
  });
  return { task: { name: task.name, type: task.type, outputs: classes, classes, classLabels }, labelOf, setsOf };
}

/** Task i's labels from column j. */
export function columnLabels(table: RawTable, task: TaskConfig, i: number, j: number): ColumnLabels {
  const source = { table, task, i, j };
  if (task.type === 'regression') return regressionLabels(source);
  if (task.type === 'multilabel') return multilabelLabels(source);
  return task.classes !== undefined ? classIndexLabels(source, task.classes) : inferredClassLabels(source);
}

/** The labels of the rows `indices`, with the mask of those that have one (and, multilabel, their label sets). */
export function labelsOfRows({ labelOf, setsOf, task }: ColumnLabels, indices: Int32Array): TaskLabels {
  const values = new Float32Array(indices.length);
  const mask = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const v = labelOf[indices[k]];
    if (!Number.isNaN(v)) {
      values[k] = v;
      mask[k] = 1;
    }
  }
  if (!setsOf) return { values, mask };
  const classes = task.outputs;
  const sets = new Uint8Array(indices.length * classes);
  for (let k = 0; k < indices.length; k++) sets.set(setsOf.subarray(indices[k] * classes, (indices[k] + 1) * classes), k * classes);
  return { values, mask, sets };
}
