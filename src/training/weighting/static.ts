/**
 * Static weighting: L = Σ_i w_i L_i with fixed user weights (`loss.weights` by task name, else
 * `tasks[].weight`); the article's listing uses 0.7 / 0.3. Every task needs a weight, and not all of
 * them may be 0.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { formatPath } from '../config/diagnostics';
import { isPlainObject, quote, valueAt, type ConfigIssue } from '../config/issues';
import type { ConfigView } from '../config/method';
import { closestMatch } from '../config/suggest';
import type { Parameter } from '../models/dense';
import type { WeightingContext, WeightingMethod, WeightingStrategy } from './strategy';

const options = {
  weights: Type.Record(Type.String(), Type.Number({ minimum: 0 }), { description: 'task name → weight (overrides `tasks[].weight`).' }),
};

const taskOptions = {
  weight: Type.Number({ minimum: 0, description: 'this task\'s fixed loss weight.' }),
};

export const staticWeighting: WeightingMethod<'static', typeof options, typeof taskOptions> = {
  id: 'static',
  label: 'Static',
  description: 'Σ w_i L_i with fixed weights',
  options,
  taskOptions,
  check: staticWeightIssues,
  newExperiment: {
    note: ['A fixed weight per task.'],
    values: (taskNames) => ({ weights: Object.fromEntries(taskNames.map((name) => [name, Number((1 / Math.max(1, taskNames.length)).toFixed(3))])) }),
  },
  tests: [{ file: 'test/unit/weighting.test.ts', test: 'static takes tasks[].weight, overridden by loss.weights' }],
  create: (context) => new StaticWeighting(context),
};

/** A weight for every task, every named task exists, and not all weights 0. */
function staticWeightIssues({ resolved, tasks }: ConfigView): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const taskNames = tasks.flatMap((task) => (task.name !== undefined ? [task.name] : []));
  const weights = valueAt(resolved, ['loss', 'weights']);
  const byName = isPlainObject(weights) ? weights : {};
  for (const key of Object.keys(byName)) {
    if (taskNames.includes(key)) continue;
    const close = closestMatch(key, taskNames);
    issues.push({ path: ['loss', 'weights'], message: `no task named ${quote(key)}${close !== undefined ? `; did you mean ${quote(close)}?` : ''}`, at: ['loss', 'weights', key], atKey: true });
  }
  const effective: number[] = [];
  for (const task of tasks) {
    if (task.name === undefined) continue;
    const weight = Object.hasOwn(byName, task.name) ? byName[task.name] : task.given.weight;
    if (weight === undefined) {
      issues.push({
        path: ['tasks', task.index],
        message: `no weight for task ${quote(task.name)}: weighting "static" needs one for every task (set ${formatPath(['tasks', task.index, 'weight'])} or ${formatPath(['loss', 'weights', task.name])})`,
      });
    } else if (typeof weight === 'number') {
      effective.push(weight);
    }
  }
  if (effective.length === tasks.length && effective.length > 0 && effective.every((w) => w === 0)) {
    issues.push({ path: ['loss', 'weighting'], message: 'weighting "static" needs at least one positive task weight; all are 0' });
  }
  return issues;
}

export function staticWeights(context: WeightingContext): number[] {
  return context.tasks.map((task) => {
    const w = context.loss.weights?.[task.name] ?? task.weight;
    if (w === undefined) throw new Error(`loss.weights: no weight for task "${task.name}"`);
    return w;
  });
}

export class StaticWeighting implements WeightingStrategy {
  readonly name = 'static';
  private readonly w: number[];
  private readonly tensor: tf.Tensor1D;

  constructor(context: WeightingContext) {
    this.w = staticWeights(context);
    this.tensor = tf.keep(tf.tensor1d(this.w));
  }

  parameters(): Parameter[] {
    return [];
  }

  combine(losses: tf.Tensor1D): tf.Scalar {
    return tf.sum(tf.mul(losses, this.tensor));
  }

  weights(): number[] {
    return [...this.w];
  }
}
