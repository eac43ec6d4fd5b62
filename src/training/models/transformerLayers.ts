/**
 * The pieces of a Transformer encoder (Vaswani et al. 2017): token and learned position embeddings, LayerNorm,
 * multi-head self-attention with a padding mask, and the GELU feed-forward block, in the pre-LayerNorm
 * arrangement (Xiong et al. 2020) or the original post-LayerNorm one (BERT's; `model.norm`). Token states travel as `(batch·tokens) × d` matrices so the dense layers
 * (dense.ts, with their wasm-friendly gradients) apply unchanged; only attention reshapes to batch × heads.
 *
 * Conventions shared with the tokenizer: token id 0 is padding, and a padding token is never attended to,
 * so appending padding to a sequence changes none of its outputs (test/unit/transformer.test.ts).
 * Checked against PyTorch's `nn.TransformerEncoderLayer(norm_first=True|False, activation="gelu")` with the
 * same weights, forward and gradients (same test).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../random/rng';
import { hasFusedKernels } from '../engine/fusedKernels';
import { fusedLayerNorm } from '../engine/transformerKernels';
import { batchMatMulSimd, geluSimd, simdKernelsActive } from '../engine/simd/simdKernels';
import { DenseLayer, dropout, type Parameter } from './dense';

/** Token id of padding: the tokenizer's `[PAD]`. */
export const PAD_ID = 0;
/** What a masked attention logit gets added: exp(−1e9 − max) is 0 in float32. */
const MASKED = -1e9;
/** PyTorch's LayerNorm epsilon (and BERT's is 1e-12; either is far below the variances seen). */
const LAYER_NORM_EPSILON = 1e-5;

/** N(0, σ²) values from the run's RNG (BERT initialises embeddings with σ = 0.02). */
export function normalValues(rng: Rng, count: number, sigma: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = rng.normal() * sigma;
  return values;
}

/**
 * Rows of `table` for `ids`, with a gradient that scatters dy back into the rows (duplicates summed). tfjs's
 * own gradient of gather uses UnsortedSegmentSum, which the WebAssembly backend does not have; ScatterNd it has.
 */
export function embed(table: tf.Variable, ids: tf.Tensor1D): tf.Tensor2D {
  const fn = tf.customGrad((...args: unknown[]) => {
    const t = args[0] as tf.Tensor2D;
    // Saved, not captured: the ids are an intermediate of the step and would be gone by the backward pass.
    (args[1] as tf.GradSaveFunc)([ids]);
    return {
      value: tf.gather(t, ids),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.scatterND(tf.expandDims(saved[0], 1), dy as tf.Tensor2D, t.shape),
    };
  }) as unknown as (t: tf.Variable) => tf.Tensor2D;
  return fn(table);
}

/**
 * A·B (or A·Bᵀ) of two batches of matrices (`n × r × k` · `n × k × c`), on the SIMD kernels where they serve
 * (engine/simd/simdKernels.ts: tfjs-wasm's own batched product is a scalar loop, ~14× slower here), with a
 * gradient made of the same products: for C = A·B, dA = dC·Bᵀ and dB = Aᵀ·dC; for C = A·Bᵀ, dA = dC·B and
 * dB = dCᵀ·A.
 */
export const batchMatMul = (a: tf.Tensor3D, b: tf.Tensor3D, transposeB = false): tf.Tensor3D => (transposeB ? productTransposed(a, b) : product(a, b));

/** One product, A·B or A·Bᵀ, with its gradient; dB of A·Bᵀ is (dCᵀ·A), of A·B it is (Aᵀ·dC). */
function productWithGradient(transposeB: boolean): (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D {
  return tf.customGrad((...args: unknown[]) => {
    const [a, b, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
    save([a, b]);
    return {
      value: batchMatMulSimd(a, b, false, transposeB),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sa, sb, dc] = [...(saved as [tf.Tensor3D, tf.Tensor3D]), dy as tf.Tensor3D];
        return [batchMatMulSimd(dc, sb, false, !transposeB), transposeB ? batchMatMulSimd(dc, sa, true, false) : batchMatMulSimd(sa, dc, true, false)];
      },
    };
  }) as unknown as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;
}

const product = productWithGradient(false);
const productTransposed = productWithGradient(true);

/** y = (x − mean) / sqrt(var + ε) · γ + β over the last axis (biased variance, as PyTorch and BERT). */
export class LayerNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;

  constructor(
    readonly name: string,
    units: number,
  ) {
    this.gamma = tf.variable(tf.ones([units]), true);
    this.beta = tf.variable(tf.zeros([units]), true);
  }

  /** One fused kernel each way on wasm / cpu (engine/transformerKernels.ts), tfjs ops elsewhere. */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return hasFusedKernels() ? fusedLayerNorm(x, this.gamma, this.beta, LAYER_NORM_EPSILON) : this.composite(x);
  }

  /** From tfjs ops (native backends, and the reference the fused kernels are tested against). */
  composite(x: tf.Tensor2D): tf.Tensor2D {
    const centred = tf.sub(x, tf.mean(x, -1, true));
    const variance = tf.mean(tf.square(centred), -1, true);
    return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, LAYER_NORM_EPSILON))), this.gamma), this.beta) as tf.Tensor2D;
  }

  parameters(): Parameter[] {
    return [
      { name: `${this.name}/gamma`, variable: this.gamma, decay: false },
      { name: `${this.name}/beta`, variable: this.beta, decay: false },
    ];
  }
}

/**
 * The exact GELU, x·Φ(x) (PyTorch's default, and BERT's): one SIMD kernel each way on wasm (the tfjs ops cost
 * ≈ 20 ms a step of bench/transformer.ts there, mostly Erf and the Exp of its gradient), tfjs ops elsewhere.
 */
export function gelu(x: tf.Tensor2D): tf.Tensor2D {
  if (x.dtype === 'float32' && simdKernelsActive()) return geluSimd(x);
  return geluComposite(x);
}

/** GELU from tfjs ops (native backends, and the reference the kernel is tested against). */
export function geluComposite(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as tf.Tensor2D;
}

/** The additive attention bias of a batch of ids: `batch × 1 × 1 × tokens`, 0 on tokens, −1e9 on padding. */
export function paddingBias(ids: tf.Tensor2D): tf.Tensor4D {
  const [batch, tokens] = ids.shape;
  return tf.reshape(tf.mul(tf.cast(tf.equal(ids, PAD_ID), 'float32'), MASKED), [batch, 1, 1, tokens]);
}

export interface Shape {
  batch: number;
  tokens: number;
}

/** A step's dropout: the rate and a seed, or none (evaluation). */
export interface Drop {
  rate: number;
  seed?: number;
}

function maybeDropout<T extends tf.Tensor>(x: T, drop: Drop, offset: number): T {
  if (drop.seed === undefined || drop.rate <= 0) return x;
  const flat = tf.reshape(x, [-1, x.shape[x.rank - 1]]) as tf.Tensor2D;
  return tf.reshape(dropout(flat, drop.rate, (drop.seed + offset * 7919) >>> 0), x.shape) as T;
}

/**
 * A task's low-rank update of one projection (Hu et al. 2021, LoRA): x ↦ (α/r)·x·A·B with A `in × r` drawn
 * N(0, 1/r) and B `r × out` zero, so at the start the adapted layer is exactly the shared one. (Row-vector
 * convention: the paper's W x + (α/r) B A x with its A = Aᵀ here, B = Bᵀ.)
 */
export class LowRankUpdate {
  readonly a: tf.Variable;
  readonly b: tf.Variable;

  constructor(
    readonly name: string,
    inputs: number,
    outputs: number,
    readonly rank: number,
    readonly alpha: number,
    rng: Rng,
  ) {
    this.a = tf.variable(tf.tensor2d(normalValues(rng, inputs * rank, 1 / Math.sqrt(rank)), [inputs, rank]), true);
    this.b = tf.variable(tf.zeros([rank, outputs]), true);
  }

  /** `layer(x) + (α/r)·x·A·B`. */
  adapt(layer: DenseLayer, x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(layer.apply(x), tf.mul(tf.matMul(tf.matMul(x, this.a), this.b), this.alpha / this.rank)) as tf.Tensor2D;
  }

  parameters(): Parameter[] {
    return [
      { name: `${this.name}/lora-a`, variable: this.a, decay: true },
      { name: `${this.name}/lora-b`, variable: this.b, decay: true },
    ];
  }
}

/** One task's low-rank updates of the four attention projections of a block. */
export interface AttentionAdapters {
  query: LowRankUpdate;
  key: LowRankUpdate;
  value: LowRankUpdate;
  output: LowRankUpdate;
}

/** The projection, adapted when the task has an update for it. */
const project = (layer: DenseLayer, x: tf.Tensor2D, update?: LowRankUpdate) => (update ? update.adapt(layer, x) : layer.apply(x));

/** Multi-head self-attention: softmax(QKᵀ/√d_head + padding bias)·V per head, heads concatenated, projected. */
export class MultiHeadAttention {
  readonly query: DenseLayer;
  readonly key: DenseLayer;
  readonly value: DenseLayer;
  readonly output: DenseLayer;

  constructor(
    name: string,
    private readonly units: number,
    private readonly heads: number,
    rng: Rng,
  ) {
    if (units % heads !== 0) throw new Error(`${name}: ${units} units do not split into ${heads} heads`);
    this.query = new DenseLayer(`${name}/query`, units, units, 'linear', rng, true);
    this.key = new DenseLayer(`${name}/key`, units, units, 'linear', rng, true);
    this.value = new DenseLayer(`${name}/value`, units, units, 'linear', rng, true);
    this.output = new DenseLayer(`${name}/output`, units, units, 'linear', rng, true);
  }

  /** `(batch·tokens) × units` → `batch·heads × tokens × d_head`. */
  private split(x: tf.Tensor2D, { batch, tokens }: Shape): tf.Tensor3D {
    const perHead = this.units / this.heads;
    return tf.reshape(tf.transpose(tf.reshape(x, [batch, tokens, this.heads, perHead]), [0, 2, 1, 3]), [batch * this.heads, tokens, perHead]);
  }

  /** The attended states and the attention probabilities (`batch × heads × tokens × tokens`, before dropout). */
  apply(x: tf.Tensor2D, bias: tf.Tensor4D, shape: Shape, drop: Drop, adapters?: AttentionAdapters): { states: tf.Tensor2D; probabilities: tf.Tensor4D } {
    const { batch, tokens } = shape;
    const perHead = this.units / this.heads;
    const q = this.split(project(this.query, x, adapters?.query), shape);
    const k = this.split(project(this.key, x, adapters?.key), shape);
    const v = this.split(project(this.value, x, adapters?.value), shape);
    const logits = tf.mul(batchMatMul(q, k, true), 1 / Math.sqrt(perHead));
    const probabilities = tf.softmax(tf.add(tf.reshape(logits, [batch, this.heads, tokens, tokens]), bias)) as tf.Tensor4D;
    const dropped = maybeDropout(probabilities, drop, 1);
    const attended = batchMatMul(tf.reshape(dropped, [batch * this.heads, tokens, tokens]), v);
    const merged = tf.reshape(tf.transpose(tf.reshape(attended, [batch, this.heads, tokens, perHead]), [0, 2, 1, 3]), [batch * tokens, this.units]) as tf.Tensor2D;
    return { states: project(this.output, merged, adapters?.output), probabilities };
  }

  parameters(): Parameter[] {
    return [...this.query.parameters(), ...this.key.parameters(), ...this.value.parameters(), ...this.output.parameters()];
  }
}

/** Where the LayerNorms of a block sit (`model.norm`). */
export type NormPlacement = 'pre' | 'post';

/**
 * One encoder block. Pre-LN: h = x + Drop(MHA(LN₁ x)), out = h + Drop(W₂ Drop(GELU(W₁ LN₂ h))).
 * Post-LN (BERT): h = LN₁(x + Drop(MHA(x))), out = LN₂(h + Drop(W₂ Drop(GELU(W₁ h)))).
 */
export class EncoderBlock {
  readonly norm1: LayerNorm;
  readonly attention: MultiHeadAttention;
  readonly norm2: LayerNorm;
  readonly feedForward1: DenseLayer;
  readonly feedForward2: DenseLayer;

  constructor(
    name: string,
    units: number,
    heads: number,
    feedForward: number,
    rng: Rng,
    readonly norm: NormPlacement = 'pre',
  ) {
    this.norm1 = new LayerNorm(`${name}/norm1`, units);
    this.attention = new MultiHeadAttention(`${name}/attention`, units, heads, rng);
    this.norm2 = new LayerNorm(`${name}/norm2`, units);
    this.feedForward1 = new DenseLayer(`${name}/ff1`, units, feedForward, 'linear', rng, true);
    this.feedForward2 = new DenseLayer(`${name}/ff2`, feedForward, units, 'linear', rng, true);
  }

  apply(x: tf.Tensor2D, bias: tf.Tensor4D, shape: Shape, drop: Drop, adapters?: AttentionAdapters): { states: tf.Tensor2D; probabilities: tf.Tensor4D } {
    const pre = this.norm === 'pre';
    const { states, probabilities } = this.attention.apply(pre ? this.norm1.apply(x) : x, bias, shape, drop, adapters);
    const sum1 = tf.add(x, maybeDropout(states, drop, 2)) as tf.Tensor2D;
    const h = pre ? sum1 : this.norm1.apply(sum1);
    const inner = maybeDropout(gelu(this.feedForward1.apply(pre ? this.norm2.apply(h) : h)), drop, 3);
    const sum2 = tf.add(h, maybeDropout(this.feedForward2.apply(inner), drop, 4)) as tf.Tensor2D;
    return { states: pre ? sum2 : this.norm2.apply(sum2), probabilities };
  }

  parameters(): Parameter[] {
    return [...this.norm1.parameters(), ...this.attention.parameters(), ...this.norm2.parameters(), ...this.feedForward1.parameters(), ...this.feedForward2.parameters()];
  }
}
