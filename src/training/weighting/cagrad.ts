/**
 * CAGrad (Liu et al. 2021), conflict-averse gradient descent, as the paper and its authors' code state it:
 *   g₀ = mean g_i,  c = calpha · ‖g₀‖,
 *   w* = argmin over the simplex of wᵀ G b + c · √(wᵀ G w)   (b = 1/K, so wᵀGb = g_w · g₀),
 *   d = g₀ + (c / ‖g_w‖) · g_w  with g_w = Σ w_i g_i,  then d / (1 + calpha²) (the authors' and LibMTL's
 *   default rescaling).
 * It maximises the worst local improvement within a ball around g₀, so it moves towards the Pareto
 * front where plain averaging stalls. λ = c / ‖g_w‖ uses the exact norm (0 when g_w = 0), so the step does
 * not depend on the gradients' scale; the inner solver smooths √(wᵀGw) by 1e-12 of the largest ‖g_i‖²,
 * relative for the same reason. All of it on the K×K Gramian, in plain JS.
 */
import { Type } from '@sinclair/typebox';
import { defaultOf } from '../config/method';
import { gramTimes, minimizeOnSimplex, quadratic, type Gramian } from '../gradients/gramian';
import { GradientMethod } from './gradientMethod';
import type { WeightingMethod } from './strategy';

const options = {
  cagradAlpha: Type.Number({ minimum: 0, maximum: 10, description: 'c, the radius of the ball around the mean gradient, relative to its norm.', default: 0.5 }),
};

export const cagrad: WeightingMethod<'cagrad', typeof options> = {
  id: 'cagrad',
  label: 'CAGrad',
  description: 'The best worst-case improvement within a ball around the mean gradient; K extra backward passes a step',
  paper: { authors: 'Liu et al.', year: 2021, title: 'Conflict-Averse Gradient Descent for Multi-task Learning', url: 'https://arxiv.org/abs/2110.14048' },
  needs: 'shared-parameters',
  options,
  newExperiment: { note: ['cagradAlpha: the radius of the ball around the mean gradient, relative to its norm.'] },
  tests: [
    { file: 'test/unit/gradientMethods.test.ts', test: 'solves its inner problem: no simplex point does better (grid check)' },
    { file: 'test/unit/gradientMethods.test.ts', test: 'its direction is g₀ + (c/‖g_w‖)·g_w over 1 + calpha², with w from a brute-force search (vectors, two tasks)' },
    { file: 'test/unit/gradientMethods.test.ts', test: 'its step does not depend on the gradients\' scale (‖g‖ ≈ 1, 1e-2, 1e-4, 1e-6), as the formula says' },
    { file: 'test/unit/gradientMethods.test.ts', test: 'proof 7: from the published starting points CAGrad reaches the Pareto front (x₂ ≈ −8.36), where averaging stalls' },
  ],
  create: (context) => new CaGradWeighting(context),
};

export class CaGradWeighting extends GradientMethod {
  readonly name = 'cagrad';

  protected coefficients(gram: Gramian): number[] {
    return cagradCoefficients(gram, this.context.loss.cagradAlpha ?? defaultOf(cagrad.options, 'cagradAlpha'));
  }
}

/** ‖g_w‖ plus a smoothing far below every gradient's squared norm (so the solver's gradient exists at g_w = 0). */
function smoothNorm(G: Gramian, w: readonly number[], smoothing: number): number {
  return Math.sqrt(Math.max(quadratic(G, w), 0) + smoothing);
}

function objective(G: Gramian, Gb: number[], c: number, w: readonly number[], smoothing: number): number {
  let lin = 0;
  for (let i = 0; i < w.length; i++) lin += w[i] * Gb[i];
  return lin + c * smoothNorm(G, w, smoothing);
}

/** The inner problem (convex: a linear term plus a norm), solved on the simplex. */
export function cagradInnerWeights(G: Gramian, c: number): number[] {
  const K = G.length;
  const b = new Array(K).fill(1 / K);
  const Gb = gramTimes(G, b);
  const smoothing = 1e-12 * Math.max(0, ...G.map((row, i) => row[i]));
  if (K === 2) {
    // One free variable: golden-section search on the convex 1-D restriction (fast in tight loops).
    const f = (a: number) => objective(G, Gb, c, [a, 1 - a], smoothing);
    let lo = 0;
    let hi = 1;
    const r = (Math.sqrt(5) - 1) / 2;
    let x1 = hi - r * (hi - lo);
    let x2 = lo + r * (hi - lo);
    let f1 = f(x1);
    let f2 = f(x2);
    for (let i = 0; i < 80 && hi - lo > 1e-12; i++) {
      if (f1 <= f2) {
        hi = x2;
        x2 = x1;
        f2 = f1;
        x1 = hi - r * (hi - lo);
        f1 = f(x1);
      } else {
        lo = x1;
        x1 = x2;
        f1 = f2;
        x2 = lo + r * (hi - lo);
        f2 = f(x2);
      }
    }
    const a = [0, (lo + hi) / 2, 1].reduce((best, x) => (f(x) < f(best) ? x : best), 0.5);
    return [a, 1 - a];
  }
  const gradient = (w: number[]) => {
    const Gw = gramTimes(G, w);
    const norm = smoothNorm(G, w, smoothing);
    return Gb.map((v, i) => v + (norm > 0 ? (c * Gw[i]) / norm : 0));
  };
  return minimizeOnSimplex((w) => objective(G, Gb, c, w, smoothing), gradient, b);
}

/** Coefficients β of d = Σ β_j g_j. `rescale` divides by 1 + calpha² (LibMTL's default). */
export function cagradCoefficients(G: Gramian, calpha: number, rescale = true): number[] {
  const K = G.length;
  const b = new Array(K).fill(1 / K);
  const c = calpha * Math.sqrt(Math.max(quadratic(G, b), 0));
  const w = cagradInnerWeights(G, c);
  const gwNorm = Math.sqrt(Math.max(quadratic(G, w), 0));
  const lambda = gwNorm > 0 ? c / gwNorm : 0;
  const beta = b.map((bi, i) => bi + lambda * w[i]);
  return rescale ? beta.map((x) => x / (1 + calpha * calpha)) : beta;
}
