/** Equal weighting: L = Σ_i L_i (every weight 1). The baseline every other weighting is compared with. */
import * as tf from '@tensorflow/tfjs-core';
import type { NoOptions } from '../config/method';
import type { Parameter } from '../models/dense';
import type { WeightingContext, WeightingMethod, WeightingStrategy } from './strategy';

export const equal: WeightingMethod<'equal', NoOptions> = {
  id: 'equal',
  label: 'Equal',
  description: 'Σ L_i, every task weighted 1',
  options: {},
  tests: [{ file: 'test/unit/weighting.test.ts', test: 'equal is the plain sum with weights 1' }],
  create: (context) => new EqualWeighting(context),
};

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
