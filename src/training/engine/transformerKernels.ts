/**
 * Fused kernels of the Transformer on the WebAssembly and plain-JavaScript backends (the machinery and the
 * reasons are in fusedKernels.ts).
 *
 * LayerNorm: from tfjs ops, a norm and its tape gradient run ≈ 20 kernels (mean, centre, square, mean, add,
 * rsqrt, multiplies, their gradients, the broadcast reductions for γ and β), ≈ 16 ms for 2048 × 128 token
 * states on wasm, five norms per step of bench/transformer.ts. Here: one pass forward, one backward.
 * GELU was tried the same way and measured slower (Math.exp per element in JavaScript against wasm's kernels).
 *
 * Reached only from models/transformerLayers.ts, which the extension host's bundle leaves out.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_BACKENDS, register, type HostMemory } from './fusedKernels';
import { SIMD_LAYER_NORM, SIMD_LAYER_NORM_GRAD, simdLayerNormServes } from './simd/simdKernels';

export const LAYER_NORM = 'MtlLayerNorm';
export const LAYER_NORM_GRAD = 'MtlLayerNormGrad';

/** y = (x − μ)·r·γ + β per row, r = 1/√(var + ε) (biased variance); also returns μ and r for the gradient. */
function layerNorm(memory: HostMemory, inputs: Record<string, tf.TensorInfo>, epsilon: number): tf.TensorInfo[] {
  const [rows, d] = inputs.x.shape;
  const [yInfo, meanInfo, rstdInfo] = [memory.alloc([rows, d]), memory.alloc([rows]), memory.alloc([rows])];
  const [x, gamma, beta, y, means, rstds] = [inputs.x, inputs.gamma, inputs.beta, yInfo, meanInfo, rstdInfo].map((t) => memory.view(t));
  for (let r = 0, o = 0; r < rows; r++, o += d) {
    let sum = 0;
    for (let j = 0; j < d; j++) sum += x[o + j];
    const mean = sum / d;
    let squares = 0;
    for (let j = 0; j < d; j++) squares += (x[o + j] - mean) ** 2;
    const rstd = 1 / Math.sqrt(squares / d + epsilon);
    for (let j = 0; j < d; j++) y[o + j] = (x[o + j] - mean) * rstd * gamma[j] + beta[j];
    means[r] = mean;
    rstds[r] = rstd;
  }
  return [yInfo, meanInfo, rstdInfo];
}

/**
 * With x̂ = (x − μ)·r and g = dy·γ: dx = r·(g − mean(g) − x̂·mean(g·x̂)) per row, dγ = Σ_rows dy·x̂, dβ = Σ_rows dy.
 */
function layerNormGrad(memory: HostMemory, inputs: Record<string, tf.TensorInfo>): tf.TensorInfo[] {
  const [rows, d] = inputs.x.shape;
  const [dxInfo, dgInfo, dbInfo] = [memory.alloc([rows, d]), memory.alloc([d]), memory.alloc([d])];
  const [dy, x, gamma, means, rstds, dx] = [inputs.dy, inputs.x, inputs.gamma, inputs.mean, inputs.rstd, dxInfo].map((t) => memory.view(t));
  const [dGamma, dBeta] = [new Float64Array(d), new Float64Array(d)];
  for (let r = 0, o = 0; r < rows; r++, o += d) {
    const [mean, rstd] = [means[r], rstds[r]];
    let gSum = 0;
    let gxSum = 0;
    for (let j = 0; j < d; j++) {
      const xhat = (x[o + j] - mean) * rstd;
      const g = dy[o + j] * gamma[j];
      gSum += g;
      gxSum += g * xhat;
      dGamma[j] += dy[o + j] * xhat;
      dBeta[j] += dy[o + j];
    }
    const [gMean, gxMean] = [gSum / d, gxSum / d];
    for (let j = 0; j < d; j++) dx[o + j] = rstd * (dy[o + j] * gamma[j] - gMean - (x[o + j] - mean) * rstd * gxMean);
  }
  memory.view(dgInfo).set(dGamma);
  memory.view(dbInfo).set(dBeta);
  return [dxInfo, dgInfo, dbInfo];
}

let registered = false;

function registerTransformerKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of FUSED_BACKENDS) {
    register(LAYER_NORM, backendName, (memory, { inputs, attrs }) => layerNorm(memory, inputs, attrs!.epsilon as number));
    register(LAYER_NORM_GRAD, backendName, (memory, { inputs }) => layerNormGrad(memory, inputs));
  }
}

/** LayerNorm over the last axis in one kernel each way; call only where `hasFusedKernels()`. */
export function fusedLayerNorm(x: tf.Tensor2D, gamma: tf.Variable, beta: tf.Variable, epsilon: number): tf.Tensor2D {
  registerTransformerKernels();
  const fn = tf.customGrad((...args: unknown[]) => {
    const [xs, g, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    // The SIMD kernels where they serve (wasm, width a multiple of 4: ≈ 6× faster), the JavaScript ones elsewhere.
    const [forward, backward] = simdLayerNormServes(xs.shape[1]) ? [SIMD_LAYER_NORM, SIMD_LAYER_NORM_GRAD] : [LAYER_NORM, LAYER_NORM_GRAD];
    const [y, mean, rstd] = tf.engine().runKernel(forward, { x: xs, gamma: g, beta: b }, { epsilon }) as tf.Tensor[];
    // Saved: x is an intermediate (the residual stream), gone by the backward pass otherwise; γ is a variable, read then.
    save([xs, mean, rstd]);
    return {
      value: y as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.engine().runKernel(backward, { dy: dy as tf.Tensor, x: saved[0], gamma, mean: saved[1], rstd: saved[2] }) as tf.Tensor[],
    };
  }) as unknown as (x: tf.Tensor2D, gamma: tf.Variable, beta: tf.Variable) => tf.Tensor2D;
  return fn(x, gamma, beta);
}
