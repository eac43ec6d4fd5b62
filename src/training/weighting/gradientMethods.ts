/**
 * Gradient methods as weighting strategies: the objective is Σ_k L_k, and the shared parameters are
 * updated along Σ β_k g_k with β chosen on the Gramian of the per-task gradients
 * (src/training/gradients/). The reported weight of task k is β_k.
 */
import * as tf from '@tensorflow/tfjs-core';
import { cagradCoefficients, DEFAULT_CAGRAD_ALPHA } from '../gradients/cagrad';
import { mgdaWeights } from '../gradients/mgda';
import { pcgradCoefficients, randomOrders } from '../gradients/pcgrad';
import type { Parameter } from '../models/dense';
import { rngFor } from '../random/rng';
import type { StepInfo, WeightingContext, WeightingStrategy } from './strategy';

abstract class GradientMethod implements WeightingStrategy {
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

  shareGradients(gram: number[][], info: StepInfo): number[] {
    this.beta = this.coefficients(gram, info);
    return this.beta;
  }

  protected abstract coefficients(gram: number[][], info: StepInfo): number[];

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

/** PCGrad (Yu et al. 2020): project away conflicting components, in a random order drawn from (seed, step). */
export class PcGradWeighting extends GradientMethod {
  readonly name = 'pcgrad';

  protected coefficients(gram: number[][], info: StepInfo): number[] {
    const rng = rngFor(this.context.seed, 'pcgrad', info.step);
    return pcgradCoefficients(gram, randomOrders(gram.length, () => rng.uniform()));
  }
}

/** MGDA (Sener & Koltun 2018): the minimum-norm convex combination of the task gradients. */
export class MgdaWeighting extends GradientMethod {
  readonly name = 'mgda';

  protected coefficients(gram: number[][]): number[] {
    return mgdaWeights(gram);
  }
}

/** CAGrad (Liu et al. 2021): the best worst-case improvement within a ball around the mean gradient. */
export class CaGradWeighting extends GradientMethod {
  readonly name = 'cagrad';

  protected coefficients(gram: number[][]): number[] {
    return cagradCoefficients(gram, this.context.loss.cagradAlpha ?? DEFAULT_CAGRAD_ALPHA);
  }
}
