/**
 * Gradient-combination methods against docs/methods.md: PCGrad (proof 5), MGDA (proof 6) and CAGrad on the
 * 2-D toy problem of the CAGrad / Nash-MTL papers (proof 7). Pure math on the Gramian.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cagradCoefficients, cagradInnerWeights } from '../../src/training/weighting/cagrad';
import { combine, cosineFromGram, dot, gramOf, projectToSimplex, quadratic } from '../../src/training/gradients/gramian';
import { mgdaTwoTasks, mgdaWeights } from '../../src/training/weighting/mgda';
import { pcgradCoefficients, randomOrders } from '../../src/training/weighting/pcgrad';
import { normals } from '../helpers/engine';

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

/** PCGrad written directly on vectors, as the paper states it. */
function pcgradVectors(g: number[][], order: number[][]): number[] {
  const out = new Array(g[0].length).fill(0);
  g.forEach((gi, i) => {
    let pc = [...gi];
    for (const j of order[i]) {
      const d = dot(pc, g[j]);
      if (d < 0) pc = pc.map((v, k) => v - (d / dot(g[j], g[j])) * g[j][k]);
    }
    pc.forEach((v, k) => (out[k] += v));
  });
  return out;
}

describe('PCGrad', () => {
  it('proof 5: on two conflicting vectors it removes exactly the conflicting component', () => {
    const g1 = [1, 0];
    const g2 = [-1, 1];
    const beta = pcgradCoefficients(gramOf([g1, g2]), [[1], [0]]);
    const d = combine(beta, [g1, g2]);
    // g1^PC = g1 − (g1·g2/‖g2‖²) g2 = (0.5, 0.5) ⟂ g2;  g2^PC = g2 − (g2·g1/‖g1‖²) g1 = (0, 1) ⟂ g1.
    assert.deepEqual(d.map((v) => Number(v.toFixed(12))), [0.5, 1.5]);
    // What the method kept of g1: d minus g2^PC (g2 without its component along g1, written out here).
    const g2pc = g2.map((v, k) => v - (dot(g2, g1) / dot(g1, g1)) * g1[k]);
    const g1pc = d.map((v, k) => v - g2pc[k]);
    assert.ok(Math.abs(dot(g1pc, g2)) < 1e-12, `g1^PC = ${g1pc} is orthogonal to g2`);
    assert.deepEqual(g1pc.map((v) => Number(v.toFixed(12))), [0.5, 0.5], 'and is g1 minus exactly its component along g2');
    // Non-conflicting gradients pass through unchanged.
    assert.deepEqual(pcgradCoefficients(gramOf([[1, 0], [1, 1]]), [[1], [0]]), [1, 1]);
  });

  it('proof 5: its Gramian form equals its vector form (random vectors, K = 2…5, random orders)', () => {
    let seed = 100;
    for (let K = 2; K <= 5; K++) {
      for (let trial = 0; trial < 20; trial++) {
        const g = Array.from({ length: K }, () => normals(7, seed++));
        let s = seed++;
        const order = randomOrders(K, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296));
        const fromGram = combine(pcgradCoefficients(gramOf(g), order), g);
        const fromVectors = pcgradVectors(g, order);
        fromGram.forEach((v, k) => assert.ok(close(v, fromVectors[k], 1e-9), `K=${K} trial ${trial}`));
      }
    }
  });
});

describe('MGDA', () => {
  it('proof 6: the two-task closed form matches a brute-force search on the simplex', () => {
    let seed = 7;
    for (let trial = 0; trial < 50; trial++) {
      const g = [normals(5, seed++), normals(5, seed++)];
      const G = gramOf(g);
      const [a] = mgdaTwoTasks(G);
      let best = Infinity;
      let bestA = 0;
      for (let i = 0; i <= 100000; i++) {
        const x = i / 100000;
        const v = quadratic(G, [x, 1 - x]);
        if (v < best) [best, bestA] = [v, x];
      }
      assert.ok(Math.abs(a - bestA) < 2e-5, `trial ${trial}: ${a} vs ${bestA}`);
      assert.ok(quadratic(G, [a, 1 - a]) <= best + 1e-12);
    }
  });

  it('three tasks: the simplex solver reaches the brute-force minimum norm', () => {
    let seed = 300;
    for (let trial = 0; trial < 10; trial++) {
      const G = gramOf([normals(4, seed++), normals(4, seed++), normals(4, seed++)]);
      const alpha = mgdaWeights(G);
      assert.ok(Math.abs(alpha.reduce((s, x) => s + x, 0) - 1) < 1e-12 && alpha.every((x) => x >= 0));
      let best = Infinity;
      const n = 400;
      for (let i = 0; i <= n; i++) for (let j = 0; i + j <= n; j++) best = Math.min(best, quadratic(G, [i / n, j / n, (n - i - j) / n]));
      assert.ok(quadratic(G, alpha) <= best + 1e-4, `trial ${trial}: ${quadratic(G, alpha)} vs grid ${best}`);
    }
  });
});

describe('CAGrad', () => {
  it('solves its inner problem for two tasks (golden section) as well as the general solver', () => {
    let seed = 900;
    for (let trial = 0; trial < 20; trial++) {
      const G = gramOf([normals(3, seed++), normals(3, seed++)]);
      const c = 0.5 * Math.sqrt(quadratic(G, [0.5, 0.5]));
      const f = (w: number[]) => dot(w, G.map((row) => 0.5 * row[0] + 0.5 * row[1])) + c * Math.sqrt(quadratic(G, w) + 1e-12);
      const [a] = cagradInnerWeights(G, c);
      let best = Infinity;
      for (let i = 0; i <= 100000; i++) best = Math.min(best, f([i / 100000, 1 - i / 100000]));
      assert.ok(f([a, 1 - a]) <= best + 1e-9, `trial ${trial}`);
    }
  });

  it('solves its inner problem: no simplex point does better (grid check)', () => {
    let seed = 500;
    for (let trial = 0; trial < 10; trial++) {
      const G = gramOf([normals(3, seed++), normals(3, seed++), normals(3, seed++)]);
      const c = 0.5 * Math.sqrt(quadratic(G, [1 / 3, 1 / 3, 1 / 3]));
      const f = (w: number[]) => dot(w, G.map((row) => dot(row, [1 / 3, 1 / 3, 1 / 3]))) + c * Math.sqrt(quadratic(G, w) + 1e-12);
      const w = cagradInnerWeights(G, c);
      let best = Infinity;
      const n = 300;
      for (let i = 0; i <= n; i++) for (let j = 0; i + j <= n; j++) best = Math.min(best, f([i / n, j / n, (n - i - j) / n]));
      assert.ok(f(w) <= best + 1e-6, `trial ${trial}: ${f(w)} vs ${best}`);
    }
  });

  it('reduces to the mean gradient when calpha = 0, and to (1 + c)/(1 + c²)·g₀ when all gradients agree', () => {
    const G = gramOf([[1, 2], [3, -1]]);
    assert.deepEqual(cagradCoefficients(G, 0).map((v) => Number(v.toFixed(6))), [0.5, 0.5]);
    const same = cagradCoefficients(gramOf([[1, 1], [1, 1]]), 0.5);
    // g_w = g₀ whatever w: d = g₀ + (0.5‖g₀‖/‖g₀‖)·g₀ = 1.5·g₀, rescaled by 1/(1 + 0.25) → 1.2·g₀.
    assert.ok(close(same[0] + same[1], 1.2, 1e-6));
  });

  it('λ = c/‖g_w‖ as published: at ‖g‖ ≈ 1e-4 agreeing gradients still give d = (1 + calpha)/(1 + calpha²)·g₀', () => {
    // g₁ = g₂ = g with ‖g‖ = 1e-4: g_w = g₀ = g whatever w, c = 0.5·‖g‖, λ = c/‖g‖ = 0.5, d = 1.5·g / 1.25 = 1.2·g.
    const g = [6e-5, 8e-5];
    const beta = cagradCoefficients(gramOf([g, g]), 0.5);
    assert.ok(close(beta[0] + beta[1], 1.2, 1e-9), `Σβ = ${beta[0] + beta[1]}`);
  });

  it('its step does not depend on the gradients\' scale (‖g‖ ≈ 1, 1e-2, 1e-4, 1e-6), as the formula says', () => {
    let seed = 1300;
    for (let trial = 0; trial < 10; trial++) {
      const g = [normals(4, seed++), normals(4, seed++), normals(4, seed++)];
      const reference = cagradCoefficients(gramOf(g), 0.5);
      for (const scale of [1e-2, 1e-4, 1e-6]) {
        const beta = cagradCoefficients(gramOf(g.map((v) => v.map((x) => x * scale))), 0.5);
        beta.forEach((b, k) => assert.ok(Math.abs(b - reference[k]) < 1e-6, `trial ${trial}, scale ${scale}: β = ${beta} vs ${reference}`));
      }
    }
  });

  it('its direction is g₀ + (c/‖g_w‖)·g_w over 1 + calpha², with w from a brute-force search (vectors, two tasks)', () => {
    let seed = 1700;
    for (let trial = 0; trial < 10; trial++) {
      const g = [normals(3, seed++), normals(3, seed++)];
      const g0 = g[0].map((v, i) => (v + g[1][i]) / 2);
      const norm = (v: number[]) => Math.sqrt(dot(v, v));
      const c = 0.5 * norm(g0);
      const gw = (w: number) => g[0].map((v, i) => w * v + (1 - w) * g[1][i]);
      let best = Infinity;
      let bestW = 0;
      for (let i = 0; i <= 200000; i++) {
        const w = i / 200000;
        const value = dot(gw(w), g0) + c * norm(gw(w));
        if (value < best) [best, bestW] = [value, w];
      }
      const lambda = c / norm(gw(bestW));
      const expected = g0.map((v, i) => (v + lambda * gw(bestW)[i]) / 1.25);
      const d = combine(cagradCoefficients(gramOf(g), 0.5), g);
      d.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-4 * norm(g0) + 1e-9, `trial ${trial}: ${d} vs ${expected}`));
    }
  });

  // The 2-D toy problem of the CAGrad paper (also used by Nash-MTL): two objectives of x = (x1, x2).
  const LOWER = 0.000005;
  function toy(x1: number, x2: number): { f: [number, number]; g: [[number, number], [number, number]] } {
    const t = Math.tanh(x2);
    const dt = 1 - t * t;
    const u1 = -0.5 * x1 - 3.5 + t;
    const u2 = -0.5 * x1 + 3.5 - t;
    const f1 = Math.log(Math.max(Math.abs(u1), LOWER)) + 6;
    const f2 = Math.log(Math.max(Math.abs(u2), LOWER)) + 6;
    const df1 = Math.abs(u1) > LOWER ? [-0.5 / u1, dt / u1] : [0, 0];
    const df2 = Math.abs(u2) > LOWER ? [-0.5 / u2, -dt / u2] : [0, 0];
    const th = Math.tanh(x2 / 2);
    const dth = 0.5 * (1 - th * th);
    const c1 = Math.max(th, 0);
    const c2 = Math.max(-th, 0);
    // clamp(·, 0) passes the gradient at the boundary too (PyTorch's convention, which the papers used).
    const dc1 = th >= 0 ? dth : 0;
    const dc2 = th <= 0 ? -dth : 0;
    const s1 = ((7 - x1) ** 2 + 0.1 * (x2 + 8) ** 2) / 10 - 20;
    const s2 = ((x1 + 7) ** 2 + 0.1 * (x2 + 8) ** 2) / 10 - 20;
    const ds1 = [(2 * (x1 - 7)) / 10, 0.02 * (x2 + 8)];
    const ds2 = [(2 * (x1 + 7)) / 10, 0.02 * (x2 + 8)];
    const F1 = f1 * c1 + s1 * c2;
    const F2 = f2 * c1 + s2 * c2;
    const g1: [number, number] = [df1[0] * c1 + ds1[0] * c2, df1[1] * c1 + f1 * dc1 + ds1[1] * c2 + s1 * dc2];
    const g2: [number, number] = [df2[0] * c1 + ds2[0] * c2, df2[1] * c1 + f2 * dc1 + ds2[1] * c2 + s2 * dc2];
    return { f: [F1, F2], g: [g1, g2] };
  }

  it('the toy problem\'s analytic gradients match finite differences', () => {
    for (const [x1, x2] of [[-8.5, 7.5], [3, 0.7], [-2, -4], [9, 9], [0.5, -8.3]]) {
      const { g } = toy(x1, x2);
      const h = 1e-6;
      for (const k of [0, 1] as const) {
        const d1 = (toy(x1 + h, x2).f[k] - toy(x1 - h, x2).f[k]) / (2 * h);
        const d2 = (toy(x1, x2 + h).f[k] - toy(x1, x2 - h).f[k]) / (2 * h);
        assert.ok(Math.abs(d1 - g[k][0]) < 1e-5 && Math.abs(d2 - g[k][1]) < 1e-5, `at (${x1}, ${x2}) task ${k}`);
      }
    }
  });

  /** Adam (lr 0.001, as the papers' toy script) on the combined direction for `steps` steps. */
  function descend(start: [number, number], direction: (g: number[][]) => number[], steps: number): [number, number] {
    const x = [...start];
    const m = [0, 0];
    const v = [0, 0];
    for (let t = 1; t <= steps; t++) {
      const { g } = toy(x[0], x[1]);
      const d = combine(direction(g), g);
      for (let k = 0; k < 2; k++) {
        m[k] = 0.9 * m[k] + 0.1 * d[k];
        v[k] = 0.999 * v[k] + 0.001 * d[k] * d[k];
        x[k] -= (0.001 * (m[k] / (1 - 0.9 ** t))) / (Math.sqrt(v[k] / (1 - 0.999 ** t)) + 1e-8);
      }
    }
    return [x[0], x[1]];
  }

  it('proof 7: from the published starting points CAGrad reaches the Pareto front (x₂ ≈ −8.36), where averaging stalls', () => {
    const starts: [number, number][] = [[-8.5, 7.5], [0, 0], [9, 9], [-7.5, -0.5], [9, -1]];
    const steps = 100000;
    const stalled: string[] = [];
    for (const start of starts) {
      const [x1, x2] = descend(start, (g) => cagradCoefficients(gramOf(g), 0.5), steps);
      assert.ok(Math.abs(x2 + 8.36) < 0.05, `CAGrad from (${start}) ends at x2 = ${x2}`);
      assert.ok(x1 > -7.05 && x1 < 7.05, `CAGrad from (${start}) ends at x1 = ${x1}, off the front's segment`);
      const mean = descend(start, () => [0.5, 0.5], steps);
      if (Math.abs(mean[1] + 8.36) > 0.5) stalled.push(`(${start}) → (${mean.map((v) => v.toFixed(2))})`);
    }
    assert.ok(stalled.length >= 2, `averaging should stall from some starts; stalled: ${stalled.join('; ') || 'none'}`);
  });
});

describe('Gramian helpers', () => {
  it('projects onto the simplex and turns a Gramian into cosines', () => {
    assert.deepEqual(projectToSimplex([0.5, 0.5]), [0.5, 0.5]);
    assert.deepEqual(projectToSimplex([2, 0]), [1, 0]);
    const p = projectToSimplex([0.3, 0.9, -1]);
    assert.ok(close(p[0] + p[1] + p[2], 1) && p[2] === 0);
    const C = cosineFromGram(gramOf([[1, 0], [1, 1], [0, 0]]));
    assert.ok(close(C[0][1], Math.SQRT1_2));
    assert.equal(C[2][0], 0);
  });
});
