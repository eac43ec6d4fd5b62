/**
 * IMTL-G (Liu et al. 2021, "Towards Impartial Multi-task Learning"), the gradient part of IMTL, as LibMTL's
 * IMTL computes it: the update d = Σ_k α_k g_k, Σ_k α_k = 1, whose projection on every task's unit gradient
 * u_k = g_k / ‖g_k‖ is the same (dᵀu_1 = dᵀu_k for every k), so no task is favoured by the direction.
 * Closed form, with D the rows g_1 − g_k and U the rows u_1 − u_k (k = 2…K):
 *
 *   α_{2…K} = g_1 Uᵀ (D Uᵀ)⁻¹,   α_1 = 1 − Σ_{k≥2} α_k.
 *
 * On the Gramian, g_i · u_j = G_ij / √G_jj, so the (K−1)×(K−1) system is solved in plain JS (Gaussian
 * elimination with partial pivoting). Convention where the closed form is undefined — a task whose gradient
 * is 0 (no unit vector) or a singular D Uᵀ (e.g. two equal gradients, when every α satisfies the condition) —
 * α = 1/K, the mean gradient. α may be negative: the paper does not clip it, nor does this.
 */
import type { NoOptions } from '../config/method';
import type { Gramian } from '../gradients/gramian';
import { GradientMethod } from './gradientMethod';
import type { WeightingMethod } from './strategy';

export const imtlG: WeightingMethod<'imtl-g', NoOptions> = {
  id: 'imtl-g',
  label: 'IMTL-G',
  description: 'The combination of the task gradients with equal projections on every task\'s unit gradient; K extra backward passes a step',
  paper: { authors: 'Liu et al.', year: 2021, title: 'Towards Impartial Multi-task Learning', url: 'https://openreview.net/forum?id=IMPnRXEWpvr' },
  needs: 'shared-parameters',
  options: {},
  tests: [
    { file: 'test/unit/imtlG.test.ts', test: 'its direction has the same projection on every task\'s unit gradient (K = 2…5)' },
    { file: 'test/unit/imtlG.test.ts', test: 'agrees with an independent solve of Σα = 1, dᵀ(u_1 − u_k) = 0 (Cramer\'s rule, K = 3)' },
    { file: 'test/unit/imtlG.test.ts', test: 'two orthogonal gradients of norms 1 and 2: α = (2/3, 1/3) by hand' },
  ],
  create: (context) => new ImtlGWeighting(context),
};

export class ImtlGWeighting extends GradientMethod {
  readonly name = 'imtl-g';

  protected coefficients(gram: Gramian): number[] {
    return imtlGCoefficients(gram);
  }
}

/** α of d = Σ α_k g_k. Exported for the formula tests. */
export function imtlGCoefficients(G: Gramian): number[] {
  const K = G.length;
  const uniform = new Array(K).fill(1 / K);
  const norms = G.map((row, i) => Math.sqrt(Math.max(row[i], 0)));
  if (K === 1) return [1];
  if (norms.some((n) => n === 0)) return uniform;
  // g_i · (u_1 − u_j), for the rows of g_1 Uᵀ and D Uᵀ.
  const along = (i: number, j: number) => G[i][0] / norms[0] - G[i][j] / norms[j];
  const tasks = Array.from({ length: K - 1 }, (_, k) => k + 1);
  // a (D Uᵀ) = g_1 Uᵀ for the row a = α_{2…K}: solve (D Uᵀ)ᵀ aᵀ = (g_1 Uᵀ)ᵀ, entry (j, i) = (g_1 − g_i)·(u_1 − u_j).
  const system = tasks.map((j) => tasks.map((i) => along(0, j) - along(i, j)));
  const rest = solveLinear(system, tasks.map((j) => along(0, j)));
  if (!rest) return uniform;
  return [1 - rest.reduce((a, b) => a + b, 0), ...rest];
}

/** x with A x = b by Gaussian elimination with partial pivoting; undefined when A is singular (to working precision). */
function solveLinear(A: readonly (readonly number[])[], b: readonly number[]): number[] | undefined {
  const n = b.length;
  const m = A.map((row, i) => [...row, b[i]]);
  const scale = Math.max(...A.flat().map(Math.abs));
  if (!(scale > 0)) return undefined;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (Math.abs(m[pivot][col]) <= 1e-12 * scale) return undefined;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c];
    }
  }
  const x = m.map((row, i) => row[n] / row[i]);
  return x.every(Number.isFinite) ? x : undefined;
}
