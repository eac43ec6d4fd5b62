/**
 * Fused training kernels for the WebAssembly and plain-JavaScript backends, written in TypeScript.
 *
 * Why: on these backends a small training step is dominated by per-kernel overhead (~8–10 µs of
 * engine bookkeeping per kernel, whatever its size), not by arithmetic. The stock formulation of the
 * article's model ran ~190 kernels per step: ~15 per parameter tensor for Adam, ~15 per task for
 * softmax cross-entropy and its gradient, Identity copies of every saved tensor. Each kernel here
 * replaces one of those chains with a single pass over the data in JavaScript, reading and writing
 * the backend's own memory (the wasm heap, or the CPU backend's typed arrays) exactly as tfjs's
 * built-in kernels do. Results are new tensors (never in-place writes: tfjs-wasm caches XNNPACK
 * operators with packed weights by tensor id, so mutating a weight's memory would leave stale copies;
 * the optimiser's own slot variables are the one exception, see below).
 *
 * Accumulations run in float64 and results are stored as float32, so values differ from the
 * composite formulation only by float rounding. The native TensorFlow backends cannot run JavaScript
 * kernels; there `hasFusedKernels()` is false and callers use plain tfjs ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export const TASK_LOSSES = 'MtlTaskLosses';
export const TASK_LOSSES_GRAD = 'MtlTaskLossesGrad';
export const ACTIVATION_BIAS_GRAD = 'MtlActivationBiasGrad';
export const OPTIMIZER_STEP = 'MtlOptimizerStep';
/** Every kernel this module registers. */
export const FUSED_KERNELS: readonly string[] = [TASK_LOSSES, TASK_LOSSES_GRAD, ACTIVATION_BIAS_GRAD, OPTIMIZER_STEP];

export const FUSED_BACKENDS = ['wasm', 'cpu'] as const;
export type FusedBackendName = (typeof FUSED_BACKENDS)[number];

/** Float32 memory of tensors on one backend: views of inputs, and freshly allocated outputs. */
export interface HostMemory {
  /** Allocates an output. On wasm this may grow the heap and detach earlier views: allocate all outputs first. */
  alloc(shape: number[]): tf.TensorInfo;
  view(info: tf.TensorInfo): Float32Array;
}

function hostMemory(name: FusedBackendName, backend: unknown): HostMemory {
  if (name === 'wasm') {
    const wasm = backend as BackendWasm;
    return {
      alloc: (shape) => wasm.makeOutput(shape, 'float32'),
      view: (info) => wasm.typedArrayFromHeap(info) as Float32Array,
    };
  }
  const cpu = backend as MathBackendCPU;
  return {
    alloc: (shape) => cpu.makeTensorInfo(shape, 'float32', new Float32Array(tf.util.sizeFromShape(shape))),
    view: (info) => cpu.data.get(info.dataId).values as Float32Array,
  };
}

function requireFloat32(kernel: string, inputs: Record<string, tf.TensorInfo | undefined>): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (t && t.dtype !== 'float32') throw new Error(`${kernel}: input ${name} must be float32, got ${t.dtype}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Per-task losses, all tasks in one kernel, as the K-vector that weighting strategies combine.
//   classification ("ce"): −Σ_rows Σ_j t_j log softmax(z)_j / divisor; a row of zeros in the target
//     (an unlabelled sample) contributes nothing to the loss or the gradient;
//   regression ("mse"): Σ_rows mask·(z − t)² / divisor (mask absent: every row counts);
//   multilabel ("bce"): Σ_rows mask·Σ_j [max(z_j, 0) − z_j·t_j + log(1 + e^(−|z_j|))] / divisor, gradient
//     mask·(σ(z_j) − t_j)·dy/divisor.
// Inputs o<k> (outputs), t<k> (targets), m<k> (optional row mask, batch × 1); the gradient kernel also dy.

export type TaskLossKind = 'ce' | 'mse' | 'bce';

export interface TaskLossAttrs {
  kinds: TaskLossKind[];
  divisors: number[];
}

function crossEntropy(z: Float32Array, t: Float32Array, classes: number): number {
  let loss = 0;
  for (let o = 0; o < z.length; o += classes) {
    let max = -Infinity;
    for (let j = 0; j < classes; j++) if (z[o + j] > max) max = z[o + j];
    let sum = 0;
    let targetSum = 0;
    let dot = 0;
    for (let j = 0; j < classes; j++) {
      sum += Math.exp(z[o + j] - max);
      targetSum += t[o + j];
      dot += t[o + j] * z[o + j];
    }
    // Σ_j t_j (logsumexp − z_j); skipping unlabelled rows keeps an infinite logit there from making 0·∞ = NaN.
    if (targetSum !== 0) loss += targetSum * (max + Math.log(sum)) - dot;
  }
  return loss;
}

/** g = (softmax(z)·Σ_j t_j − t) · scale. */
function crossEntropyGrad(z: Float32Array, t: Float32Array, g: Float32Array, classes: number, scale: number): void {
  for (let o = 0; o < z.length; o += classes) {
    let max = -Infinity;
    let targetSum = 0;
    for (let j = 0; j < classes; j++) {
      if (z[o + j] > max) max = z[o + j];
      targetSum += t[o + j];
    }
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(z[o + j] - max);
    const k = (targetSum * scale) / sum;
    for (let j = 0; j < classes; j++) g[o + j] = Math.exp(z[o + j] - max) * k - t[o + j] * scale;
  }
}

function squaredError(z: Float32Array, t: Float32Array, mask: Float32Array | undefined): number {
  let loss = 0;
  for (let i = 0; i < z.length; i++) {
    const d = z[i] - t[i];
    loss += mask ? d * d * mask[i] : d * d;
  }
  return loss;
}

function sigmoidCrossEntropy(z: Float32Array, t: Float32Array, mask: Float32Array | undefined, classes: number): number {
  let loss = 0;
  for (let o = 0, r = 0; o < z.length; o += classes, r++) {
    if (mask && mask[r] === 0) continue;
    for (let j = o; j < o + classes; j++) loss += Math.max(z[j], 0) - z[j] * t[j] + Math.log1p(Math.exp(-Math.abs(z[j])));
  }
  return loss;
}

/** g = mask·(σ(z) − t)·scale. */
function sigmoidCrossEntropyGrad(z: Float32Array, t: Float32Array, mask: Float32Array | undefined, g: Float32Array, classes: number, scale: number): void {
  for (let o = 0, r = 0; o < z.length; o += classes, r++) {
    const s = mask ? mask[r] * scale : scale;
    for (let j = o; j < o + classes; j++) g[j] = s === 0 ? 0 : (1 / (1 + Math.exp(-z[j])) - t[j]) * s;
  }
}

function taskLosses(memory: HostMemory, inputs: Record<string, tf.TensorInfo>, a: TaskLossAttrs): tf.TensorInfo {
  const out = memory.alloc([a.kinds.length]);
  const losses = memory.view(out);
  a.kinds.forEach((kind, k) => {
    const o = inputs[`o${k}`];
    const t = inputs[`t${k}`];
    requireFloat32(TASK_LOSSES, { o, t, m: inputs[`m${k}`] });
    const z = memory.view(o);
    const tv = memory.view(t);
    const mask = inputs[`m${k}`] ? memory.view(inputs[`m${k}`]) : undefined;
    const sum = kind === 'ce' ? crossEntropy(z, tv, o.shape[1]) : kind === 'bce' ? sigmoidCrossEntropy(z, tv, mask, o.shape[1]) : squaredError(z, tv, mask);
    losses[k] = sum / a.divisors[k];
  });
  return out;
}

function taskLossesGrad(memory: HostMemory, inputs: Record<string, tf.TensorInfo>, a: TaskLossAttrs): tf.TensorInfo[] {
  const outs = a.kinds.map((_, k) => memory.alloc(inputs[`o${k}`].shape));
  const dy = memory.view(inputs.dy);
  a.kinds.forEach((kind, k) => {
    const z = memory.view(inputs[`o${k}`]);
    const t = memory.view(inputs[`t${k}`]);
    const g = memory.view(outs[k]);
    const scale = dy[k] / a.divisors[k];
    const mask = inputs[`m${k}`] ? memory.view(inputs[`m${k}`]) : undefined;
    if (kind === 'ce') {
      crossEntropyGrad(z, t, g, inputs[`o${k}`].shape[1], scale);
    } else if (kind === 'bce') {
      sigmoidCrossEntropyGrad(z, t, mask, g, inputs[`o${k}`].shape[1], scale);
    } else {
      for (let i = 0; i < z.length; i++) g[i] = 2 * (z[i] - t[i]) * scale * (mask ? mask[i] : 1);
    }
  });
  return outs;
}

// ---------------------------------------------------------------------------------------------
// Dense backward, first half: dz = dy ⊙ f'(y) (the activation's derivative from its output y) and
// the bias gradient db = Σ_rows dz. Linear layers pass dy through and get only db.

export type FusedActivation = 'relu' | 'tanh' | 'sigmoid' | 'elu' | 'linear';

function activationBiasGrad(memory: HostMemory, dyInfo: tf.TensorInfo, yInfo: tf.TensorInfo | undefined, activation: FusedActivation): tf.TensorInfo[] {
  const units = dyInfo.shape[1];
  const linear = activation === 'linear';
  if (!linear && !yInfo) throw new Error(`${ACTIVATION_BIAS_GRAD}: activation ${activation} needs the layer output y`);
  const dzInfo = linear ? undefined : memory.alloc(dyInfo.shape);
  const dbInfo = memory.alloc([units]);
  const dy = memory.view(dyInfo);
  const db = new Float64Array(units);
  if (linear) columnSums(dy, units, db);
  else activationDerivative(activation, dy, memory.view(yInfo!), memory.view(dzInfo!), units, db);
  memory.view(dbInfo).set(db);
  return dzInfo ? [dzInfo, dbInfo] : [dbInfo];
}

function columnSums(dz: Float32Array, units: number, db: Float64Array): void {
  for (let o = 0; o < dz.length; o += units) for (let u = 0; u < units; u++) db[u] += dz[o + u];
}

/** dz = dy ⊙ f'(y) and db = column sums of dz. One tight loop per activation (no branch on the kind inside). */
function activationDerivative(activation: FusedActivation, dy: Float32Array, y: Float32Array, dz: Float32Array, units: number, db: Float64Array): void {
  const n = dy.length;
  switch (activation) {
    case 'relu':
      // As tf.step: 1 above 0, 0 at or below, NaN stays NaN.
      for (let i = 0; i < n; i++) {
        const yi = y[i];
        dz[i] = yi > 0 ? dy[i] : yi === yi ? 0 : NaN;
      }
      break;
    case 'tanh':
      for (let i = 0; i < n; i++) dz[i] = dy[i] * (1 - y[i] * y[i]);
      break;
    case 'sigmoid':
      for (let i = 0; i < n; i++) dz[i] = dy[i] * y[i] * (1 - y[i]);
      break;
    case 'elu':
      for (let i = 0; i < n; i++) dz[i] = dy[i] * (y[i] > 0 ? 1 : y[i] + 1);
      break;
    case 'linear':
      dz.set(dy);
      break;
  }
  columnSums(dz, units, db);
}

// ---------------------------------------------------------------------------------------------
// One optimiser update for every parameter at once (see optimizers.ts for the formulas, which this
// mirrors): global gradient norm, clipping, L2 weight decay, then Adam / SGD / RMSprop. When the norm is
// not finite the parameters come back unchanged and the slots are left alone (the caller skips the step).
//
// The one exception to "results are new tensors": the optimiser's slot variables (Adam's m and v,
// momentum buffers) are updated in place. They belong to the optimiser alone, never enter a matmul,
// and giving them new tensors cost more than the update itself at small sizes (an allocation, a
// tensor registration, an assign and a free per slot per step).

export type OptimizerKind = 'adam' | 'sgd' | 'rmsprop';

export interface OptimizerStepAttrs {
  kind: OptimizerKind;
  /** Number of parameters; inputs are p0…, g0…, and s<i>_<j> for slot j of parameter i (updated in place). */
  count: number;
  /** Slots per parameter: adam 2 (m, v); sgd 0 or 1 (momentum); rmsprop 1 or 2 (square, momentum). */
  slotsPerParam: number;
  learningRate: number;
  /** Adam's step count (1-based). */
  t: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  rho: number;
  momentum: number;
  /** Global-norm clipping threshold, or −1 for none. */
  clipNorm: number;
  weightDecay: number;
  /** 1 where the parameter gets weight decay. */
  decay: number[];
}

interface AdamConstants {
  beta1: number;
  beta2: number;
  /** lr·√(1−β2^t)/(1−β1^t) */
  stepSize: number;
  /** ε·√(1−β2^t) */
  epsHat: number;
}

/** g·scale (rounded to float32, as the per-tensor path does) + wd·p; g itself when neither applies. */
function effectiveGradient(g: Float32Array, p: Float32Array, scale: number, wd: number): Float32Array {
  if (scale === 1 && wd === 0) return g;
  const out = new Float32Array(g.length);
  for (let k = 0; k < g.length; k++) out[k] = Math.fround(g[k] * scale) + p[k] * wd;
  return out;
}

/** PyTorch's form: m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; p ← p − stepSize · m / (√v + ε̂). */
function adamUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, mOut: Float32Array, vOut: Float32Array, c: AdamConstants): void {
  const { beta1, beta2, stepSize, epsHat } = c;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let k = 0, n = p.length; k < n; k++) {
    const gk = g[k];
    const mk = beta1 * m[k] + c1 * gk;
    const vk = beta2 * v[k] + c2 * gk * gk;
    mOut[k] = mk;
    vOut[k] = vk;
    out[k] = p[k] - stepSize * (mk / (Math.sqrt(vk) + epsHat));
  }
}

/** buf ← μ buf + g (when μ > 0); p ← p − lr · buf (or lr · g). */
function sgdUpdate(p: Float32Array, g: Float32Array, out: Float32Array, lr: number, mu: number, buf: Float32Array | undefined, bufOut: Float32Array | undefined): void {
  const n = p.length;
  if (buf && bufOut) {
    for (let k = 0; k < n; k++) {
      const b = mu * buf[k] + g[k];
      bufOut[k] = b;
      out[k] = p[k] - lr * b;
    }
  } else {
    for (let k = 0; k < n; k++) out[k] = p[k] - lr * g[k];
  }
}

/** sq ← ρ sq + (1−ρ) g²; step = g / (√sq + ε); with momentum buf ← μ buf + step; p ← p − lr · step. */
function rmsPropUpdate(
  p: Float32Array,
  g: Float32Array,
  out: Float32Array,
  lr: number,
  rho: number,
  eps: number,
  sq: Float32Array,
  sqOut: Float32Array,
  mu: number,
  buf: Float32Array | undefined,
  bufOut: Float32Array | undefined,
): void {
  for (let k = 0, n = p.length; k < n; k++) {
    const gk = g[k];
    const sk = rho * sq[k] + (1 - rho) * gk * gk;
    sqOut[k] = sk;
    let step = gk / (Math.sqrt(sk) + eps);
    if (buf && bufOut) {
      step = mu * buf[k] + step;
      bufOut[k] = step;
    }
    out[k] = p[k] - lr * step;
  }
}

function optimizerStep(memory: HostMemory, inputs: Record<string, tf.TensorInfo>, a: OptimizerStepAttrs): tf.TensorInfo[] {
  const { count, slotsPerParam } = a;
  const params: tf.TensorInfo[] = [];
  const grads: tf.TensorInfo[] = [];
  const slots: tf.TensorInfo[][] = [];
  for (let i = 0; i < count; i++) {
    params.push(inputs[`p${i}`]);
    grads.push(inputs[`g${i}`]);
    const s: tf.TensorInfo[] = [];
    for (let j = 0; j < slotsPerParam; j++) s.push(inputs[`s${i}_${j}`]);
    slots.push(s);
    requireFloat32(OPTIMIZER_STEP, { [`p${i}`]: params[i], [`g${i}`]: grads[i] });
    if (grads[i].shape.join() !== params[i].shape.join()) throw new Error(`${OPTIMIZER_STEP}: gradient ${i} has shape [${grads[i].shape}], parameter [${params[i].shape}]`);
  }
  // Outputs first (wasm: allocation may grow the heap and detach views): p'0 … p'(n−1), then the norm.
  // Parameters get new tensors (XNNPACK caches packed weights by tensor id); slots are updated in place.
  const outParams = params.map((p) => memory.alloc(p.shape));
  const normInfo = memory.alloc([]);

  let sumSquares = 0;
  for (const g of grads) {
    const gv = memory.view(g);
    for (let k = 0; k < gv.length; k++) sumSquares += gv[k] * gv[k];
  }
  const norm = Math.sqrt(sumSquares);
  memory.view(normInfo)[0] = norm;
  if (!Number.isFinite(norm)) {
    params.forEach((p, i) => memory.view(outParams[i]).set(memory.view(p)));
    return [...outParams, normInfo];
  }
  const scale = a.clipNorm >= 0 ? a.clipNorm / Math.max(norm, a.clipNorm) : 1;

  const bias2 = Math.sqrt(1 - a.beta2 ** a.t);
  const adam: AdamConstants = {
    beta1: a.beta1,
    beta2: a.beta2,
    stepSize: (a.learningRate * bias2) / (1 - a.beta1 ** a.t),
    epsHat: a.epsilon * bias2,
  };
  for (let i = 0; i < count; i++) {
    const p = memory.view(params[i]);
    const out = memory.view(outParams[i]);
    // The gradient as the update sees it: clipped, plus L2 decay. A copy only when it differs from g.
    const wd = a.weightDecay > 0 && a.decay[i] ? a.weightDecay : 0;
    const g = effectiveGradient(memory.view(grads[i]), p, scale, wd);
    const s = slots[i].map((x) => memory.view(x));
    switch (a.kind) {
      case 'adam':
        adamUpdate(p, g, s[0], s[1], out, s[0], s[1], adam);
        break;
      case 'sgd':
        sgdUpdate(p, g, out, a.learningRate, a.momentum, s[0], s[0]);
        break;
      case 'rmsprop':
        rmsPropUpdate(p, g, out, a.learningRate, a.rho, a.epsilon, s[0], s[0], a.momentum, s[1], s[1]);
        break;
    }
  }
  return [...outParams, normInfo];
}

// ---------------------------------------------------------------------------------------------
// Registration (once per backend name, on first use: importing this module does nothing, so the extension
// host, which bundles the method descriptors without TensorFlow.js, can load it).

export type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: unknown; attrs?: tf.NamedAttrMap };

/** Registers a kernel on one backend (once); also used by the Transformer's kernels (models/transformerKernels.ts). */
export function register(kernelName: string, backendName: FusedBackendName, run: (memory: HostMemory, args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]): void {
  if (tf.getKernel(kernelName, backendName)) return;
  tf.registerKernel({
    kernelName,
    backendName,
    kernelFunc: ((args: KernelArgs) => run(hostMemory(backendName, args.backend), args)) as unknown as tf.KernelFunc,
  });
}

let registered = false;

function registerFusedKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of FUSED_BACKENDS) registerFor(backendName);
}

function registerFor(backendName: FusedBackendName): void {
  register(TASK_LOSSES, backendName, (memory, { inputs, attrs }) => taskLosses(memory, inputs, attrs as unknown as TaskLossAttrs));
  register(TASK_LOSSES_GRAD, backendName, (memory, { inputs, attrs }) => taskLossesGrad(memory, inputs, attrs as unknown as TaskLossAttrs));
  register(ACTIVATION_BIAS_GRAD, backendName, (memory, { inputs, attrs }) => {
    const { dy, y } = inputs as { dy: tf.TensorInfo; y?: tf.TensorInfo };
    requireFloat32(ACTIVATION_BIAS_GRAD, { dy, y });
    return activationBiasGrad(memory, dy, y, attrs!.activation as FusedActivation);
  });
  register(OPTIMIZER_STEP, backendName, (memory, { inputs, attrs }) => optimizerStep(memory, inputs, attrs as unknown as OptimizerStepAttrs));
}

let checkedBackend: tf.KernelBackend | undefined;
let checkedResult = false;

/** Whether the active backend runs these kernels (wasm and cpu do; the native TensorFlow backends do not). */
export function hasFusedKernels(): boolean {
  registerFusedKernels();
  // Asked several times per step: remember the answer for the active backend instance.
  const backend = tf.backend();
  if (backend !== checkedBackend) {
    checkedBackend = backend;
    checkedResult = tf.getKernel(OPTIMIZER_STEP, tf.getBackend()) !== undefined;
  }
  return checkedResult;
}

/** Runs one of the kernels above on the active backend. */
export function runFused(kernelName: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor | tf.Tensor[] {
  registerFusedKernels();
  return tf.engine().runKernel(kernelName, inputs, attrs as tf.NamedAttrMap);
}
