/**
 * Dynamic Weight Average (Liu, Johns & Davison 2019).
 * With L̄_k(t) the mean training loss of task k over window t (an epoch, or N steps):
 * r_k = L̄_k(t−1) / L̄_k(t−2), λ_k = K·exp(r_k / T) / Σ_i exp(r_i / T); λ = 1 for the first two windows.
 * The task whose loss falls faster (smaller r_k) gets the smaller weight. Convention: r_k = 1 when
 * L̄_k(t−2) = 0 (no labels in that window, or an exactly fitted task), where the paper's ratio is undefined.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { defaultOf } from '../config/method';
import type { Parameter } from '../models/dense';
import type { StepInfo, WeightingContext, WeightingMethod, WeightingStrategy } from './strategy';

const options = {
  temperature: Type.Number({ exclusiveMinimum: 0, description: 'temperature T.', default: 2 }),
  window: Type.Union([Type.Literal('epoch'), Type.Integer({ minimum: 1 })], { description: 'average losses per epoch ("epoch") or over windows of N steps.', default: 'epoch' }),
};

export const dynamicWeightAverage: WeightingMethod<'dwa', typeof options> = {
  id: 'dwa',
  label: 'Dynamic weight average',
  description: 'Weights from each task\'s rate of loss decrease; the faster-falling task gets the smaller weight',
  paper: { authors: 'Liu et al.', year: 2019, title: 'End-to-End Multi-Task Learning with Attention', url: 'https://arxiv.org/abs/1803.10704' },
  options,
  tests: [
    { file: 'test/unit/weighting.test.ts', test: 'proof 3: λ = 1 for every task when all loss ratios are equal' },
    { file: 'test/unit/weighting.test.ts', test: 'proof 3: the faster-falling task gets the smaller weight; Σλ = K; T = 2' },
    { file: 'test/unit/weighting.test.ts', test: 'a window whose mean loss is 0 (no labels in it, or exactly fitted) gives the neutral ratio r = 1, never NaN' },
  ],
  create: (context) => new DynamicWeightAverage(context),
};

/**
 * λ from the two previous window means. Exported for the formula tests.
 *
 * A window mean of 0 in the denominator (no labels for the task in that window, or a task fitted exactly)
 * says nothing about how fast the task trains: its ratio is the neutral r = 1, the ratio of a task whose loss
 * did not change (the published formula divides by 0 there, and a NaN weight would poison every later step).
 */
export function dwaWeights(previous: readonly number[], beforePrevious: readonly number[], temperature: number): number[] {
  const K = previous.length;
  const r = previous.map((l, k) => (beforePrevious[k] > 0 ? l / beforePrevious[k] : 1));
  const m = Math.max(...r.map((v) => v / temperature));
  const e = r.map((v) => Math.exp(v / temperature - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => (K * v) / s);
}

interface DwaState {
  window: number;
  sums: number[];
  counts: number;
  history: number[][];
  lambda: number[];
}

export class DynamicWeightAverage implements WeightingStrategy {
  readonly name = 'dwa';
  private readonly k: number;
  private readonly temperature: number;
  private readonly windowSteps: number | 'epoch';
  private state: DwaState;

  constructor(context: WeightingContext) {
    this.k = context.tasks.length;
    this.temperature = context.loss.temperature ?? defaultOf(dynamicWeightAverage.options, 'temperature');
    this.windowSteps = context.loss.window ?? defaultOf(dynamicWeightAverage.options, 'window');
    this.state = { window: 0, sums: new Array(this.k).fill(0), counts: 0, history: [], lambda: new Array(this.k).fill(1) };
  }

  parameters(): Parameter[] {
    return [];
  }

  private windowOf(info: StepInfo): number {
    return this.windowSteps === 'epoch' ? info.epoch : Math.floor((info.step - 1) / this.windowSteps);
  }

  beforeStep(info: StepInfo): void {
    const w = this.windowOf(info);
    const s = this.state;
    if (w === s.window) return;
    if (s.counts > 0) {
      s.history.push(s.sums.map((v) => v / s.counts));
      if (s.history.length > 2) s.history.shift();
    }
    s.window = w;
    s.sums = new Array(this.k).fill(0);
    s.counts = 0;
    if (s.history.length === 2) s.lambda = dwaWeights(s.history[1], s.history[0], this.temperature);
  }

  combine(losses: tf.Tensor1D): tf.Scalar {
    return tf.sum(tf.mul(losses, tf.tensor1d(this.state.lambda)));
  }

  afterStep(losses: number[]): void {
    losses.forEach((l, k) => (this.state.sums[k] += l));
    this.state.counts += 1;
  }

  weights(): number[] {
    return [...this.state.lambda];
  }

  getState(): DwaState {
    return JSON.parse(JSON.stringify(this.state));
  }

  setState(state: unknown): void {
    this.state = JSON.parse(JSON.stringify(state)) as DwaState;
  }
}
