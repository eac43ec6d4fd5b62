/** Equal weighting: L = Σ_i L_i (every weight 1). */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from '../models/dense';
import type { WeightingContext, WeightingStrategy } from './strategy';

export class EqualWeighting implements WeightingStrategy {
  readonly name = 'equal';
  private readonly k: number;

  constructor(context: WeightingContext) {
    this.k = context.tasks.length;
  }

  parameters(): Parameter[] {
    return [];
  }

  combine(losses: tf.Tensor1D): tf.Scalar {
    return tf.sum(losses);
  }

  weights(): number[] {
    return new Array(this.k).fill(1);
  }
}
