/**
 * Random loss weighting (RLW, Lin et al. 2022): λ = softmax(z), z ~ N(0, I) drawn fresh every step.
 * As in LibMTL the weights sum to 1. Draws come from (seed, step), so a resumed run draws the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NoOptions } from '../config/method';
import type { Parameter } from '../models/dense';
import { rngFor } from '../random/rng';
import { softmaxOf } from './softmax';
import type { StepInfo, WeightingContext, WeightingMethod, WeightingStrategy } from './strategy';

export const randomLoss: WeightingMethod<'rlw', NoOptions> = {
  id: 'rlw',
  label: 'Random loss weighting',
  description: 'Random weights softmax(z), z ~ N(0, I), drawn every step',
  paper: { authors: 'Lin et al.', year: 2022, title: 'Reasonable Effectiveness of Random Weighting: A Litmus Test for Multi-Task Learning', url: 'https://arxiv.org/abs/2111.10603' },
  options: {},
  tests: [{ file: 'test/unit/weighting.test.ts', test: 'RLW draws softmax(N(0,1)) weights summing to 1, fresh each step and reproducible by step' }],
  create: (context) => new RandomLossWeighting(context),
};

export class RandomLossWeighting implements WeightingStrategy {
  readonly name = 'rlw';
  private current: number[];

  constructor(private readonly context: WeightingContext) {
    this.current = new Array(context.tasks.length).fill(1 / context.tasks.length);
  }

  parameters(): Parameter[] {
    return [];
  }

  beforeStep(info: StepInfo): void {
    const rng = rngFor(this.context.seed, 'rlw', info.step);
    this.current = softmaxOf(this.context.tasks.map(() => rng.normal()));
  }

  combine(losses: tf.Tensor1D): tf.Scalar {
    return tf.sum(tf.mul(losses, tf.tensor1d(this.current)));
  }

  weights(): number[] {
    return [...this.current];
  }
}
