/**
 * Δm, the headline multi-task metric: the mean relative improvement of the multi-task model over
 * single-task baselines, in percent.
 *
 *   Δm = (100 / K) · Σ_k s_k · (M_k − B_k) / B_k,   s_k = +1 if higher is better, −1 if lower is better
 *
 * Positive means the multi-task model is better. This is LibMTL's convention with the sign chosen so
 * that improvements are positive; Nash-MTL reports the negation (lower is better) and averages over
 * every metric rather than over tasks. Here each task contributes one metric: accuracy for
 * classification (higher is better), RMSE for regression (lower is better).
 */
import type { TaskMetrics } from '../run/records';

export interface TaskMetricChoice {
  metric: 'accuracy' | 'rmse';
  higherIsBetter: boolean;
}

export function headlineMetric(type: 'classification' | 'regression'): TaskMetricChoice {
  return type === 'classification' ? { metric: 'accuracy', higherIsBetter: true } : { metric: 'rmse', higherIsBetter: false };
}

/** Δm in percent over the tasks present in both; throws when a baseline metric is missing or zero. */
export function deltaM(
  tasks: readonly { name: string; type: 'classification' | 'regression' }[],
  multiTask: Record<string, TaskMetrics>,
  baselines: Record<string, TaskMetrics>,
): number {
  let sum = 0;
  for (const task of tasks) {
    const { metric, higherIsBetter } = headlineMetric(task.type);
    const m = multiTask[task.name]?.[metric];
    const b = baselines[task.name]?.[metric];
    if (m === undefined || b === undefined) throw new Error(`Δm: no ${metric} for task "${task.name}"`);
    if (b === 0) throw new Error(`Δm: the baseline ${metric} of task "${task.name}" is 0`);
    sum += ((higherIsBetter ? 1 : -1) * (m - b)) / b;
  }
  return (100 / tasks.length) * sum;
}
