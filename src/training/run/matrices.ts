/**
 * Named matrices: what a model (or the trainer) reports at a logged step besides losses and weights —
 * soft-sharing attention (task × tower), routing gates (task × expert), cross-stitch mixing (task × task), the
 * gradient cosines (task × task). A train record holds their values under `matrices`, and each one's
 * MatrixInfo under `matrixInfo` once per run, with the first record that holds it (the checkpoint remembers which
 * are written, so a resumed run writes what an uninterrupted one does), so records stay small at `logEvery: 1`.
 * Readers — the run CSV, the dashboard's store — read the file from its start through MatrixReader, which
 * carries the descriptions forward and also reads the fixed `attention` / `gates` / `conflict` fields of 0.1.
 *
 * One key scheme everywhere (CSV columns, dashboard series): `<name>/<row label>/<column label>`.
 *
 * Pure and free of tfjs: the extension host and the dashboard bundle import it.
 */
import type { MatrixInfo, TrainRecord } from './records';

export type { MatrixInfo } from './records';

/** One matrix of one record, described. */
export interface NamedMatrix {
  name: string;
  info: MatrixInfo;
  /** Row-major; `info` labels every row and column (rows may be shorter than the longest). */
  values: number[][];
}

/** The series key / CSV column of one cell. */
export function matrixCellKey(name: string, row: string, column: string): string {
  return `${name}/${row}/${column}`;
}

/** The cells a matrix is charted by: every cell, for a symmetric one each pair above the diagonal once, none when `perCell` is false. */
export function chartedCells(info: { rows: readonly string[]; columns: readonly string[]; symmetric?: boolean; perCell?: boolean }): { row: number; column: number }[] {
  const cells: { row: number; column: number }[] = [];
  if (info.perCell === false) return cells;
  info.rows.forEach((_, row) => info.columns.forEach((__, column) => (!info.symmetric || column > row) && cells.push({ row, column })));
  return cells;
}

const indexLabels = (n: number) => Array.from({ length: n }, (_, i) => String(i));

/** Weights of each task over numbered things (towers, experts): a row per task, a column per thing. */
function taskWeights(title: string, description: string, columnAxis: string, tasks: readonly string[], columns: number): MatrixInfo {
  return { title, description, rowAxis: 'task', columnAxis, rows: [...tasks], columns: indexLabels(columns), unit: 'weight', signed: false };
}

/** Soft sharing: row k = how much task k reads each tower (batch mean). */
export function attentionMatrixInfo(tasks: readonly string[], towers: number): MatrixInfo {
  return taskWeights('Attention', "each task's attention over the towers, batch mean (scalar attention: the diagonal)", 'tower', tasks, towers);
}

/** Routing: row k = task k's gate over the experts (batch mean). */
export function gateMatrixInfo(tasks: readonly string[], experts: number): MatrixInfo {
  return taskWeights('Gates', "each task's gate over the experts, batch mean", 'expert', tasks, experts);
}

/** Transformer task attention: row k = task k's pooling attention over token positions (batch mean; padding gets 0). */
export function tokenAttentionMatrixInfo(tasks: readonly string[], tokens: number): MatrixInfo {
  return taskWeights('Token attention', "each task's pooling attention over the token positions, batch mean", 'token', tasks, tokens);
}

/** Transformer task attention on one fixed text: row k = task k's pooling attention over that text's tokens. */
export function sampleAttentionMatrixInfo(tasks: readonly string[], text: number, tokens: readonly string[]): MatrixInfo {
  return {
    title: `Token attention, text ${text + 1}`,
    description: `each task's pooling attention over the tokens of validation text ${text + 1}`,
    rowAxis: 'task',
    columnAxis: 'token',
    rows: [...tasks],
    // Position first: labels key the series, and a token may occur twice.
    columns: tokens.map((token, t) => `${t} ${token}`),
    unit: 'weight',
    signed: false,
  };
}

/** Transformer self-attention matrices are named `self-attention/<layer>/<head>` (both from 0). */
export const SELF_ATTENTION = 'self-attention';

export function selfAttentionName(layer: number, head: number): string {
  return `${SELF_ATTENTION}/${layer}/${head}`;
}

/** The layer and head of a self-attention matrix's name, or undefined for any other name. */
export function parseSelfAttentionName(name: string): { layer: number; head: number } | undefined {
  const m = /^self-attention\/(\d+)\/(\d+)$/.exec(name);
  return m ? { layer: Number(m[1]), head: Number(m[2]) } : undefined;
}

/**
 * Transformer self-attention on the first fixed validation text (its non-padding tokens): row i = how query
 * token i attends to each key token, in layer `layer` and head `head`. Heatmap only (`perCell: false`).
 */
export function selfAttentionMatrixInfo(layer: number, head: number, tokens: readonly string[]): MatrixInfo {
  const labels = tokens.map((token, t) => `${t} ${token}`);
  return {
    title: `Self-attention, layer ${layer + 1}, head ${head + 1}`,
    description: `how each token of validation text 1 attends to the others in layer ${layer + 1}, head ${head + 1} (each row sums to 1)`,
    rowAxis: 'query token',
    columnAxis: 'key token',
    rows: labels,
    columns: [...labels],
    unit: 'weight',
    signed: false,
    perCell: false,
  };
}

/** Gradient conflict: cosine of the per-task gradients on the shared parameters. */
export function conflictMatrixInfo(tasks: readonly string[]): MatrixInfo {
  return {
    title: 'Gradient cosine',
    description: 'cosine of the per-task gradients on the shared parameters (< 0: conflict)',
    rowAxis: 'task',
    columnAxis: 'task',
    rows: [...tasks],
    columns: [...tasks],
    unit: 'cosine',
    signed: true,
    symmetric: true,
  };
}

/** The affinity matrices' names: one sample (`affinity`), the average of the samples so far, the first-order estimate. */
export const AFFINITY_MATRICES = { sample: 'affinity', mean: 'affinity-mean', approx: 'affinity-approx' } as const;

function affinityInfo(tasks: readonly string[], title: string, description: string): MatrixInfo {
  return { title, description, rowAxis: 'task', columnAxis: 'task', rows: [...tasks], columns: [...tasks], unit: 'affinity', signed: true };
}

/** Inter-task affinity (Fifty et al. 2021): Z(i→j) = 1 − L_j(θ⁺ᵢ)/L_j(θ), row i = the task stepped on, column j = the task whose loss is read. */
export function affinityMatrixInfo(tasks: readonly string[]): MatrixInfo {
  return affinityInfo(tasks, 'Affinity', 'Z(i→j) = 1 − L_j(θ⁺ᵢ)/L_j(θ): how much a lookahead step on task i (row) lowers task j\'s (column) loss on the same batch (> 0 helps; not symmetric)');
}

export function affinityMeanMatrixInfo(tasks: readonly string[]): MatrixInfo {
  return affinityInfo(tasks, 'Affinity, average so far', 'the mean of the affinity samples Z(i→j) up to this step (row i = task stepped on, column j = task whose loss is read)');
}

export function affinityApproxMatrixInfo(tasks: readonly string[]): MatrixInfo {
  return affinityInfo(tasks, 'Affinity, first-order approximation', 'approximation, not measured: lr·⟨g_i, g_j⟩/L_j, the first-order Taylor estimate of Z(i→j) for a plain SGD step (no lookahead)');
}

/** 0.1's `attention` also held a cross-stitch run's last mixing matrix, which its record cannot tell apart. */
const LEGACY_ATTENTION_DESCRIPTION = "each task's attention over the towers, batch mean (cross-stitch: the last mixing matrix α)";

/** A matrix whose description was never seen (a reader that started mid-file): neutral words (labels: see fitted). */
function undescribed(name: string): MatrixInfo {
  return { title: name, description: '', rowAxis: 'row', columnAxis: 'column', rows: [], columns: [], unit: 'value', signed: true };
}

/** The description with labels for every row and column of `values` (indices where its own do not fit). */
function fitted(info: MatrixInfo, values: number[][]): MatrixInfo {
  const columns = Math.max(0, ...values.map((r) => r.length));
  if (info.rows.length === values.length && info.columns.length === columns) return info;
  return { ...info, rows: info.rows.length === values.length ? info.rows : indexLabels(values.length), columns: info.columns.length === columns ? info.columns : indexLabels(columns) };
}

/**
 * Reads the named matrices of train records in file order. `taskOrder` (config order) orders the rows of
 * 0.1's task-keyed matrices and labels its conflict matrix.
 */
export class MatrixReader {
  private readonly infos = new Map<string, MatrixInfo>();

  constructor(private readonly taskOrder: readonly string[] = []) {}

  read(record: TrainRecord): NamedMatrix[] {
    const out: NamedMatrix[] = [];
    for (const [name, info] of Object.entries(record.matrixInfo ?? {})) this.infos.set(name, info);
    for (const [name, values] of Object.entries(record.matrices ?? {})) {
      out.push({ name, info: fitted(this.infos.get(name) ?? undescribed(name), values), values });
    }
    if (record.attention) out.push(this.taskKeyed('attention', record.attention, (tasks, width) => ({ ...attentionMatrixInfo(tasks, width), description: LEGACY_ATTENTION_DESCRIPTION })));
    if (record.gates) out.push(this.taskKeyed('gates', record.gates, gateMatrixInfo));
    if (record.conflict) out.push({ name: 'conflict', info: conflictMatrixInfo(this.conflictTasks(record, record.conflict.length)), values: record.conflict });
    return out;
  }

  /** 0.1's task → row maps: rows in task order, as many columns as the longest row (missing cells 0). */
  private taskKeyed(name: string, map: Record<string, number[]>, describe: (tasks: string[], width: number) => MatrixInfo): NamedMatrix {
    const known = this.taskOrder.filter((t) => t in map);
    const tasks = known.length === Object.keys(map).length ? known : Object.keys(map);
    const width = Math.max(0, ...tasks.map((t) => map[t].length));
    return { name, info: describe(tasks, width), values: tasks.map((t) => Array.from({ length: width }, (_, i) => map[t][i] ?? 0)) };
  }

  /** 0.1's conflict matrix is in task order: the config's, else the record's losses', else indices. */
  private conflictTasks(record: TrainRecord, n: number): string[] {
    if (this.taskOrder.length === n) return [...this.taskOrder];
    const fromLosses = Object.keys(record.losses);
    return fromLosses.length === n ? fromLosses : Array.from({ length: n }, (_, i) => `task ${i}`);
  }
}
