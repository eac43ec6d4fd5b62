/**
 * A run's series as one wide CSV: a row per step that has a train or eval record, a column per series
 * (`loss/<task>`, `weight/<task>`, `val/<task>/<metric>`, and a column per cell of every named matrix,
 * `<matrix>/<row>/<column>`: `attention/<task>/<tower>`, `gates/<task>/<expert>`, `conflict/<task>/<task>`, …;
 * not the heatmap-only ones, `perCell: false`).
 * Empty cells where a series has no value at that step. Pure: the CLI's `export` and the extension's
 * `Export Run as CSV` share it. Fields and line ends as csv.ts writes them.
 */
import { csvLine } from './csv';
import { MatrixReader, matrixCellKey } from './matrices';
import type { MetricRecord } from './records';

export function recordsToCsv(records: readonly MetricRecord[], taskOrder?: readonly string[]): string {
  const rows = new Map<number, Map<string, string | number>>();
  const columns = new Set<string>();
  const set = (step: number, column: string, value: string | number) => {
    let row = rows.get(step);
    if (!row) rows.set(step, (row = new Map()));
    row.set(column, value);
    columns.add(column);
  };
  const matrices = new MatrixReader(taskOrder);
  for (const r of records) {
    if (r.kind === 'train') {
      set(r.step, 'epoch', r.epoch);
      set(r.step, 'time', new Date(r.time).toISOString());
      set(r.step, 'totalLoss', r.totalLoss);
      set(r.step, 'samplesPerSecond', r.samplesPerSecond);
      for (const [t, v] of Object.entries(r.losses)) set(r.step, `loss/${t}`, v);
      for (const [t, v] of Object.entries(r.weights)) set(r.step, `weight/${t}`, v);
      for (const { name, info, values } of matrices.read(r)) {
        // A heatmap-only matrix (token × token self-attention) has no columns: thousands a step otherwise.
        if (info.perCell === false) continue;
        values.forEach((row, i) => row.forEach((v, j) => set(r.step, matrixCellKey(name, info.rows[i], info.columns[j]), v)));
      }
    } else if (r.kind === 'eval') {
      set(r.step, 'epoch', r.epoch);
      for (const [t, m] of Object.entries(r.metrics)) {
        for (const [name, v] of Object.entries(m)) if (v !== undefined) set(r.step, `val/${t}/${name}`, v);
      }
    }
  }
  const fixed = ['epoch', 'time', 'totalLoss', 'samplesPerSecond'].filter((c) => columns.has(c));
  const rest = [...columns].filter((c) => !fixed.includes(c)).sort();
  const header = ['step', ...fixed, ...rest];
  const lines = [csvLine(header)];
  for (const step of [...rows.keys()].sort((a, b) => a - b)) {
    const row = rows.get(step)!;
    lines.push(csvLine([step, ...header.slice(1).map((c) => row.get(c))]));
  }
  return lines.join('');
}
