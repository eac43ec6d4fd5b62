/**
 * What the gradient methods (PCGrad, MGDA, CAGrad, …; one file each) share as weighting strategies: the
 * objective is Σ_k L_k, and the shared parameters are updated along d = Σ β_k g_k, with β chosen on the
 * K×K Gramian G_ij = g_i · g_j of the per-task gradients of the shared parameters (src/training/gradients/
 * has the Gramian helpers). The reported weight of task k is β_k. Task-specific parameters get the gradient
 * of Σ L_k, as in LibMTL.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Gramian } from '../gradients/gramian';
import type { Parameter } from '../models/dense';
import type { StepInfo, WeightingContext, WeightingStrategy } from './strategy';

export abstract class GradientMethod implements WeightingStrategy {
  abstract readonly name: string;
  protected beta: number[];

  constructor(protected readonly context: WeightingContext) {
    this.beta = new Array(context.tasks.length).fill(1);
  }

  parameters(): Parameter[] {
    return [];
  }

  combine(losses: tf.Tensor1D): tf.Scalar {
    return tf.sum(losses);
  }

  shareGradients(gram: Gramian, info: StepInfo): number[] {
    this.beta = this.coefficients(gram, info);
    return this.beta;
  }

  /** β of the shared update d = Σ β_k g_k, from the Gramian of this step's per-task gradients. */
  protected abstract coefficients(gram: Gramian, info: StepInfo): number[];

  weights(): number[] {
    return [...this.beta];
  }

  getState(): number[] {
    return [...this.beta];
  }

  setState(state: unknown): void {
    if (Array.isArray(state)) this.beta = state.map(Number);
  }
}
