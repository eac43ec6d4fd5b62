/**
 * IMTL-G (Liu et al. 2021) against its defining property and an independent solve: the direction
 * d = Σ α_k g_k with Σ α_k = 1 has the same projection on every task's unit gradient.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { combine, dot, gramOf } from '../../src/training/gradients/gramian';
import { imtlGCoefficients } from '../../src/training/weighting/imtlG';
import { normals } from '../helpers/engine';

const unit = (v: readonly number[]) => v.map((x) => x / Math.sqrt(dot(v, v)));

/** det of a 3×3 matrix, written out. */
const det3 = (m: number[][]) =>
  m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);

describe('IMTL-G (Liu et al. 2021)', () => {
  it('its direction has the same projection on every task\'s unit gradient (K = 2…5)', () => {
    let seed = 2100;
    for (let K = 2; K <= 5; K++) {
      for (let trial = 0; trial < 20; trial++) {
        const g = Array.from({ length: K }, () => normals(6, seed++));
        const alpha = imtlGCoefficients(gramOf(g));
        assert.ok(Math.abs(alpha.reduce((a, b) => a + b, 0) - 1) < 1e-9, `K=${K}: Σα = 1`);
        const d = combine(alpha, g);
        const projections = g.map((gk) => dot(d, unit(gk)));
        projections.forEach((p) => assert.ok(Math.abs(p - projections[0]) < 1e-9 * Math.max(1, Math.abs(projections[0])), `K=${K} trial ${trial}: ${projections}`));
      }
    }
  });

  it('agrees with an independent solve of Σα = 1, dᵀ(u_1 − u_k) = 0 (Cramer\'s rule, K = 3)', () => {
    let seed = 2500;
    for (let trial = 0; trial < 20; trial++) {
      const g = [normals(5, seed++), normals(5, seed++), normals(5, seed++)];
      const u = g.map(unit);
      // Rows: Σ α_i = 1; Σ α_i g_i·(u_1 − u_2) = 0; Σ α_i g_i·(u_1 − u_3) = 0.
      const rows = [
        [1, 1, 1],
        g.map((gi) => dot(gi, u[0]) - dot(gi, u[1])),
        g.map((gi) => dot(gi, u[0]) - dot(gi, u[2])),
      ];
      const rhs = [1, 0, 0];
      const whole = det3(rows);
      const expected = [0, 1, 2].map((col) => det3(rows.map((row, r) => row.map((v, c) => (c === col ? rhs[r] : v)))) / whole);
      const alpha = imtlGCoefficients(gramOf(g));
      alpha.forEach((a, k) => assert.ok(Math.abs(a - expected[k]) < 1e-9 * Math.max(1, Math.abs(expected[k])), `trial ${trial}: ${alpha} vs ${expected}`));
    }
  });

  it('two orthogonal gradients of norms 1 and 2: α = (2/3, 1/3) by hand', () => {
    // d = (α, 2(1 − α)); its projections on u_1 = (1, 0) and u_2 = (0, 1) are α and 2(1 − α): equal at α = 2/3.
    const alpha = imtlGCoefficients(gramOf([[1, 0], [0, 2]]));
    assert.ok(Math.abs(alpha[0] - 2 / 3) < 1e-12 && Math.abs(alpha[1] - 1 / 3) < 1e-12, String(alpha));
  });

  it('where the closed form is undefined (a zero gradient, equal gradients) it takes the mean gradient', () => {
    assert.deepEqual(imtlGCoefficients(gramOf([[1, 2], [0, 0]])), [0.5, 0.5]);
    assert.deepEqual(imtlGCoefficients(gramOf([[1, 2], [1, 2], [3, -1]])), [1 / 3, 1 / 3, 1 / 3]);
    assert.deepEqual(imtlGCoefficients([[4]]), [1]);
  });
});
