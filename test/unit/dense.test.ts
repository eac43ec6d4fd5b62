/**
 * The dense layer's hand-written gradient (models/dense.ts), on the fused path (wasm, cpu: the activation
 * and bias gradient in one kernel) and on the unfused path the native backends take: value and gradients
 * against the same layer in stock tfjs ops with tfjs's own gradients, and against central finite
 * differences of a plain-JavaScript float64 forward pass — for every activation, as an inner layer
 * (`inputGrad` true) and as the data-input layer (false), at batch 1 and at odd shapes.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { hasFusedKernels } from '../../src/training/engine/fusedKernels';
import { denseFunction, type Activation } from '../../src/training/models/dense';
import { normals } from '../helpers/engine';
import { useUnfusedBackend } from '../helpers/unfusedBackend';

/** The reference: the same layer written with stock tfjs ops and tfjs's own gradients. */
function reference(activation: Activation, x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const z = tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
  switch (activation) {
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'elu':
      return tf.elu(z);
    case 'linear':
      return z;
  }
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu', 'linear'] as const;

const BACKENDS = [
  { backend: 'wasm', use: () => selectBackend('wasm'), fused: true },
  { backend: 'cpu', use: () => selectBackend('cpu'), fused: true },
  { backend: 'cpu without the fused kernels (the native backends’ path)', use: useUnfusedBackend, fused: false },
];

// ---- the independent reference: plain JavaScript, float64 ----------------------------------------

type Matrix = number[][];

function activate(activation: Activation, z: number): number {
  switch (activation) {
    case 'relu':
      return Math.max(0, z);
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    case 'elu':
      return z > 0 ? z : Math.exp(z) - 1;
    case 'linear':
      return z;
  }
}

function preActivations(x: Matrix, w: Matrix, b: number[]): Matrix {
  return x.map((row) => b.map((bias, j) => row.reduce((z, v, i) => z + v * w[i][j], bias)));
}

/** L = Σ u ⊙ activation(x·W + b). */
function lossJs(activation: Activation, x: Matrix, w: Matrix, b: number[], u: Matrix): number {
  return preActivations(x, w, b).reduce((sum, row, r) => row.reduce((s, z, j) => s + u[r][j] * activate(activation, z), sum), 0);
}

/** ∂L/∂x, ∂L/∂W, ∂L/∂b by central differences, one value at a time. */
function finiteDifferences(activation: Activation, x: Matrix, w: Matrix, b: number[], u: Matrix): { dx: Matrix; dw: Matrix; db: number[] } {
  const h = 1e-6;
  const central = (set: (v: number) => void, v0: number) => {
    set(v0 + h);
    const up = lossJs(activation, x, w, b, u);
    set(v0 - h);
    const down = lossJs(activation, x, w, b, u);
    set(v0);
    return (up - down) / (2 * h);
  };
  return {
    dx: x.map((row) => row.map((v, i) => central((t) => (row[i] = t), v))),
    dw: w.map((row) => row.map((v, j) => central((t) => (row[j] = t), v))),
    db: b.map((v, j) => central((t) => (b[j] = t), v)),
  };
}

/** Float32-exact normal draws, so tfjs and the float64 reference see the same numbers. */
function matrix(rows: number, cols: number, seed: number, scale = 1): Matrix {
  const z = normals(rows * cols, seed).map((v) => Math.fround(v * scale));
  return Array.from({ length: rows }, (_, r) => z.slice(r * cols, (r + 1) * cols));
}

function assertNear(actual: tf.Tensor, expected: Matrix | number[], what: string): void {
  const a = actual.arraySync() as Matrix | number[];
  assert.deepEqual(actual.shape, [expected.length, ...(Array.isArray(expected[0]) ? [(expected[0] as number[]).length] : [])], `${what}: shape`);
  (expected as (number | number[])[]).flat().forEach((e, i) => {
    const v = (a as (number | number[])[]).flat()[i];
    assert.ok(Math.abs(v - e) <= 2e-4 * Math.max(1, Math.abs(e)), `${what}[${i}] = ${v}, expected ${e}`);
  });
}

/** [rows, inputs, units]: batch 1, odd sizes, more units than rows, a single input, a single unit. */
const SHAPES: [number, number, number][] = [
  [1, 4, 3],
  [1, 1, 1],
  [7, 5, 1],
  [3, 9, 11],
  [13, 1, 2],
];

for (const { backend, use, fused } of BACKENDS) {
  describe(`fast dense layer on ${backend}`, () => {
    before(async () => {
      await use();
      assert.equal(hasFusedKernels(), fused);
    });

    for (const activation of ACTIVATIONS) {
      for (const inputGrad of [true, false]) {
        it(`${activation}, ${inputGrad ? 'inner layer' : 'data-input layer'}: gradients equal finite differences and the stock ops at ${SHAPES.map(([r, i, u]) => `${r}×${i}→${u}`).join(', ')}`, () => {
          SHAPES.forEach(([rows, inputs, units], n) => {
            const shape = `${rows}×${inputs}→${units}`;
            const [x, w, u] = [matrix(rows, inputs, 10 + n), matrix(inputs, units, 20 + n, 0.7), matrix(rows, units, 30 + n)];
            const b = matrix(1, units, 40 + n, 0.5)[0];
            // Away from relu's and elu's kink, where a difference quotient means nothing.
            const nearKink = preActivations(x, w, b).flat().filter((z) => Math.abs(z) < 1e-3);
            assert.deepEqual(nearKink, [], `${shape}: no pre-activation at the kink`);
            const expected = finiteDifferences(activation, x, w, b, u);
            tf.tidy(() => {
              const [xt, ut] = [tf.tensor2d(x), tf.tensor2d(u)];
              const wv = tf.variable(tf.tensor2d(w));
              const bv = tf.variable(tf.tensor1d(b));
              const fast = denseFunction(activation, inputGrad);
              const stock = tf.variableGrads(() => tf.sum(tf.mul(reference(activation, xt, wv, bv), ut)) as tf.Scalar, [wv, bv]).grads;
              const loss = (xi: tf.Tensor2D) => tf.sum(tf.mul(fast(xi, wv, bv), ut)) as tf.Scalar;
              const { value, grads } = tf.variableGrads(() => loss(xt), [wv, bv]);
              assert.ok(Math.abs(value.dataSync()[0] - lossJs(activation, x, w, b, u)) < 1e-4 * Math.max(1, Math.abs(value.dataSync()[0])), `${shape}: value`);
              assertNear(grads[wv.name], expected.dw, `${shape} dW`);
              assertNear(grads[bv.name], expected.db, `${shape} db`);
              assert.ok(maxAbsDiff(grads[wv.name], stock[wv.name]) < 1e-5 && maxAbsDiff(grads[bv.name], stock[bv.name]) < 1e-5, `${shape}: W and b gradients equal the stock ops'`);
              if (inputGrad) {
                const [dx] = tf.grads((xi: tf.Tensor) => loss(xi as tf.Tensor2D))([xt]);
                assertNear(dx, expected.dx, `${shape} dx`);
                const [stockDx] = tf.grads((xi: tf.Tensor) => tf.sum(tf.mul(reference(activation, xi as tf.Tensor2D, wv, bv), ut)))([xt]);
                assert.ok(maxAbsDiff(dx, stockDx) < 1e-5, `${shape}: dL/dx equals the stock ops'`);
              } else {
                // The data is captured, not an input of the gradient node: dL/dx is an error, not a silent zero.
                assert.throws(() => tf.grads((xi: tf.Tensor) => loss(xi as tf.Tensor2D))([xt]), /Cannot compute gradient/);
              }
              wv.dispose();
              bv.dispose();
            });
          });
        });
      }
    }

    for (const activation of ACTIVATIONS) {
      it(`${activation}: value and gradients equal the stock tfjs layer`, () => {
        tf.tidy(() => {
          const x = tf.randomNormal([7, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
          const w = tf.variable(tf.randomNormal([5, 3], 0, 1, 'float32', 2) as tf.Tensor2D);
          const b = tf.variable(tf.randomNormal([3], 0, 1, 'float32', 3) as tf.Tensor1D);
          const upstream = tf.randomNormal([7, 3], 0, 1, 'float32', 4);
          const fast = denseFunction(activation, true);
          const lossFast = () => tf.sum(tf.mul(fast(x, w, b), upstream)) as tf.Scalar;
          const lossRef = () => tf.sum(tf.mul(reference(activation, x, w, b), upstream)) as tf.Scalar;
          assert.ok(maxAbsDiff(fast(x, w, b), reference(activation, x, w, b)) < 1e-5);
          const gFast = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(fast(xi as tf.Tensor2D, wi as unknown as tf.Variable, bi as unknown as tf.Variable), upstream)))([x, w, b]);
          const gRef = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(reference(activation, xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D), upstream)))([x, w, b]);
          for (let i = 0; i < 3; i++) assert.ok(maxAbsDiff(gFast[i], gRef[i]) < 1e-4, `gradient ${['x', 'w', 'b'][i]} differs by ${maxAbsDiff(gFast[i], gRef[i])}`);
          const vFast = tf.variableGrads(lossFast, [w, b]);
          const vRef = tf.variableGrads(lossRef, [w, b]);
          assert.ok(maxAbsDiff(vFast.grads[w.name], vRef.grads[w.name]) < 1e-4);
          assert.ok(maxAbsDiff(vFast.grads[b.name], vRef.grads[b.name]) < 1e-4);
          w.dispose();
          b.dispose();
        });
      });
    }

    it('treats the input as data when told to (first layer): exact W and b gradients, no dL/dx node', () => {
      tf.tidy(() => {
        const x = tf.randomNormal([4, 3], 0, 1, 'float32', 5) as tf.Tensor2D;
        const w = tf.variable(tf.randomNormal([3, 2], 0, 1, 'float32', 6) as tf.Tensor2D);
        const b = tf.variable(tf.randomNormal([2], 0, 1, 'float32', 7) as tf.Tensor1D);
        const fast = denseFunction('relu', false);
        const vFast = tf.variableGrads(() => tf.sum(tf.square(fast(x, w, b))) as tf.Scalar, [w, b]);
        const vRef = tf.variableGrads(() => tf.sum(tf.square(reference('relu', x, w, b))) as tf.Scalar, [w, b]);
        assert.ok(maxAbsDiff(vFast.grads[w.name], vRef.grads[w.name]) < 1e-4);
        assert.ok(maxAbsDiff(vFast.grads[b.name], vRef.grads[b.name]) < 1e-4);
        // The input is captured, not an input of the gradient node: asking for dL/dx is an error, not a silent zero.
        assert.throws(() => tf.grads((xi: tf.Tensor) => tf.sum(fast(xi as tf.Tensor2D, w, b)))([x]), /Cannot compute gradient/);
        w.dispose();
        b.dispose();
      });
    });
  });
}
