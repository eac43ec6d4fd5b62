/**
 * GradNorm (Chen, Badrinarayanan, Lee & Rabinovich 2018): task weights that balance the tasks' gradient
 * magnitudes on the last shared layer W against how fast each task trains.
 *
 *   G_k = ‖∇_W (w_k L_k)‖ = |w_k| · ‖g_k‖,  g_k = ∇_W L_k
 *   L̃_k = L_k / L_k(0),  r_k = L̃_k / mean(L̃)      (r_k > 1: task k trains slower than the average)
 *   L_grad = Σ_k |G_k − const(mean(G) · r_k^α)|
 *
 * L_k(0) is the loss of the first step whose batch had labels for task k (a batch without any gives L_k = 0,
 * which would make r_k ≈ 10¹² ever after); until that step L̃_k = 1.
 *
 * The weights are updated from L_grad alone, in closed form (∂L_grad/∂w_k = sign(G_k − target_k)·‖g_k‖·sign(w_k),
 * no second-order autodiff), with their own learning rate, then renormalised to Σ w_k = K. A task that
 * trains slower gets a larger target gradient norm, hence a larger weight. The network trains on Σ w_k L_k.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { defaultOf } from '../config/method';
import type { Parameter } from '../models/dense';
import type { StepInfo, WeightingContext, WeightingMethod, WeightingStrategy } from './strategy';

const options = {
  gradnormAlpha: Type.Number({ minimum: 0, maximum: 10, description: 'α, how strongly a task that trains slower is pulled towards a larger gradient norm.', default: 1.5 }),
  gradnormLearningRate: Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'the learning rate of the task weights (their update is sign(G_k − target_k)·‖∇_W L_k‖).', default: 0.025 }),
};

export const gradNorm: WeightingMethod<'gradnorm', typeof options> = {
  id: 'gradnorm',
  label: 'GradNorm',
  description: 'Weights that balance the gradient norms on the last shared layer against each task\'s training rate; K extra backward passes to that layer a step',
  paper: { authors: 'Chen et al.', year: 2018, title: 'GradNorm: Gradient Normalization for Adaptive Loss Balancing in Deep Multitask Networks', url: 'https://arxiv.org/abs/1711.02257' },
  options,
  needs: 'last-shared-layer',
  newExperiment: { note: ['gradnormAlpha: how strongly a task that trains slower is pulled towards a larger gradient norm.'] },
  tests: [
    { file: 'test/unit/gradNorm.test.ts', test: 'one update follows the formula: G = |w|·‖g‖, target = mean(G)·r^α, w −= lr·sign(G − target)·‖g‖, then Σw = K' },
    { file: 'test/unit/gradNorm.test.ts', test: 'α is the exponent of the training rate: 1.5 (the default), 1 and 0 move the weights differently' },
    { file: 'test/unit/gradNorm.test.ts', test: 'L_k(0) is the loss of the first step where task k had labels, not of a step without any' },
    { file: 'test/unit/gradNorm.test.ts', test: 'proof 4: the task that trains slower gets the larger weight (equal gradient norms)' },
    { file: 'test/unit/gradNorm.test.ts', test: 'proof 4 in training: a task whose labels are noise (its loss cannot fall) ends with the larger weight' },
  ],
  create: (context) => new GradNormWeighting(context),
};
/** Weights stay positive (a weight at 0 would drop its task and make sign(w) meaningless). */
const MIN_WEIGHT = 1e-3;

/**
 * One GradNorm update of the task weights. `norms[k]` = ‖∇_W L_k‖ (unweighted loss), `losses` this step's
 * losses, `initialLosses` each task's L_k(0) (null while the task has not had labels yet). Exported for the
 * formula tests.
 */
export function gradNormStep(
  weights: readonly number[],
  norms: readonly number[],
  losses: readonly number[],
  initialLosses: readonly (number | null)[],
  alpha: number,
  learningRate: number,
): number[] {
  const K = weights.length;
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const G = weights.map((w, k) => Math.abs(w) * norms[k]);
  const trained = losses.map((l, k) => {
    const initial = initialLosses[k];
    return initial === null ? 1 : l / Math.max(initial, 1e-12);
  });
  const meanTrained = mean(trained);
  const r = trained.map((v) => (meanTrained > 0 ? v / meanTrained : 1));
  const meanG = mean(G);
  const updated = weights.map((w, k) => {
    const target = meanG * Math.pow(r[k], alpha);
    const gradient = Math.sign(G[k] - target) * norms[k] * Math.sign(w);
    return Math.max(MIN_WEIGHT, w - learningRate * gradient);
  });
  const total = updated.reduce((a, b) => a + b, 0);
  return updated.map((w) => (K * w) / total);
}

interface GradNormState {
  weights: number[];
  /** L_k(0) per task; null until the task's first labelled step. */
  initialLosses: (number | null)[];
}

export class GradNormWeighting implements WeightingStrategy {
  readonly name = 'gradnorm';
  private readonly alpha: number;
  private readonly learningRate: number;
  private state: GradNormState;

  constructor(context: WeightingContext) {
    this.alpha = context.loss.gradnormAlpha ?? defaultOf(gradNorm.options, 'gradnormAlpha');
    this.learningRate = context.loss.gradnormLearningRate ?? defaultOf(gradNorm.options, 'gradnormLearningRate');
    this.state = { weights: new Array(context.tasks.length).fill(1), initialLosses: new Array(context.tasks.length).fill(null) };
  }

  parameters(): Parameter[] {
    return [];
  }

  combine(losses: tf.Tensor1D): tf.Scalar {
    return tf.sum(tf.mul(losses, tf.tensor1d(this.state.weights)));
  }

  balanceGradientNorms(norms: number[], losses: number[], _info: StepInfo, labelled: readonly boolean[]): void {
    // L_k(0): the loss of task k's first labelled step (kept in the checkpoint, so a resumed run keeps them).
    this.state.initialLosses = this.state.initialLosses.map((initial, k) => initial ?? (labelled[k] ? losses[k] : null));
    this.state.weights = gradNormStep(this.state.weights, norms, losses, this.state.initialLosses, this.alpha, this.learningRate);
  }

  weights(): number[] {
    return [...this.state.weights];
  }

  getState(): GradNormState {
    return { weights: [...this.state.weights], initialLosses: [...this.state.initialLosses] };
  }

  setState(state: unknown): void {
    const s = state as { weights?: unknown; initialLosses?: unknown };
    if (!Array.isArray(s?.weights)) return;
    // Checkpoints written before L_k(0) was per task hold `null` (no step yet) or one number per task.
    const initial = Array.isArray(s.initialLosses) ? s.initialLosses : s.weights.map(() => null);
    this.state = { weights: s.weights.map(Number), initialLosses: initial.map((v) => (v === null ? null : Number(v))) };
  }
}
