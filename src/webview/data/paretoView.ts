/**
 * What the Pareto card plots (pure, no DOM): per finished run — or per seed group, mean with an error bar —
 * its final headline metric on two tasks (accuracy for classification, RMSE for regression, micro-F1 for multilabel, as Δm uses), the
 * single-task baselines of those tasks as reference values, the non-dominated points, and for each point the
 * config values that set it apart from the other points (what the hover names).
 */
import type { RunView } from '../protocol';
import { headlineMetric, type TaskMetricChoice, type TaskType } from '../../training/evaluation/deltaM';
import { paretoFront } from '../../training/study/pareto';
import type { GroupView } from './groupBands';

export interface ParetoAxis {
  task: string;
  metric: TaskMetricChoice['metric'];
  higherIsBetter: boolean;
}

export interface ParetoPlotPoint {
  id: string;
  label: string;
  /** The run whose colour the point takes (a group: its first run). */
  colorRun: string;
  x: number;
  y: number;
  /** Error bars (a group of two seeds or more): mean ± std or min–max, else undefined. */
  xRange?: [number, number];
  yRange?: [number, number];
  seeds: number;
  onFront: boolean;
  /** "key=value" of the config values in which this point differs from another point. */
  differences: string[];
}

export interface ParetoPlot {
  x: ParetoAxis;
  y: ParetoAxis;
  points: ParetoPlotPoint[];
  /** Mean baseline value per axis, when that task's baselines are among the runs. */
  baselines: { x?: number; y?: number };
}

/** The tasks that at least two finished multi-task runs report, in the first run's order. */
export function paretoTasks(runs: readonly RunView[]): { name: string; type: TaskType }[] {
  const multi = runs.filter((r) => r.finalMetrics && r.tasks.length > 1 && !r.study?.baselineOf);
  if (multi.length < 2) return [];
  return multi[0].tasks.filter((t) => multi.filter((r) => r.finalMetrics?.[t.name]?.[headlineMetric(t.type).metric] !== undefined).length >= 2);
}

function axisOf(task: { name: string; type: TaskType }): ParetoAxis {
  const h = headlineMetric(task.type);
  return { task: task.name, metric: h.metric, higherIsBetter: h.higherIsBetter };
}

const valueOf = (r: RunView, a: ParetoAxis) => r.finalMetrics?.[a.task]?.[a.metric];

function spread(values: number[], mode: GroupView): [number, number] | undefined {
  if (values.length < 2) return undefined;
  if (mode === 'minmax') return [Math.min(...values), Math.max(...values)];
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
  return [mean - std, mean + std];
}

const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;

/** The plot of tasks `xTask` and `yTask`; groups are merged unless `mode` is "runs". */
export function paretoPlot(runs: readonly RunView[], xTask: string, yTask: string, mode: GroupView): ParetoPlot | undefined {
  const tasks = paretoTasks(runs);
  const xt = tasks.find((t) => t.name === xTask);
  const yt = tasks.find((t) => t.name === yTask);
  if (!xt || !yt || xTask === yTask) return undefined;
  const x = axisOf(xt);
  const y = axisOf(yt);
  const finished = runs.filter((r) => !r.study?.baselineOf && valueOf(r, x) !== undefined && valueOf(r, y) !== undefined);
  // Points: one per run, or one per group of runs that differ only by seed.
  const members = new Map<string, RunView[]>();
  for (const r of finished) {
    const key = mode !== 'runs' && r.study ? `group:${r.study.group}` : r.id;
    members.set(key, [...(members.get(key) ?? []), r]);
  }
  const points: ParetoPlotPoint[] = [...members].map(([id, rs]) => {
    const xs = rs.map((r) => valueOf(r, x)!);
    const ys = rs.map((r) => valueOf(r, y)!);
    const first = rs[0];
    const label = rs.length > 1 && first.study ? `${first.study.groupLabel} (${rs.length} seeds)` : `${first.name} · ${first.id}`;
    return { id, label, colorRun: first.id, x: mean(xs), y: mean(ys), xRange: spread(xs, mode), yRange: spread(ys, mode), seeds: rs.length, onFront: false, differences: [] };
  });
  const front = new Set(paretoFront(points.map((p) => ({ id: p.id, values: [p.x, p.y] })), [x.higherIsBetter, y.higherIsBetter]));
  for (const p of points) p.onFront = front.has(p.id);
  addDifferences(points, members);
  const baselineMean = (a: ParetoAxis) => {
    const values = runs.filter((r) => r.study?.baselineOf === a.task).map((r) => valueOf(r, a)).filter((v): v is number => v !== undefined);
    return values.length > 0 ? mean(values) : undefined;
  };
  return { x, y, points, baselines: { x: baselineMean(x), y: baselineMean(y) } };
}

/** Config keys that vary between the points (the seed excepted when points are groups), with each point's value. */
function addDifferences(points: ParetoPlotPoint[], members: Map<string, RunView[]>): void {
  const grouped = points.some((p) => p.seeds > 1);
  const configs = points.map((p) => members.get(p.id)![0].config);
  const keys = new Set(configs.flatMap((c) => Object.keys(c)));
  const varying = [...keys].filter((k) => !(grouped && k === 'seed') && new Set(configs.map((c) => JSON.stringify(c[k]))).size > 1).sort();
  points.forEach((p, i) => (p.differences = varying.map((k) => `${k}=${JSON.stringify(configs[i][k] ?? null)}`)));
}

