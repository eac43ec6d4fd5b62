/**
 * A run's inter-task affinity for people: the average matrix and the groupings suggested from it, from the trainer's
 * totals (the run summary) or from the records (`mtl-lab runs --affinity`, any run that wrote an `affinity-mean`
 * matrix). Pure and free of tfjs.
 */
import { MatrixReader, AFFINITY_MATRICES } from '../run/matrices';
import type { AffinitySummary, MetricRecord } from '../run/records';
import { table } from '../textTable';
import { MAX_GROUPING_TASKS, suggestGroupings } from './grouping';

export function affinitySummary(tasks: readonly string[], mean: number[][], samples: number): AffinitySummary {
  const groupings = tasks.length <= MAX_GROUPING_TASKS ? suggestGroupings(tasks, mean) : [];
  const round = (v: number) => Number(v.toPrecision(6));
  return { tasks: [...tasks], mean: mean.map((r) => r.map(round)), samples, groupings: groupings.map((g) => ({ ...g, score: round(g.score) })) };
}

/** The last average affinity in `records` and the number of samples behind it, or undefined when there is none. */
export function affinityFromRecords(records: readonly MetricRecord[]): (AffinitySummary & { step: number }) | undefined {
  const reader = new MatrixReader();
  let last: { tasks: string[]; mean: number[][]; step: number } | undefined;
  let samples = 0;
  for (const record of records) {
    if (record.kind !== 'train') continue;
    for (const m of reader.read(record)) {
      if (m.name === AFFINITY_MATRICES.sample) samples++;
      if (m.name === AFFINITY_MATRICES.mean) last = { tasks: m.info.rows, mean: m.values, step: record.step };
    }
  }
  return last && { ...affinitySummary(last.tasks, last.mean, samples), step: last.step };
}

const cell = (v: number) => (v >= 0 ? ' ' : '') + v.toFixed(4);

/** The matrix (rows: the task stepped on; columns: the task whose loss is read) and a table of groupings. */
export function affinityText(summary: AffinitySummary): string {
  const { tasks, mean, samples, groupings } = summary;
  const lines = [
    `inter-task affinity Z(i→j) = 1 − L_j(θ⁺ᵢ)/L_j(θ), mean of ${samples} sample${samples === 1 ? '' : 's'} (row: step on task i; column: loss of task j; > 0 helps)`,
    '',
    table(['step on ↓ / loss of →', ...tasks], mean.map((row, i) => [tasks[i], ...row.map(cell)])),
    '',
  ];
  if (!groupings.length) return [...lines, `no grouping search: ${tasks.length} tasks (exhaustive search handles up to ${MAX_GROUPING_TASKS})`].join('\n');
  lines.push('suggested groupings (TAG network selection: each task served by the group that helps it most; groups may overlap)', '');
  const rows = groupings.map((g) => [String(g.budget), g.groups.map((group) => `{${group.join(', ')}}`).join(' '), g.score.toFixed(4)]);
  lines.push(table(['B', 'groups', 'predicted score Σ_j aff(group → j)'], rows));
  return lines.join('\n');
}
