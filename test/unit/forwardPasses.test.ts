/**
 * The forward passes of soft sharing (scalar and mixture attention) and MMoE routing against a hand
 * computation: the same weights read out of the model, then every layer, softmax and mixture written as
 * explicit loops over plain numbers (float64). Three tasks, four experts, non-zero biases, a hidden head
 * layer: a softmax over the wrong axis, a transposed mixture or a swapped tower shows up as a wrong output.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import type { ResolvedTask } from '../../src/training/data/dataset';
import type { ForwardResult, MultiTaskModel } from '../../src/training/models/model';
import { createModel } from '../../src/training/models/registry';
import { rngFor } from '../../src/training/random/rng';
import { config, normals } from '../helpers/engine';

type Matrix = number[][];

const tasks: ResolvedTask[] = [
  { name: 'a', type: 'regression', outputs: 1 },
  { name: 'b', type: 'classification', outputs: 3, classes: 3 },
  { name: 'c', type: 'regression', outputs: 1 },
];
const K = tasks.length;
const ROWS = 5;
const INPUTS = 6;

// ---- the hand computation ----------------------------------------------------------------------

/** activation(X·W + b), row by row. */
function dense(X: Matrix, W: Matrix, b: number[], activation: 'tanh' | 'linear'): Matrix {
  return X.map((row) =>
    b.map((bias, j) => {
      let z = bias;
      for (let i = 0; i < row.length; i++) z += row[i] * W[i][j];
      return activation === 'tanh' ? Math.tanh(z) : z;
    }),
  );
}

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - max));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}

/** The model's weights as plain numbers, by parameter name. */
function weights(model: MultiTaskModel): (name: string) => Matrix & { vector: number[] } {
  const byName = new Map(model.parameters().map((p) => [p.name, p.variable]));
  return (name) => {
    const v = byName.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    const values = Array.from(v.dataSync());
    const cols = v.shape.length === 2 ? v.shape[1] : values.length;
    const rows = Array.from({ length: values.length / cols }, (_, r) => values.slice(r * cols, (r + 1) * cols));
    return Object.assign(rows, { vector: values });
  };
}

function mlp(X: Matrix, w: ReturnType<typeof weights>, prefix: string, layers: number): Matrix {
  let h = X;
  for (let l = 0; l < layers; l++) h = dense(h, w(`${prefix}/dense${l}/w`), w(`${prefix}/dense${l}/b`).vector, 'tanh');
  return h;
}

/** Task k's head: one tanh hidden layer (taskUnits [3]), then the linear output. */
function head(H: Matrix, w: ReturnType<typeof weights>, task: string): Matrix {
  return dense(mlp(H, w, `head/${task}`, 1), w(`head/${task}/out/w`), w(`head/${task}/out/b`).vector, 'linear');
}

/** Mean over rows of per-row K×C matrices. */
function batchMean(perRow: Matrix[]): Matrix {
  return perRow[0].map((r, k) => r.map((_, j) => perRow.reduce((s, m) => s + m[k][j], 0) / perRow.length));
}

interface Expected {
  outputs: Matrix[];
  matrix: Matrix;
}

/** Scalar attention: a = softmax(W·[h_1 … h_K] + b) per sample (over the K tasks); head k reads h_k · a_k; reported as diag(mean a). */
function scalarAttention(X: Matrix, w: ReturnType<typeof weights>): Expected {
  const h = tasks.map((t) => mlp(X, w, `tower/${t.name}`, 2));
  const logits = dense(X.map((_, r) => h.flatMap((hk) => hk[r])), w('attention/w'), w('attention/b').vector, 'linear');
  const a = logits.map(softmax); // [row][task]
  const outputs = tasks.map((t, k) => head(h[k].map((row, r) => row.map((v) => v * a[r][k])), w, t.name));
  const mean = batchMean(a.map((row) => [row]))[0];
  return { outputs, matrix: mean.map((v, k) => mean.map((_, j) => (j === k ? v : 0))) };
}

/** Per row, one softmax per task over its block of `size` logits (task k: columns k·size … k·size+size−1): [row][task][j]. */
function blockSoftmax(logits: Matrix, size: number): number[][][] {
  return logits.map((row) => tasks.map((_, k) => softmax(row.slice(k * size, (k + 1) * size))));
}

/** Task k's head applied to Σ_j a[row][k][j] · sources[j][row] (sources[j]: [row][unit]). */
function mixedHeads(a: number[][][], sources: Matrix[], w: ReturnType<typeof weights>): Matrix[] {
  return tasks.map((t, k) => {
    const mixed = a.map((weightsOfRow, r) => sources[0][r].map((_, u) => {
      let s = 0;
      for (let j = 0; j < sources.length; j++) s += weightsOfRow[k][j] * sources[j][r][u];
      return s;
    }));
    return head(mixed, w, t.name);
  });
}

/** Mixture attention: per sample and task k, a_k· = softmax over the towers of logits k·K … k·K+K−1; z_k = Σ_j a_kj h_j. */
function mixtureAttention(X: Matrix, w: ReturnType<typeof weights>): Expected {
  const h = tasks.map((t) => mlp(X, w, `tower/${t.name}`, 2));
  const a = blockSoftmax(dense(X.map((_, r) => h.flatMap((hk) => hk[r])), w('attention/w'), w('attention/b').vector, 'linear'), K);
  return { outputs: mixedHeads(a, h, w), matrix: batchMean(a) };
}

const EXPERTS = 4;

/** MMoE: per sample and task k, g_k = softmax over the experts of gate logits k·E … k·E+E−1; task k reads Σ_e g_ke f_e(x). */
function mmoe(X: Matrix, w: ReturnType<typeof weights>): Expected {
  const f = Array.from({ length: EXPERTS }, (_, e) => mlp(X, w, `expert${e}`, 2));
  const g = blockSoftmax(dense(X, w('gates/w'), w('gates/b').vector, 'linear'), EXPERTS);
  return { outputs: mixedHeads(g, f, w), matrix: batchMean(g) };
}

// ---- the comparison ----------------------------------------------------------------------------

/** The task × tower / task × expert matrix the model reports for the dashboard. */
function reportedMatrix(result: ForwardResult, architecture: string): tf.Tensor2D | undefined {
  return architecture === 'routing' ? result.gates : result.attention;
}

function build(model: Record<string, unknown>): MultiTaskModel {
  const shape = model.architecture === 'routing' ? { experts: EXPERTS, expertUnits: [5, 4] } : { sharedUnits: [5, 4] };
  const cfg = config({ model: { ...shape, taskUnits: [3], activation: 'tanh', ...model } });
  const m = createModel({ config: cfg.model, inputDim: INPUTS, tasks, rng: rngFor(5, 'init') });
  // Every parameter drawn afresh, biases included (they start at zero), large enough that the softmaxes are far from uniform.
  m.parameters().forEach((p, i) => p.variable.assign(tf.tensor(normals(p.variable.size, 100 + i).map((v) => v * 0.9), p.variable.shape)));
  return m;
}

function assertClose(actual: Matrix, expected: Matrix, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: rows`);
  actual.forEach((row, r) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[r][j]) < 1e-5, `${what}[${r}][${j}] = ${v}, by hand ${expected[r][j]}`)));
}

const cases: { label: string; model: Record<string, unknown>; byHand: (X: Matrix, w: ReturnType<typeof weights>) => Expected }[] = [
  { label: 'soft sharing, scalar attention', model: { architecture: 'soft', attention: 'scalar' }, byHand: scalarAttention },
  { label: 'soft sharing, mixture attention', model: { architecture: 'soft', attention: 'mixture' }, byHand: mixtureAttention },
  { label: 'routing (MMoE)', model: { architecture: 'routing' }, byHand: mmoe },
];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`forward passes against a hand computation on ${backend}`, () => {
    before(async () => {
      await selectBackend(backend);
    });

    for (const { label, model, byHand } of cases) {
      it(`${label}: every task's output and the reported matrix`, () => {
        const m = build(model);
        const X = Array.from({ length: ROWS }, (_, r) => normals(INPUTS, 40 + r));
        const expected = byHand(X, weights(m));
        // The softmaxes must be far from uniform, or a softmax over the wrong axis could go unseen.
        assert.ok(expected.matrix.flat().some((v) => v > 0 && Math.abs(v - 1 / K) > 0.05), `the matrix is not uniform: ${JSON.stringify(expected.matrix)}`);
        tf.tidy(() => {
          const result = m.forward(tf.tensor2d(X), { training: false });
          result.outputs.forEach((o, k) => {
            assert.deepEqual(o.shape, [ROWS, tasks[k].outputs]);
            assertClose(o.arraySync() as Matrix, expected.outputs[k], `task ${tasks[k].name}`);
          });
          const matrix = reportedMatrix(result, model.architecture as string);
          assert.ok(matrix, 'a matrix is reported');
          assertClose(matrix.arraySync() as Matrix, expected.matrix, 'matrix');
        });
        tf.dispose(m.parameters().map((p) => p.variable));
      });
    }
  });
}
