/**
 * Uncertainty weighting (Kendall, Gal & Cipolla 2018) as LibMTL implements it:
 * s_i = log σ_i², initialised −0.5 and trained by the same optimiser;
 * L = Σ_i [ L_i / (2·e^{s_i}) + s_i / 2 ]; the reported weight of task i is 1 / (2·e^{s_i}).
 * At equilibrium e^{s_i} = L_i: scale-invariant, and it cannot collapse.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NoOptions } from '../config/method';
import type { Parameter } from '../models/dense';
import type { WeightingContext, WeightingMethod, WeightingStrategy } from './strategy';

export const uncertainty: WeightingMethod<'uncertainty', NoOptions> = {
  id: 'uncertainty',
  label: 'Uncertainty',
  description: 'Weights from each task\'s learned homoscedastic uncertainty; scale-invariant',
  paper: { authors: 'Kendall et al.', year: 2018, title: 'Multi-Task Learning Using Uncertainty to Weigh Losses for Scene Geometry and Semantics', url: 'https://arxiv.org/abs/1705.07115' },
  options: {},
  tests: [
    { file: 'test/unit/weighting.test.ts', test: 'objective and reported weights follow the formula' },
    { file: 'test/unit/weighting.test.ts', test: 'proof 2: recovers the noise of y1 = 2x + 8 + 10ε and y2 = 3x + 3 + ε (N = 100) as σ ≈ (10, 1)' },
  ],
  create: (context) => new UncertaintyWeighting(context),
};

export const INITIAL_LOG_VARIANCE = -0.5;

export class UncertaintyWeighting implements WeightingStrategy {
  readonly name = 'uncertainty';
  readonly logVariance: tf.Variable;
  private current: number[];

  constructor(context: WeightingContext) {
    const k = context.tasks.length;
    this.logVariance = tf.variable(tf.fill([k], INITIAL_LOG_VARIANCE), true);
    this.current = new Array(k).fill(1 / (2 * Math.exp(INITIAL_LOG_VARIANCE)));
  }

  parameters(): Parameter[] {
    return [{ name: 'weighting/uncertainty/logVariance', variable: this.logVariance, decay: false }];
  }

  combine(losses: tf.Tensor1D): tf.Scalar {
    const s = this.logVariance as tf.Tensor1D;
    return tf.sum(tf.add(tf.div(losses, tf.mul(tf.exp(s), 2)), tf.div(s, 2)));
  }

  afterStep(): void {
    this.current = Array.from(this.logVariance.dataSync(), (s) => 1 / (2 * Math.exp(s)));
  }

  /** σ_i = √(e^{s_i}): the noise scale each task's loss is read as. */
  sigmas(): number[] {
    return Array.from(this.logVariance.dataSync(), (s) => Math.sqrt(Math.exp(s)));
  }

  weights(): number[] {
    return [...this.current];
  }

  setState(): void {
    this.afterStep();
  }

  getState(): null {
    return null;
  }
}
