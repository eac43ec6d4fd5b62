/**
 * PCGrad (Yu et al. 2020), gradient surgery: for each task i, for each other task j in a random order,
 * if g_i^PC · g_j < 0 then g_i^PC −= (g_i^PC · g_j / ‖g_j‖²) g_j — projecting against the *original*
 * g_j — and the update is Σ_i g_i^PC. Tracked as coefficients over the original gradients, so only
 * the Gramian is needed: g_i^PC = Σ_m c_m g_m and g_i^PC · g_j = Σ_m c_m G_mj.
 *
 * Conventions: the update is the sum of the projected gradients, as the paper's algorithm states it (the
 * CAGrad authors' implementation averages them, a factor 1/K); each step's projection order is drawn from
 * (seed, step), so a resumed run projects alike.
 */
import type { NoOptions } from '../config/method';
import type { Gramian } from '../gradients/gramian';
import { rngFor } from '../random/rng';
import { GradientMethod } from './gradientMethod';
import type { StepInfo, WeightingMethod } from './strategy';

export const pcgrad: WeightingMethod<'pcgrad', NoOptions> = {
  id: 'pcgrad',
  label: 'PCGrad',
  description: 'Projects away the conflicting components of the task gradients; K extra backward passes a step',
  paper: { authors: 'Yu et al.', year: 2020, title: 'Gradient Surgery for Multi-Task Learning', url: 'https://arxiv.org/abs/2001.06782' },
  needs: 'shared-parameters',
  options: {},
  tests: [
    { file: 'test/unit/gradientMethods.test.ts', test: 'proof 5: on two conflicting vectors it removes exactly the conflicting component' },
    { file: 'test/unit/gradientMethods.test.ts', test: 'proof 5: its Gramian form equals its vector form (random vectors, K = 2…5, random orders)' },
  ],
  create: (context) => new PcGradWeighting(context),
};

/** The projection order of each step is drawn from (seed, step), so a resumed run projects alike. */
export class PcGradWeighting extends GradientMethod {
  readonly name = 'pcgrad';

  protected coefficients(gram: Gramian, info: StepInfo): number[] {
    const rng = rngFor(this.context.seed, 'pcgrad', info.step);
    return pcgradCoefficients(gram, randomOrders(gram.length, () => rng.uniform()));
  }
}

/** `order[i]` lists the tasks j ≠ i in the order task i is projected against them. */
export function pcgradCoefficients(G: Gramian, order: readonly (readonly number[])[]): number[] {
  const K = G.length;
  const beta = new Array(K).fill(0);
  for (let i = 0; i < K; i++) {
    const c = new Array(K).fill(0);
    c[i] = 1;
    for (const j of order[i]) {
      if (j === i || G[j][j] <= 0) continue;
      let d = 0;
      for (let m = 0; m < K; m++) d += c[m] * G[m][j];
      if (d < 0) c[j] -= d / G[j][j];
    }
    for (let m = 0; m < K; m++) beta[m] += c[m];
  }
  return beta;
}

/** A random projection order per task, from a uniform random source in [0, 1). */
export function randomOrders(K: number, uniform: () => number): number[][] {
  return Array.from({ length: K }, (_, i) => {
    const others = Array.from({ length: K }, (_, j) => j).filter((j) => j !== i);
    for (let a = others.length - 1; a > 0; a--) {
      const b = Math.floor(uniform() * (a + 1));
      [others[a], others[b]] = [others[b], others[a]];
    }
    return others;
  });
}
