/**
 * The synthetic generator with a task correlation matrix: the task directions' cosines are R exactly, the linear
 * parts' sample correlations are R within sampling error, and a matrix that cannot be one is a positioned error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyseExperimentText, formatDiagnostic } from '../../src/training/config';
import { choleskyFactor } from '../../src/training/data/correlation';
import { generateMmoe } from '../../src/training/data/synthetic';

const PAIRS = [
  [1, 0.9, 0, 0],
  [0.9, 1, 0, 0],
  [0, 0, 1, 0.9],
  [0, 0, 0.9, 1],
];

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

function correlation(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('synthetic data from a task correlation matrix', () => {
  it('two related pairs: cos∠(w_i, w_j) = R_ij, and the linear parts correlate as R', () => {
    const data = generateMmoe({ samples: 20000, inputDim: 12, tasks: 4, correlation: PAIRS, noise: 0.1, seed: 3 });
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const cos = dot(data.weights[i], data.weights[j]) / Math.sqrt(dot(data.weights[i], data.weights[i]) * dot(data.weights[j], data.weights[j]));
        assert.ok(Math.abs(cos - PAIRS[i][j]) < 1e-9, `cos(w${i}, w${j}) = ${cos}`);
        assert.ok(Math.abs(correlation(data.linear[i], data.linear[j]) - PAIRS[i][j]) < 0.03, `corr ${i},${j}`);
      }
      // The recipe's scale: ‖w_k‖ = c.
      assert.ok(Math.abs(Math.sqrt(dot(data.weights[i], data.weights[i])) - 0.3) < 1e-9);
    }
  });

  it('the Cholesky factor reproduces R, with a zero pivot for identical tasks; an indefinite matrix has none', () => {
    const R = [[1, 1, 0.5], [1, 1, 0.5], [0.5, 0.5, 1]];
    const L = choleskyFactor(R)!;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(dot(L[i], L[j]) - R[i][j]) < 1e-12);
    assert.equal(choleskyFactor([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]), null);
  });

  it('a matrix of the wrong size, asymmetric or indefinite is a config error at data.correlation', () => {
    const text = (correlation: unknown) =>
      JSON.stringify({ name: 'x', data: { source: 'synthetic', correlation }, tasks: [{ name: 'a', type: 'regression' }, { name: 'b', type: 'regression' }, { name: 'c', type: 'regression' }] }, null, 2);
    const problems = (correlation: unknown) => analyseExperimentText(text(correlation), 'x.mtl.json').diagnostics.map(formatDiagnostic);
    assert.deepEqual(problems([[1, 0], [0, 1]]), ['x.mtl.json:5:20: data.correlation: a task correlation matrix must be 3 × 3 (one row and column per task, in the order of tasks)']);
    assert.deepEqual(problems([[1, 0.5, 0], [0.4, 1, 0], [0, 0, 1]]), ['x.mtl.json:5:20: data.correlation: a task correlation matrix must be symmetric (row 1, column 2 is 0.5, row 2, column 1 is 0.4)']);
    assert.deepEqual(problems([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]), ['x.mtl.json:5:20: data.correlation: a task correlation matrix is not positive semidefinite (no set of task directions has these correlations)']);
    assert.deepEqual(problems([[1, 0.2, 0], [0.2, 1, 0], [0, 0, 1]]), []);
    assert.deepEqual(problems(0.5), []);
  });
});
