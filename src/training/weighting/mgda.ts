/**
 * MGDA (Sener & Koltun 2018): the minimum-norm point of the convex hull of the task gradients,
 * α* = argmin over the simplex of ‖Σ α_i g_i‖² = αᵀGα; the update is Σ α_i g_i, a common descent
 * direction whenever one exists. Two tasks have a closed form; more are solved on the simplex by
 * projected gradient descent on G (the paper's code uses Frank–Wolfe; both find the same minimum).
 *
 * Conventions: the raw task gradients, without normalisation (LibMTL's default `mgda_gn = 'none'`; the
 * authors' code also offers l2 and loss normalisations), and on the gradients of the shared parameters
 * themselves (not the paper's cheaper upper bound on the shared representation).
 */
import type { NoOptions } from '../config/method';
import { gramTimes, minimizeOnSimplex, quadratic, type Gramian } from '../gradients/gramian';
import { GradientMethod } from './gradientMethod';
import type { WeightingMethod } from './strategy';

export const mgda: WeightingMethod<'mgda', NoOptions> = {
  id: 'mgda',
  label: 'MGDA',
  description: 'The minimum-norm convex combination of the task gradients; K extra backward passes a step',
  paper: { authors: 'Sener & Koltun', year: 2018, title: 'Multi-Task Learning as Multi-Objective Optimization', url: 'https://arxiv.org/abs/1810.04650' },
  needs: 'shared-parameters',
  options: {},
  tests: [
    { file: 'test/unit/gradientMethods.test.ts', test: 'proof 6: the two-task closed form matches a brute-force search on the simplex' },
    { file: 'test/unit/gradientMethods.test.ts', test: 'three tasks: the simplex solver reaches the brute-force minimum norm' },
  ],
  create: (context) => new MgdaWeighting(context),
};

export class MgdaWeighting extends GradientMethod {
  readonly name = 'mgda';

  protected coefficients(gram: Gramian): number[] {
    return mgdaWeights(gram);
  }
}

/** Two tasks: α₁ = clip(((g₂ − g₁) · g₂) / ‖g₁ − g₂‖², 0, 1). */
export function mgdaTwoTasks(G: Gramian): [number, number] {
  const denom = G[0][0] + G[1][1] - 2 * G[0][1];
  if (denom <= 1e-20) return [0.5, 0.5];
  const a = Math.min(1, Math.max(0, (G[1][1] - G[0][1]) / denom));
  return [a, 1 - a];
}

export function mgdaWeights(G: Gramian): number[] {
  const K = G.length;
  if (K === 1) return [1];
  if (K === 2) return mgdaTwoTasks(G);
  return minimizeOnSimplex(
    (a) => quadratic(G, a),
    (a) => gramTimes(G, a).map((v) => 2 * v),
    new Array(K).fill(1 / K),
  );
}
