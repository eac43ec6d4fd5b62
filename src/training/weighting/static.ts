/** Static weighting: L = Σ_i w_i L_i with user weights (`loss.weights` by task name, else `tasks[].weight`). */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../models/dense';
import type { WeightingContext, WeightingStrategy } from './strategy';

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
