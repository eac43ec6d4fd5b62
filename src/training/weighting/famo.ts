/**
 * FAMO (Liu et al. 2023, "FAMO: Fast Adaptive Multitask Optimization"): task weights that decrease the task
 * losses at a balanced rate, without per-task gradients. With logits ξ, z = softmax(ξ) and ε = 1e-8:
 *
 *   the model minimises   Σ_k z_k log(L_k + ε) / c,   c = Σ_k z_k / (L_k + ε)   (c a constant, no gradient),
 *   so the shared parameters move along Σ_k (z_k / (c (L_k + ε))) ∇L_k;
 *   after the update, on the same batch:   δ_k = log(L_k + ε) − log(L_k⁺ + ε)   (how much task k improved),
 *   and ξ takes one Adam step (lr 0.025, L2 weight decay γ) along (∂z/∂ξ)ᵀ δ = z ⊙ (δ − zᵀδ).
 *
 * A task that improved more than the z-weighted average loses weight. As the authors' code: the losses
 * after the update come from one more forward pass on the same batch (here with the same dropout masks),
 * and their minimum losses are 0. The authors' default γ is 0.01 and their runs use 0.001 (QM9) or 0.01
 * (CelebA); this default is 0.001. The authors also clip the shared gradient's norm at 1; here
 * `optimizer.clipNorm` does that for every method. The reported weight of task k is z_k.
 *
 * Checkpoints hold ξ and its Adam state, so a resumed run continues the same weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { defaultOf } from '../config/method';
import { createOptimizer, type Optimizer } from '../engine/optimizers';
import type { Parameter } from '../models/dense';
import { softmaxOf } from './softmax';
import type { WeightingContext, WeightingMethod, WeightingStrategy } from './strategy';

const options = {
  famoLearningRate: Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'the learning rate of the task logits ξ (Adam).', default: 0.025 }),
  famoWeightDecay: Type.Number({ minimum: 0, maximum: 1, description: 'γ, the L2 weight decay of the task logits, which pulls the weights back towards equal.', default: 0.001 }),
};

export const famo: WeightingMethod<'famo', typeof options> = {
  id: 'famo',
  label: 'FAMO',
  description: 'Weights that decrease the task losses at a balanced rate, from how much each loss fell in the last step; no per-task gradients',
  paper: { authors: 'Liu et al.', year: 2023, title: 'FAMO: Fast Adaptive Multitask Optimization', url: 'https://arxiv.org/abs/2306.03792' },
  options,
  newExperiment: { note: ['famoLearningRate and famoWeightDecay (γ) drive the task logits; one more forward pass a step.'] },
  tests: [
    { file: 'test/unit/famo.test.ts', test: 'the model\'s objective weighs ∇L_k by z_k / (c (L_k + ε))' },
    { file: 'test/unit/famo.test.ts', test: 'one step of the logit update, computed by hand' },
  ],
  create: (context) => new FamoWeighting(context),
};

const EPSILON = 1e-8;

interface FamoState {
  logits: number[];
  /** The logits' Adam moments and step count. */
  m: number[];
  v: number[];
  steps: number;
}

export class FamoWeighting implements WeightingStrategy {
  readonly name = 'famo';
  /** ξ: trained by its own Adam (below), not by the model's optimiser, so not in `parameters()`. */
  private readonly logits: tf.Variable;
  private readonly parameter: Parameter;
  private readonly optimizer: Optimizer;
  private current: number[];

  constructor(context: WeightingContext) {
    const k = context.tasks.length;
    this.logits = tf.variable(tf.zeros([k]), true);
    this.parameter = { name: 'weighting/famo/logits', variable: this.logits, decay: true };
    this.optimizer = createOptimizer(
      [this.parameter],
      {
        name: 'adam',
        learningRate: context.loss.famoLearningRate ?? defaultOf(options, 'famoLearningRate'),
        weightDecay: context.loss.famoWeightDecay ?? defaultOf(options, 'famoWeightDecay'),
        clipNorm: null,
      },
      { fused: false },
    );
    this.current = new Array(k).fill(1 / k);
  }

  parameters(): Parameter[] {
    return [];
  }

  combine(losses: tf.Tensor1D): tf.Scalar {
    const z = this.current;
    const c = Array.from(losses.dataSync()).reduce((sum, l, k) => sum + z[k] / (l + EPSILON), 0);
    return tf.div(tf.sum(tf.mul(tf.log(tf.add(losses, EPSILON)), tf.tensor1d(z))), c);
  }

  afterUpdate(before: number[], after: number[]): void {
    if (!after.every(Number.isFinite)) return;
    const z = this.current;
    const improvement = before.map((l, k) => Math.log(l + EPSILON) - Math.log(after[k] + EPSILON));
    const mean = improvement.reduce((sum, d, k) => sum + z[k] * d, 0);
    const gradient = tf.tensor1d(z.map((zk, k) => zk * (improvement[k] - mean)));
    this.optimizer.apply({ [this.logits.name]: gradient });
    gradient.dispose();
    this.current = softmaxOf(Array.from(this.logits.dataSync()));
  }

  weights(): number[] {
    return [...this.current];
  }

  getState(): FamoState {
    const slot = (name: string) => Array.from(this.optimizer.slots().get(`${this.parameter.name}/${name}`)!.dataSync());
    return { logits: Array.from(this.logits.dataSync()), m: slot('m'), v: slot('v'), steps: this.optimizer.iterations };
  }

  setState(state: unknown): void {
    const s = state as FamoState;
    this.logits.assign(tf.tensor1d(s.logits));
    this.optimizer.slots().get(`${this.parameter.name}/m`)!.assign(tf.tensor1d(s.m));
    this.optimizer.slots().get(`${this.parameter.name}/v`)!.assign(tf.tensor1d(s.v));
    this.optimizer.iterations = s.steps;
    this.current = softmaxOf(s.logits);
  }
}
