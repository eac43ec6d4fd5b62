/**
 * Δm, the headline multi-task metric: the mean relative improvement of the multi-task model over
 * single-task baselines, in percent.
 *
 *   Δm = (100 / K) · Σ_k s_k · (M_k − B_k) / B_k,   s_k = +1 if higher is better, −1 if lower is better
 *
 * Positive means the multi-task model is better. This is LibMTL's convention with the sign chosen so
 * that improvements are positive; Nash-MTL reports the negation (lower is better) and averages over
 * every metric rather than over tasks. Here each task contributes one metric: accuracy for
 * classification (higher is better), RMSE for regression (lower is better), micro-F1 for multilabel
 * (higher is better; micro rather than macro because it is defined whenever any label occurs, and a rare
 * label's few decisions do not swing it).
 */
import type { TaskMetrics } from '../run/records';

export type TaskType = 'classification' | 'regression' | 'multilabel';

/** The validation metrics a task can have, in display order, with their titles (one home for both). */
export const TASK_METRICS = ['loss', 'accuracy', 'rmse', 'mae', 'microF1', 'macroF1'] as const;
export type TaskMetricName = (typeof TASK_METRICS)[number];
export const TASK_METRIC_TITLES: Record<TaskMetricName, string> = { loss: 'loss', accuracy: 'accuracy', rmse: 'RMSE', mae: 'MAE', microF1: 'micro-F1', macroF1: 'macro-F1' };
/** Metrics that are fractions shown in percent. */
export const PERCENT_METRICS: ReadonlySet<TaskMetricName> = new Set(['accuracy', 'microF1', 'macroF1']);

export interface TaskMetricChoice {
  metric: 'accuracy' | 'rmse' | 'microF1';
  higherIsBetter: boolean;
}

/** How the number is meant, for whoever shows it next to the number. */
export const DELTA_M_CONVENTION = 'Δm = (100/K)·Σ s_k (M_k − B_k)/B_k, LibMTL; positive = better than the single-task baselines';

const HEADLINE: Record<TaskType, TaskMetricChoice> = {
  classification: { metric: 'accuracy', higherIsBetter: true },
  regression: { metric: 'rmse', higherIsBetter: false },
  multilabel: { metric: 'microF1', higherIsBetter: true },
};

/** The one metric of a task type that Δm, studies and the Pareto view use. */
export function headlineMetric(type: TaskType): TaskMetricChoice {
  return HEADLINE[type];
}

/** "accuracy (%) ↑", "RMSE ↓", "micro-F1 (%) ↑": a headline metric as a column title. */
export function headlineTitle(type: TaskType): string {
  const { metric, higherIsBetter } = HEADLINE[type];
  return `${TASK_METRIC_TITLES[metric]}${PERCENT_METRICS.has(metric) ? ' (%)' : ''} ${higherIsBetter ? '↑' : '↓'}`;
}

export interface TaskDelta {
  task: string;
  metric: TaskMetricChoice['metric'];
  /** s_k · (M_k − B_k) / B_k in percent (positive = better), or undefined with `reason`. */
  relative?: number;
  reason?: string;
}

export interface DeltaM {
  /** Δm in percent, or undefined with `reason` (the first task whose part is undefined). */
  value?: number;
  reason?: string;
  tasks: TaskDelta[];
}

/** One task's part: its relative change, or why there is none (no metric, a zero baseline). */
function taskDelta(task: { name: string; type: TaskType }, multi: TaskMetrics | undefined, baseline: TaskMetrics | undefined): TaskDelta {
  const { metric, higherIsBetter } = headlineMetric(task.type);
  const m = multi?.[metric];
  const b = baseline?.[metric];
  const part: TaskDelta = { task: task.name, metric };
  if (m === undefined || !Number.isFinite(m)) part.reason = `no ${metric} for task "${task.name}" in the run`;
  else if (b === undefined || !Number.isFinite(b)) part.reason = `no ${metric} for task "${task.name}" in its baseline`;
  else if (b === 0) part.reason = `the baseline ${metric} of task "${task.name}" is 0 (a relative change from 0 is undefined)`;
  else part.relative = (100 * (higherIsBetter ? 1 : -1) * (m - b)) / b;
  return part;
}

/** Δm with each task's part; undefined (with the reason) when any task's part is. */
export function deltaMParts(
  tasks: readonly { name: string; type: TaskType }[],
  multiTask: Record<string, TaskMetrics>,
  baselines: Record<string, TaskMetrics | undefined>,
): DeltaM {
  const parts = tasks.map((task) => taskDelta(task, multiTask[task.name], baselines[task.name]));
  const missing = parts.find((p) => p.relative === undefined);
  if (missing) return { reason: missing.reason, tasks: parts };
  return { value: parts.reduce((sum, p) => sum + p.relative!, 0) / tasks.length, tasks: parts };
}

/** Δm in percent over the tasks; throws when a metric is missing or a baseline metric is zero. */
export function deltaM(
  tasks: readonly { name: string; type: TaskType }[],
  multiTask: Record<string, TaskMetrics>,
  baselines: Record<string, TaskMetrics>,
): number {
  const result = deltaMParts(tasks, multiTask, baselines);
  if (result.value === undefined) throw new Error(`Δm: ${result.reason}`);
  return result.value;
}
