/**
 * Batched matrix products, matrix transposes, GELU and LayerNorm on the WebAssembly backend, in our own SIMD kernels
 * (kernels.wat), because tfjs-backend-wasm runs them slowly at the shapes a Transformer uses:
 *
 * - a batched product (batch > 1, e.g. attention's `batch·heads × tokens × d_head` products) leaves XNNPACK for a
 *   scalar loop: 12.9 ms for 128 × (64×32 · 32×64) against 1.1 ms for the same arithmetic as one 2-D product;
 * - Transpose copies element by element through generic index arithmetic: 9.3 ms for a 2048 × 512 matrix, and
 *   the dense layers' gradients transpose their inputs on every step (dense.ts says why they must);
 * - GELU's Erf and its gradient's Exp are scalar, and LayerNorm is a JavaScript kernel (transformerKernels.ts).
 *
 * The kernels run on tfjs's own heap (the backend's WebAssembly.Memory is the module's imported memory), so no
 * data is copied in or out. Elsewhere (the plain-JavaScript backend, native tfjs-node, WebGPU) the functions
 * here are tfjs's own ops. Numbers: products sum in float32 in a fixed order (4 lanes per accumulator), so they
 * differ from tfjs's only by rounding; transposes are exact (test/unit/simd-kernels.test.ts).
 * Tensor code only: the extension host's bundle replaces this module with an empty one (scripts/build.mjs).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KERNELS_WASM_BASE64 } from './kernelsBinary';

export const SIMD_BATCH_MAT_MUL = 'MtlSimdBatchMatMul';
export const SIMD_TRANSPOSE = 'MtlSimdTranspose';
export const SIMD_GELU = 'MtlSimdGelu';
export const SIMD_GELU_GRAD = 'MtlSimdGeluGrad';
export const SIMD_LAYER_NORM = 'MtlSimdLayerNorm';
export const SIMD_LAYER_NORM_GRAD = 'MtlSimdLayerNormGrad';

interface KernelExports {
  matmul(a: number, sAb: number, sAi: number, sAp: number, b: number, sBb: number, c: number, batch: number, m: number, k: number, n: number): void;
  transpose(src: number, dst: number, batch: number, rows: number, cols: number): void;
  gelu(x: number, y: number, count: number): void;
  geluGrad(x: number, dy: number, dx: number, count: number): void;
  layerNorm(x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, rows: number, d: number, epsilon: number): void;
  layerNormGrad(dy: number, x: number, gamma: number, mean: number, rstd: number, dx: number, dgamma: number, dbeta: number, rows: number, d: number): void;
}

/** The instantiated module per backend instance (a new backend after tf.removeBackend gets a new heap). */
let instance: { backend: BackendWasm; kernels: KernelExports } | null = null;
let unavailable = false;

function memoryOf(backend: BackendWasm): WebAssembly.Memory | undefined {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  // A threaded build's memory is shared; the module imports an unshared one, so it would not link.
  return memory instanceof WebAssembly.Memory && !(memory.buffer instanceof SharedArrayBuffer) ? memory : undefined;
}

function kernelsOf(backend: BackendWasm): KernelExports {
  if (instance?.backend === backend) return instance.kernels;
  const memory = memoryOf(backend);
  if (!memory) throw new Error('the WebAssembly backend exposes no linkable memory');
  const module = new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
  instance = { backend, kernels };
  return kernels;
}

const offsetOf = (backend: BackendWasm, info: tf.TensorInfo): number => backend.dataIdMap.get(info.dataId)!.memoryOffset;

/** Leading axes folded into one batch axis: `[batch, rows, cols]`. */
function asBatch(shape: number[]): [number, number, number] {
  const [rows, cols] = shape.slice(-2);
  return [tf.util.sizeFromShape(shape.slice(0, -2)), rows, cols];
}

function transposeKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x } = inputs as { x: tf.TensorInfo };
  const [batch, rows, cols] = asBatch(x.shape);
  const out = wasm.makeOutput([...x.shape.slice(0, -2), cols, rows], 'float32');
  kernelsOf(wasm).transpose(offsetOf(wasm, x), offsetOf(wasm, out), batch, rows, cols);
  return out;
}

function batchMatMulKernel({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const [batchA, rowsA, colsA] = asBatch(a.shape);
  const [batchB, rowsB, colsB] = asBatch(b.shape);
  const [m, k] = transposeA ? [colsA, rowsA] : [rowsA, colsA];
  const n = transposeB ? rowsB : colsB;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) throw new Error(`${SIMD_BATCH_MAT_MUL}: batches of ${batchA} and ${batchB} matrices do not broadcast`);
  if ((transposeB ? colsB : rowsB) !== k) throw new Error(`${SIMD_BATCH_MAT_MUL}: inner sizes ${k} and ${transposeB ? colsB : rowsB} differ`);
  const batch = Math.max(batchA, batchB);
  const kernels = kernelsOf(wasm);
  // B is read row by row in vectors, so a transposed B is copied out first (a transposed A is only strides).
  const bRowMajor = transposeB ? wasm.makeOutput([batchB, colsB, rowsB], 'float32') : b;
  if (transposeB) kernels.transpose(offsetOf(wasm, b), offsetOf(wasm, bRowMajor), batchB, rowsB, colsB);
  const out = wasm.makeOutput([batch, m, n], 'float32');
  const [sAi, sAp] = transposeA ? [1, colsA] : [colsA, 1];
  kernels.matmul(offsetOf(wasm, a), batchA === 1 ? 0 : rowsA * colsA, sAi, sAp, offsetOf(wasm, bRowMajor), batchB === 1 ? 0 : k * n, offsetOf(wasm, out), batch, m, k, n);
  if (transposeB) wasm.disposeData(bRowMajor.dataId);
  return out;
}

function geluKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x } = inputs as { x: tf.TensorInfo };
  const out = wasm.makeOutput(x.shape, 'float32');
  kernelsOf(wasm).gelu(offsetOf(wasm, x), offsetOf(wasm, out), tf.util.sizeFromShape(x.shape));
  return out;
}

function geluGradKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const out = wasm.makeOutput(x.shape, 'float32');
  kernelsOf(wasm).geluGrad(offsetOf(wasm, x), offsetOf(wasm, dy), offsetOf(wasm, out), tf.util.sizeFromShape(x.shape));
  return out;
}

/** Inputs and outputs as engine/transformerKernels.ts's LayerNorm kernels (which serve widths not a multiple of 4). */
function layerNormKernel({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const wasm = backend as BackendWasm;
  const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const [rows, d] = x.shape;
  const outputs = [wasm.makeOutput([rows, d], 'float32'), wasm.makeOutput([rows], 'float32'), wasm.makeOutput([rows], 'float32')];
  const [y, mean, rstd] = outputs.map((t) => offsetOf(wasm, t));
  kernelsOf(wasm).layerNorm(offsetOf(wasm, x), offsetOf(wasm, gamma), offsetOf(wasm, beta), y, mean, rstd, rows, d, attrs!.epsilon as number);
  return outputs;
}

function layerNormGradKernel({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo[] {
  const wasm = backend as BackendWasm;
  const { dy, x, gamma, mean, rstd } = inputs as Record<'dy' | 'x' | 'gamma' | 'mean' | 'rstd', tf.TensorInfo>;
  const [rows, d] = x.shape;
  const outputs = [wasm.makeOutput([rows, d], 'float32'), wasm.makeOutput([d], 'float32'), wasm.makeOutput([d], 'float32')];
  const [dx, dgamma, dbeta] = outputs.map((t) => offsetOf(wasm, t));
  kernelsOf(wasm).layerNormGrad(offsetOf(wasm, dy), offsetOf(wasm, x), offsetOf(wasm, gamma), offsetOf(wasm, mean), offsetOf(wasm, rstd), dx, dgamma, dbeta, rows, d);
  return outputs;
}

function register(): void {
  if (tf.getKernel(SIMD_TRANSPOSE, 'wasm')) return;
  tf.registerKernel({ kernelName: SIMD_TRANSPOSE, backendName: 'wasm', kernelFunc: transposeKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: SIMD_BATCH_MAT_MUL, backendName: 'wasm', kernelFunc: batchMatMulKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: SIMD_GELU, backendName: 'wasm', kernelFunc: geluKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: SIMD_GELU_GRAD, backendName: 'wasm', kernelFunc: geluGradKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: SIMD_LAYER_NORM, backendName: 'wasm', kernelFunc: layerNormKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: SIMD_LAYER_NORM_GRAD, backendName: 'wasm', kernelFunc: layerNormGradKernel as unknown as tf.KernelFunc });
  tf.registerGradient({ kernelName: SIMD_TRANSPOSE, gradFunc: (dy) => ({ x: () => transposeLastTwo(dy as tf.Tensor) }) });
}

/** Whether the SIMD kernels serve the current backend (the WebAssembly one, with a linkable memory). */
export function simdKernelsActive(): boolean {
  if (instance?.backend === tf.backend()) return true;
  if (tf.getBackend() !== 'wasm' || unavailable) return false;
  if (!memoryOf(tf.backend() as BackendWasm)) {
    unavailable = true;
    return false;
  }
  register();
  kernelsOf(tf.backend() as BackendWasm);
  return true;
}

/** Whether LayerNorm over `units` values runs in the SIMD kernels (their rows are whole vectors of 4). */
export function simdLayerNormServes(units: number): boolean {
  return units % 4 === 0 && simdKernelsActive();
}

/** xᵀ over the last two axes (any leading axes are a batch). */
export function transposeLastTwo<T extends tf.Tensor>(x: T): T {
  if (x.dtype === 'float32' && simdKernelsActive()) return tf.engine().runKernel(SIMD_TRANSPOSE, { x }) as T;
  const perm = [...Array(x.rank).keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return tf.transpose(x, perm);
}

/**
 * op(A)·op(B) of two batches of matrices (`n × r × k` · `n × k × c`, a batch of 1 broadcasts), where op transposes
 * when asked. No gradient: callers wrap it in their own (transformerLayers.ts, dense.ts).
 */
export function batchMatMulSimd(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false, transposeB = false): tf.Tensor3D {
  if (a.dtype === 'float32' && b.dtype === 'float32' && simdKernelsActive()) {
    return tf.engine().runKernel(SIMD_BATCH_MAT_MUL, { a, b }, { transposeA, transposeB } as unknown as tf.NamedAttrMap) as tf.Tensor3D;
  }
  return tf.matMul(a, b, transposeA, transposeB);
}

/**
 * The exact GELU x·Φ(x) in one pass each way (kernels.wat: Φ by Abramowitz & Stegun 7.1.26, the precision of
 * tfjs's own erf). Call only where `simdKernelsActive()`: elsewhere transformerLayers.ts composes tfjs ops.
 */
export const geluSimd = tf.customGrad((...args: unknown[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  if (!simdKernelsActive()) throw new Error('geluSimd needs the WebAssembly backend');
  save([x]);
  return {
    value: tf.engine().runKernel(SIMD_GELU, { x }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.engine().runKernel(SIMD_GELU_GRAD, { x: saved[0], dy: dy as tf.Tensor }) as tf.Tensor,
  };
}) as unknown as <T extends tf.Tensor>(x: T) => T;
