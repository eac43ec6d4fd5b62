/**
 * The WebAssembly SIMD kernels (src/training/engine/simd): batched products and transposes against plain
 * float64 loops written here, every transpose combination, ragged sizes (rows not a multiple of 4, columns not a
 * multiple of 8, the scalar tails), broadcast batches; the fallback on the JavaScript backend; the gradient of
 * the attention product against finite differences; GELU and its derivative against a float64 integration of the
 * normal density; and the committed binary against its source.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { assembleKernels, KERNELS_BINARY_TS, kernelsBinarySource } from '../../scripts/wasm-kernels';
import { selectBackend } from '../../src/training/backend/select';
import { batchMatMulSimd, SIMD_BATCH_MAT_MUL, SIMD_GELU, SIMD_TRANSPOSE, simdKernelsActive, transposeLastTwo } from '../../src/training/engine/simd/simdKernels';
import { batchMatMul, gelu } from '../../src/training/models/transformerLayers';
import { Rng } from '../../src/training/random/rng';

function values(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** op(A)·op(B) per batch in float64, from the flat arrays as stored. */
function reference(a: Float32Array, b: Float32Array, [batchA, batchB]: number[], m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): Float64Array {
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let s = 0; s < batch; s++) {
    const ao = (batchA === 1 ? 0 : s) * m * k;
    const bo = (batchB === 1 ? 0 : s) * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += a[ao + (transposeA ? p * m + i : i * k + p)] * b[bo + (transposeB ? j * k + p : p * n + j)];
        out[s * m * n + i * n + j] = sum;
      }
    }
  }
  return out;
}

function assertClose(got: Float32Array | Float64Array, want: Float64Array, tolerance: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tolerance * (1 + Math.abs(want[i])), `${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
  }
}

const SHAPES: [batchA: number, batchB: number, m: number, k: number, n: number][] = [
  [1, 1, 1, 1, 1],
  [3, 3, 5, 7, 9], // 4-row block + 1 row; 8-column block + a scalar column
  [2, 2, 4, 8, 8],
  [4, 4, 13, 17, 23],
  [5, 1, 6, 3, 16], // B broadcast over A's batch
  [1, 3, 9, 4, 11], // A broadcast
  [8, 8, 64, 32, 64], // attention's shapes
];

test('the committed kernelsBinary.ts is the assembly of kernels.wat (node --import tsx scripts/wasm-kernels.ts)', async () => {
  assert.equal(readFileSync(KERNELS_BINARY_TS, 'utf8'), kernelsBinarySource(await assembleKernels()));
});

test('wasm: batched products equal float64 loops for every transpose combination and ragged sizes', async () => {
  await selectBackend('wasm');
  assert.equal(simdKernelsActive(), true, 'the SIMD kernels serve the WebAssembly backend');
  const rng = new Rng(7);
  for (const [batchA, batchB, m, k, n] of SHAPES) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        const [av, bv] = [values(rng, batchA * m * k), values(rng, batchB * k * n)];
        const a = tf.tensor3d(av, transposeA ? [batchA, k, m] : [batchA, m, k]);
        const b = tf.tensor3d(bv, transposeB ? [batchB, n, k] : [batchB, k, n]);
        const profile = await tf.profile(() => batchMatMulSimd(a, b, transposeA, transposeB));
        assert.ok(profile.kernels.some((kernel) => kernel.name === SIMD_BATCH_MAT_MUL), 'ran the SIMD kernel');
        const c = batchMatMulSimd(a, b, transposeA, transposeB);
        const what = `${batchA}/${batchB}×${m}×${k}×${n} tA=${transposeA} tB=${transposeB}`;
        assert.deepEqual(c.shape, [Math.max(batchA, batchB), m, n], what);
        assertClose(c.dataSync() as Float32Array, reference(av, bv, [batchA, batchB], m, k, n, transposeA, transposeB), 1e-5, what);
        tf.dispose([a, b, c]);
      }
    }
  }
});

test('wasm: transposes of the last two axes are exact, with ragged edges and leading axes', async () => {
  await selectBackend('wasm');
  const rng = new Rng(3);
  for (const shape of [[1, 1], [4, 4], [7, 5], [2048, 12], [3, 9, 6], [2, 2, 8, 13]]) {
    const x = tf.tensor(values(rng, tf.util.sizeFromShape(shape)), shape);
    const profile = await tf.profile(() => transposeLastTwo(x));
    assert.ok(profile.kernels.some((kernel) => kernel.name === SIMD_TRANSPOSE), 'ran the SIMD kernel');
    const y = transposeLastTwo(x);
    const [rows, cols] = shape.slice(-2);
    assert.deepEqual(y.shape, [...shape.slice(0, -2), cols, rows]);
    const [xs, ys] = [x.dataSync(), y.dataSync()];
    for (let s = 0; s < xs.length / (rows * cols); s++) {
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) assert.equal(ys[s * rows * cols + j * rows + i], xs[s * rows * cols + i * cols + j]);
    }
    tf.dispose([x, y]);
  }
});

test('cpu: the same functions fall back to tfjs ops', async () => {
  await selectBackend('cpu');
  assert.equal(simdKernelsActive(), false);
  const a = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3]);
  assert.deepEqual(transposeLastTwo(a).arraySync(), [[[1, 4], [2, 5], [3, 6]]]);
  assert.deepEqual(batchMatMulSimd(a, a, false, true).arraySync(), [[[14, 32], [32, 77]]]);
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`${backend}: the attention product's gradients (A·B and A·Bᵀ) equal central finite differences`, async () => {
    await selectBackend(backend);
    const rng = new Rng(11);
    const [batch, m, k, n] = [3, 5, 6, 9];
    for (const transposeB of [false, true]) {
      const av = values(rng, batch * m * k);
      const bv = values(rng, batch * k * n);
      const weights = values(rng, batch * m * n);
      const bShape: [number, number, number] = transposeB ? [batch, n, k] : [batch, k, n];
      // L = Σ weights ⊙ (A·op(B)), in float64 from the arrays.
      const loss = (x: Float32Array | Float64Array, y: Float32Array | Float64Array) => {
        const c = reference(Float32Array.from(x), Float32Array.from(y), [batch, batch], m, k, n, false, transposeB);
        return c.reduce((sum, v, i) => sum + v * weights[i], 0);
      };
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(batchMatMul(a as tf.Tensor3D, b as tf.Tensor3D, transposeB), tf.tensor3d(weights, [batch, m, n]))));
      const [da, db] = grads([tf.tensor3d(av, [batch, m, k]), tf.tensor3d(bv, bShape)]).map((g) => g.dataSync());
      const h = 1e-3;
      for (const [which, base, grad] of [['A', av, da], ['B', bv, db]] as const) {
        for (let i = 0; i < base.length; i += 7) {
          const [plus, minus] = [Float64Array.from(base), Float64Array.from(base)];
          plus[i] += h;
          minus[i] -= h;
          const numeric = which === 'A' ? (loss(plus, bv) - loss(minus, bv)) / (2 * h) : (loss(av, plus) - loss(av, minus)) / (2 * h);
          assert.ok(Math.abs(grad[i] - numeric) < 2e-3 * (1 + Math.abs(numeric)), `${backend} transposeB=${transposeB} d${which}[${i}] = ${grad[i]}, numeric ${numeric}`);
        }
      }
    }
  });
}

/** Φ(x) in float64 by Simpson's rule on the normal density (independent of any erf approximation). */
function normalCdf(x: number): number {
  const density = (t: number) => Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
  const intervals = 2000;
  const h = x / intervals;
  let sum = density(0) + density(x);
  for (let i = 1; i < intervals; i++) sum += density(i * h) * (i % 2 === 1 ? 4 : 2);
  return 0.5 + (sum * h) / 3;
}

test('wasm: the GELU kernels equal x·Φ(x) and Φ(x) + x·φ(x) from a float64 integration, tails and NaN included', async () => {
  await selectBackend('wasm');
  // 1603 values: not a multiple of 4, so the scalar tail runs too.
  const xs = Float32Array.from({ length: 1603 }, (_, i) => -8 + (16 * i) / 1602);
  const rng = new Rng(5);
  const dys = values(rng, xs.length);
  const x = tf.tensor1d(xs);
  const profile = await tf.profile(() => gelu(x as unknown as tf.Tensor2D));
  assert.ok(profile.kernels.some((kernel) => kernel.name === SIMD_GELU), 'ran the SIMD kernel');
  const [y, dx] = tf.tidy(() => {
    const [yv, grads] = [gelu(x as unknown as tf.Tensor2D), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gelu(v as tf.Tensor2D), tf.tensor1d(dys))))(x)];
    return [yv.dataSync(), grads.dataSync()];
  });
  for (let i = 0; i < xs.length; i++) {
    const [v, cdf] = [xs[i], normalCdf(xs[i])];
    const density = Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI);
    assert.ok(Math.abs(y[i] - v * cdf) < 1e-6 * (1 + Math.abs(v)), `gelu(${v}) = ${y[i]}, expected ${v * cdf}`);
    const want = dys[i] * (cdf + v * density);
    assert.ok(Math.abs(dx[i] - want) < 2e-6 * (1 + Math.abs(dys[i])), `gelu'(${v})·dy = ${dx[i]}, expected ${want}`);
  }
  const special = gelu(tf.tensor1d([NaN, Infinity, -Infinity, 0, -100]) as unknown as tf.Tensor2D).dataSync();
  assert.ok(Number.isNaN(special[0]), 'NaN stays NaN (the non-finite guard must see it)');
  assert.equal(special[1], Infinity);
  assert.ok(Object.is(special[3], 0) || special[3] === 0);
  assert.ok(Math.abs(special[4]) < 1e-30, `gelu(−100) ≈ 0, got ${special[4]}`);
});

test('cpu: gelu is the composite of tfjs ops (no SIMD kernel there), within float rounding of the kernel', async () => {
  const xs = Float32Array.from({ length: 401 }, (_, i) => -6 + (12 * i) / 400);
  await selectBackend('cpu');
  const onCpu = gelu(tf.tensor1d(xs) as unknown as tf.Tensor2D).dataSync();
  await selectBackend('wasm');
  const onWasm = gelu(tf.tensor1d(xs) as unknown as tf.Tensor2D).dataSync();
  for (let i = 0; i < xs.length; i++) assert.ok(Math.abs(onCpu[i] - onWasm[i]) < 1e-6, `x = ${xs[i]}: ${onCpu[i]} vs ${onWasm[i]}`);
});
