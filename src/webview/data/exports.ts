/**
 * Exports built in the webview from what the user sees: CSV of the visible series, and the comparison
 * table (rows, differing config keys, Markdown).
 */
import { csvLine, type CsvValue } from '../../training/run/csv';
import type { Points, RunView } from '../protocol';
import { meanStd } from '../../training/study/stats';
import { TASK_METRICS } from '../../training/evaluation/deltaM';

export interface CsvSeries {
  runName: string;
  runId: string;
  key: string;
  points: Points;
  /** Smoothed values (same length as points), when smoothing is on. */
  smoothed?: readonly number[];
}

/** Long-format CSV (csv.ts fields and line ends): one row per point, `run,run_id,series,step,wall_time,relative_seconds,value[,smoothed]`. */
export function seriesToCsv(series: readonly CsvSeries[], origins: ReadonlyMap<string, number>): string {
  const withSmoothed = series.some((s) => s.smoothed !== undefined);
  const header = ['run', 'run_id', 'series', 'step', 'wall_time', 'relative_seconds', 'value'];
  if (withSmoothed) header.push('smoothed');
  const lines = [csvLine(header)];
  for (const s of series) {
    const origin = origins.get(s.runId) ?? 0;
    for (let i = 0; i < s.points.steps.length; i++) {
      const t = s.points.times[i];
      const row: CsvValue[] = [s.runName, s.runId, s.key, s.points.steps[i], new Date(t).toISOString(), (t - origin) / 1000, s.points.values[i]];
      if (withSmoothed) row.push(s.smoothed?.[i]);
      lines.push(csvLine(row));
    }
  }
  return lines.join('');
}

export type CellValue = string | number | boolean | null;

export interface ComparisonColumn {
  id: string;
  label: string;
  /** A config key whose value differs between the runs (highlighted). */
  differs: boolean;
  kind: 'text' | 'number' | 'config' | 'metric';
}

export interface ComparisonRow {
  runId: string;
  cells: Record<string, CellValue>;
}

/** Config keys always shown, whether or not they differ: the ones that define an MTL experiment. */
const KEY_CONFIG = ['model.architecture', 'loss.weighting', 'optimizer.learningRate', 'training.batchSize', 'seed'];

/**
 * The comparison table: status, key config values plus every config value that differs between runs,
 * final validation metrics per task, best step. Runs without a final summary show the latest metrics the
 * caller passes in `latestMetrics`.
 */
export function comparisonTable(
  runs: readonly RunView[],
  latestMetrics: ReadonlyMap<string, Record<string, Record<string, number>>> = new Map(),
): { columns: ComparisonColumn[]; rows: ComparisonRow[] } {
  const allKeys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.config)) allKeys.add(k);
  const differing = [...allKeys].filter((k) => {
    const first = JSON.stringify(runs[0]?.config[k] ?? null);
    return runs.some((r) => JSON.stringify(r.config[k] ?? null) !== first);
  });
  const configKeys = [...new Set([...KEY_CONFIG.filter((k) => allKeys.has(k)), ...differing.filter((k) => k !== 'name' && k !== 'description').sort()])];
  const metricIds = new Set<string>();
  const metricsOf = (r: RunView): Record<string, Record<string, number>> => {
    const out: Record<string, Record<string, number>> = {};
    const source = r.finalMetrics ?? latestMetrics.get(r.id) ?? {};
    for (const [task, m] of Object.entries(source)) {
      out[task] = {};
      for (const [name, v] of Object.entries(m)) if (typeof v === 'number') out[task][name] = v;
    }
    return out;
  };
  const runMetrics = runs.map(metricsOf);
  for (const m of runMetrics) for (const [task, values] of Object.entries(m)) for (const name of Object.keys(values)) metricIds.add(`${task}/${name}`);
  const metricOrder = (id: string) => (TASK_METRICS as readonly string[]).indexOf(id.split('/')[1]);
  const metricColumns = [...metricIds].sort((a, b) => a.split('/')[0].localeCompare(b.split('/')[0]) || metricOrder(a) - metricOrder(b));

  const columns: ComparisonColumn[] = [
    { id: 'name', label: 'Run', differs: false, kind: 'text' },
    { id: 'status', label: 'Status', differs: false, kind: 'text' },
    ...configKeys.map((k) => ({ id: `config:${k}`, label: k, differs: differing.includes(k), kind: 'config' as const })),
    ...metricColumns.map((id) => ({ id: `metric:${id}`, label: `val ${id}`, differs: false, kind: 'metric' as const })),
    ...(runs.some((r) => r.study) ? STUDY_COLUMNS : []),
    { id: 'bestStep', label: 'Best step', differs: false, kind: 'number' },
    { id: 'step', label: 'Steps', differs: false, kind: 'number' },
  ];
  const rows = runs.map((r, i) => {
    const cells: Record<string, CellValue> = { name: r.name === r.id ? r.id : `${r.name} (${r.id})`, status: r.status, bestStep: r.bestStep, step: r.step };
    if (r.study) {
      cells['study:group'] = r.study.baselineOf !== null ? `baseline of ${r.study.baselineOf}` : r.study.group.slice(0, 6);
      cells['study:deltaM'] = r.study.deltaM;
    }
    for (const k of configKeys) cells[`config:${k}`] = r.config[k] ?? null;
    for (const id of metricColumns) {
      const [task, name] = id.split('/');
      cells[`metric:${id}`] = runMetrics[i][task]?.[name] ?? null;
    }
    return { runId: r.id, cells };
  });
  return { columns, rows };
}

const STUDY_COLUMNS: ComparisonColumn[] = [
  { id: 'study:group', label: 'Group', differs: false, kind: 'text' },
  { id: 'study:deltaM', label: 'Δm %', differs: false, kind: 'metric' },
];

/**
 * One row per group of two runs or more among `runs` (runs that differ only by seed): each number column as
 * mean ± std over the group's completed runs (sample std, n − 1) with the number of seeds; a config value when
 * all agree.
 */
export function groupRows(columns: readonly ComparisonColumn[], rows: readonly ComparisonRow[], runs: readonly RunView[]): ComparisonRow[] {
  const byGroup = new Map<string, { label: string; members: { run: RunView; row: ComparisonRow }[] }>();
  runs.forEach((run, i) => {
    if (!run.study) return;
    const entry = byGroup.get(run.study.group) ?? { label: run.study.groupLabel, members: [] };
    entry.members.push({ run, row: rows.find((r) => r.runId === run.id) ?? rows[i] });
    byGroup.set(run.study.group, entry);
  });
  const out: ComparisonRow[] = [];
  for (const [key, { label, members }] of byGroup) {
    if (members.length < 2) continue;
    const done = members.filter((m) => m.run.status === 'completed');
    const cells: Record<string, CellValue> = { name: `${label} — mean ± std over ${done.length} seed${done.length === 1 ? '' : 's'}`, status: `${done.length}/${members.length} completed`, 'study:group': key.slice(0, 6) };
    for (const col of columns) {
      if (col.kind === 'metric' || col.id === 'bestStep' || col.id === 'step') {
        const values = done.map((m) => m.row.cells[col.id]).filter((v): v is number => typeof v === 'number');
        const ms = meanStd(values);
        cells[col.id] = ms ? `${formatCell(ms.mean)}${ms.std !== undefined ? ` ± ${formatCell(ms.std)}` : ''}` : null;
      } else if (col.kind === 'config') {
        const first = JSON.stringify(members[0].row.cells[col.id] ?? null);
        cells[col.id] = members.every((m) => JSON.stringify(m.row.cells[col.id] ?? null) === first) ? (members[0].row.cells[col.id] ?? null) : 'varies';
      }
    }
    out.push({ runId: `group:${key}`, cells });
  }
  return out;
}

/** Sort rows by a column; nulls last whatever the direction. Stable. */
export function sortRows(rows: readonly ComparisonRow[], column: string, descending: boolean): ComparisonRow[] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const x = a.row.cells[column] ?? null;
      const y = b.row.cells[column] ?? null;
      if (x === null && y === null) return a.index - b.index;
      if (x === null) return 1;
      if (y === null) return -1;
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      return (descending ? -order : order) || a.index - b.index;
    })
    .map((e) => e.row);
}

export function formatCell(value: CellValue): string {
  if (value === null) return '—';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return String(value);
    const abs = Math.abs(value);
    return abs !== 0 && (abs < 1e-3 || abs >= 1e5) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
  }
  return String(value);
}

/** GitHub-flavoured Markdown; differing config columns are marked with * in the header. */
export function tableToMarkdown(columns: readonly ComparisonColumn[], rows: readonly ComparisonRow[]): string {
  const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const header = columns.map((c) => escape(c.differs ? `${c.label} *` : c.label));
  const align = columns.map((c) => (c.kind === 'number' || c.kind === 'metric' ? '---:' : '---'));
  const lines = [`| ${header.join(' | ')} |`, `| ${align.join(' | ')} |`];
  for (const row of rows) lines.push(`| ${columns.map((c) => escape(formatCell(row.cells[c.id] ?? null))).join(' | ')} |`);
  if (columns.some((c) => c.differs)) lines.push('', '\\* differs between runs');
  return lines.join('\n') + '\n';
}

/** Flatten a config object to dotted paths (arrays as JSON text) for `RunView.config`. */
export function flattenConfig(value: unknown, prefix = '', out: Record<string, CellValue> = {}): Record<string, CellValue> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === '$schema') continue;
      flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
    }
  } else if (Array.isArray(value)) {
    out[prefix] = JSON.stringify(value);
  } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) {
    out[prefix] = value;
  }
  return out;
}
