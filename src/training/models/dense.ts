/**
 * Dense layers built for TensorFlow.js's WebAssembly backend.
 *
 * The trap: tfjs-wasm multiplies untransposed matrices at ~28 GFLOP/s on one core here, but at only
 * 0.6–2.3 GFLOP/s when `transposeA` or `transposeB` is set — and the stock gradient of `matMul` (and
 * so of every `tf.layers.dense`) uses exactly those flags. These layers define their own gradient that
 * transposes explicitly (a copy, in our SIMD kernel on wasm: tfjs-wasm's own Transpose takes 9 ms for a 2048 × 512
 * matrix, engine/simd/simdKernels.ts) and then multiplies untransposed (docs/DEVELOPERS.md, "The
 * transposed-matmul trap"), save as little as possible for the backward pass (each saved tensor is a
 * copy), and on wasm / cpu compute the activation's derivative and the bias gradient in one fused
 * kernel (engine/fusedKernels.ts). On the native backends the same code is simply correct and fast.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATION_BIAS_GRAD, hasFusedKernels, runFused } from '../engine/fusedKernels';
import type { Rng } from '../random/rng';
import { transposeLastTwo } from '../engine/simd/simdKernels';

export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'linear';

/** dL/dz from dL/dy and the activation's output y (every supported activation's derivative is a function of y). */
function activationGrad(activation: Activation, dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  switch (activation) {
    case 'linear':
      return dy;
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(y)));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    case 'elu':
      // y > 0: 1; y ≤ 0: y + 1 (α = 1).
      return tf.mul(dy, tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, 1)));
  }
}

function applyActivation(activation: Activation, z: tf.Tensor): tf.Tensor {
  switch (activation) {
    case 'linear':
      return z;
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'elu':
      return tf.elu(z);
  }
}

type DenseFn = (x: tf.Tensor2D, w: tf.Variable, b: tf.Variable) => tf.Tensor2D;

const denseFunctions = new Map<string, DenseFn>();

/**
 * x·W + b, then the activation. Not `tf.fused.matMul`: under a gradient tape it unfuses relu anyway
 * (tfjs's `shouldFuse`), and for a linear layer it adds three Reshape kernels to save one Add — on
 * the WebAssembly backend, where small steps are bound by the number of kernels, that is a loss.
 */
function denseForward(activation: Activation, x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return applyActivation(activation, tf.add(tf.matMul(x, w), b)) as tf.Tensor2D;
}

/** dL/dz and dL/db from dL/dy: one fused kernel on wasm / cpu (the activation's derivative and the column sums in one pass). */
function activationAndBiasGrad(activation: Activation, dy: tf.Tensor2D, y: tf.Tensor2D | undefined): [tf.Tensor2D, tf.Tensor1D] {
  if (hasFusedKernels()) {
    const out = runFused(ACTIVATION_BIAS_GRAD, y ? { dy, y } : { dy }, { activation }) as tf.Tensor[];
    return activation === 'linear' ? [dy, out[0] as tf.Tensor1D] : [out[0] as tf.Tensor2D, out[1] as tf.Tensor1D];
  }
  const dz = activationGrad(activation, dy, y!) as tf.Tensor2D;
  return [dz, tf.sum(dz, 0)];
}

/**
 * y = activation(x·W + b) with a gradient that never uses transposed matmul flags.
 *
 * Saved for the backward pass (tfjs copies every saved tensor, one Identity kernel each): only what
 * may be gone by then — the layer output y when the activation's derivative needs it, and the input x
 * when it is an intermediate. W is a variable: read directly (the optimiser changes it only after the
 * backward pass).
 *
 * `inputGrad` false means x is the model's input data, which outlives the step: it is captured rather
 * than saved, it is not an input of the gradient node, and dL/dx (a wasted product) is not computed.
 */
export function denseFunction(activation: Activation, inputGrad: boolean): DenseFn {
  const key = `${activation}/${inputGrad}`;
  let fn = denseFunctions.get(key);
  if (fn) return fn;
  const needsY = activation !== 'linear';
  if (inputGrad) {
    const withInput = tf.customGrad((...args: unknown[]) => {
      const [x, w, b] = args as [tf.Tensor2D, tf.Variable, tf.Tensor1D];
      const save = args[3] as tf.GradSaveFunc;
      const y = denseForward(activation, x, w as tf.Tensor2D, b);
      save(needsY ? [x, y] : [x]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [xs, ys] = saved as [tf.Tensor2D, tf.Tensor2D | undefined];
          const [dz, db] = activationAndBiasGrad(activation, dy as tf.Tensor2D, ys);
          const dw = tf.matMul(transposeLastTwo(xs), dz);
          const dx = tf.matMul(dz, transposeLastTwo(w as tf.Tensor2D));
          return [dx, dw, db];
        },
      };
    });
    fn = withInput as unknown as DenseFn;
  } else {
    fn = (x, w, b) => {
      const onData = tf.customGrad((...args: unknown[]) => {
        const [wv, bv] = args as [tf.Variable, tf.Tensor1D];
        const save = args[2] as tf.GradSaveFunc;
        const y = denseForward(activation, x, wv as tf.Tensor2D, bv);
        save(needsY ? [y] : []);
        return {
          value: y,
          gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
            const [dz, db] = activationAndBiasGrad(activation, dy as tf.Tensor2D, saved[0] as tf.Tensor2D | undefined);
            return [tf.matMul(transposeLastTwo(x), dz), db];
          },
        };
      }) as unknown as (w: tf.Variable, b: tf.Variable) => tf.Tensor2D;
      return onData(w, b);
    };
  }
  denseFunctions.set(key, fn);
  return fn;
}

/** Glorot-uniform initialisation from the run's RNG (reproducible across backends). */
export function glorotUniform(rng: Rng, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = (rng.uniform() * 2 - 1) * limit;
  return values;
}

/** A trainable parameter with a stable name (it keys checkpoints; `variable.name` is tfjs's unique id). */
export interface Parameter {
  name: string;
  variable: tf.Variable;
  /** Weight matrices get weight decay; biases and mixing logits do not. */
  decay: boolean;
}

export class DenseLayer {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  private readonly fn: DenseFn;

  constructor(
    readonly name: string,
    readonly inputs: number,
    readonly units: number,
    readonly activation: Activation,
    rng: Rng,
    inputGrad: boolean,
  ) {
    // tfjs variable names must be unique per process; the stable names live in `parameters()`.
    this.w = tf.variable(tf.tensor2d(glorotUniform(rng, inputs, units), [inputs, units]), true);
    this.b = tf.variable(tf.zeros([units]), true);
    this.fn = denseFunction(activation, inputGrad);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return this.fn(x, this.w, this.b);
  }

  parameters(): Parameter[] {
    return [
      { name: `${this.name}/w`, variable: this.w, decay: true },
      { name: `${this.name}/b`, variable: this.b, decay: false },
    ];
  }
}

/** Inverted dropout with a mask drawn from a per-step seed, so resumed runs drop the same units. */
export function dropout(x: tf.Tensor2D, rate: number, seed: number): tf.Tensor2D {
  if (rate <= 0) return x;
  const keep = tf.step(tf.sub(tf.randomUniform(x.shape, 0, 1, 'float32', seed), rate));
  return tf.mul(x, tf.mul(keep, 1 / (1 - rate)));
}

/** A stack of dense layers with the same activation (and dropout after each). */
export class MultiLayerPerceptron {
  readonly layers: DenseLayer[] = [];

  constructor(
    name: string,
    private readonly inputs: number,
    units: readonly number[],
    activation: Activation,
    rng: Rng,
    inputGrad: boolean,
  ) {
    let fanIn = inputs;
    units.forEach((u, i) => {
      this.layers.push(new DenseLayer(`${name}/dense${i}`, fanIn, u, activation, rng, inputGrad || i > 0));
      fanIn = u;
    });
  }

  get outputs(): number {
    return this.layers.length ? this.layers[this.layers.length - 1].units : this.inputs;
  }

  apply(x: tf.Tensor2D, dropoutRate: number, seed: number | undefined): tf.Tensor2D {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.apply(h);
      if (seed !== undefined && dropoutRate > 0) h = dropout(h, dropoutRate, seed + i * 7919);
    });
    return h;
  }

  parameters(): Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }

  /** The last layer's kernel (none without layers). */
  lastKernel(): Parameter[] {
    const last = this.layers[this.layers.length - 1];
    return last ? [last.parameters()[0]] : [];
  }
}
