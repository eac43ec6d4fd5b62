import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { denseFunction, type Activation } from '../../src/training/models/dense';

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

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fast dense layer on ${backend}`, () => {
    before(async () => {
      await selectBackend(backend);
    });

    for (const activation of ['relu', 'tanh', 'sigmoid', 'elu', 'linear'] as const) {
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
