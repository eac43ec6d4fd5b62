/**
 * Optimisers with state we own (so checkpoints hold it exactly): Adam (bias-corrected, as PyTorch),
 * SGD with momentum, RMSprop. Weight decay is L2 added to the gradients of weight matrices; global-norm
 * clipping bounds the update's magnitude. The global norm is read on the host before anything changes
 * (one scalar): a NaN or infinite gradient must change no parameter and no slot, since one non-finite
 * value would otherwise spread into every parameter through Adam's moments. On wasm and cpu the whole update
 * runs as one fused kernel (engine/fusedKernels.ts); the per-tensor ops below are the reference and
 * the path on the native backends. Slots stay tfjs variables with the same names either way, so
 * checkpoints do not depend on the path.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import type { MethodDescriptor, MethodOptions, NoOptions } from '../config/method';
import type { OptimizerConfig } from '../config/schema';
import type { Parameter } from '../models/dense';
import { hasFusedKernels, OPTIMIZER_STEP, runFused, type OptimizerKind, type OptimizerStepAttrs } from './fusedKernels';

export interface Optimizer {
  /**
   * Applies one update. `grads` maps tfjs variable name (`variable.name`) → gradient. Returns the global
   * gradient norm (before clipping). When that is not finite (a NaN or infinite gradient, or one so large
   * that its squared norm overflows) nothing changes — no parameter, no slot, no iteration count — and the
   * caller decides what the step becomes.
   */
  apply(grads: Record<string, tf.Tensor>): number;
  /** Slot tensors keyed by "<variable>/<slot>", for checkpoints. */
  slots(): Map<string, tf.Variable>;
  iterations: number;
  /**
   * The parameter values one update with `grads` would give — the same rule, clipping and weight decay as
   * `apply`, from the current slots and iteration count — changing nothing (no parameter, slot or count).
   * Only the parameters in `grads` (variable name → gradient); the global norm is theirs. Null when that norm is
   * not finite. The caller disposes the returned tensors.
   */
  lookahead(grads: Record<string, tf.Tensor>): Map<string, tf.Tensor> | null;
}

/** One parameter's update: its new value and its slots' new values (by slot name). */
interface RuleResult {
  value: tf.Tensor;
  slots: Record<string, tf.Tensor>;
}

/**
 * Above this many parameter values the per-tensor ops win on wasm: the fused kernel's JavaScript
 * loop costs ~10 ns per value (scalar float64 sqrt and divide), the per-tensor wasm SIMD kernels
 * ~6 ns per value plus ~0.6 ms of fixed per-kernel overhead. Measured for Adam on the article model:
 * 6.6 k values 0.14 ms fused vs 0.73 ms per-tensor; 556 k values 5.5 ms vs 4.0 ms. Crossover ≈ 150 k.
 */
export const FUSED_OPTIMIZER_MAX_VALUES = 150_000;

export interface OptimizerOptions {
  /**
   * Use the one-kernel update (engine/fusedKernels.ts) where the backend runs it (wasm, cpu).
   * Default: when the model has at most FUSED_OPTIMIZER_MAX_VALUES parameter values. false forces
   * the per-tensor tfjs ops (which native backends always use), true the fused kernel.
   */
  fused?: boolean;
}

abstract class BaseOptimizer implements Optimizer {
  iterations = 0;
  protected readonly slotVars = new Map<string, tf.Variable>();
  protected abstract readonly kind: OptimizerKind;

  constructor(
    protected readonly params: Parameter[],
    protected readonly config: OptimizerConfig,
    private readonly options: OptimizerOptions = {},
  ) {}

  protected slot(param: Parameter, name: string): tf.Variable {
    const key = `${param.name}/${name}`;
    let v = this.slotVars.get(key);
    if (!v) {
      v = tf.variable(tf.zerosLike(param.variable), false);
      this.slotVars.set(key, v);
    }
    return v;
  }

  private fusedBySize: boolean | undefined;

  private useFused(): boolean {
    if (this.options.fused !== undefined) return this.options.fused;
    this.fusedBySize ??= this.params.reduce((n, p) => n + p.variable.size, 0) <= FUSED_OPTIMIZER_MAX_VALUES;
    return this.fusedBySize;
  }

  slots(): Map<string, tf.Variable> {
    // Create every slot up front so a checkpoint written before the first step is complete.
    for (const p of this.params) for (const s of this.slotNames()) this.slot(p, s);
    return this.slotVars;
  }

  /** A slot's current value, without creating it (a slot never written is zero). */
  protected slotValue(param: Parameter, name: string): tf.Tensor {
    return this.slotVars.get(`${param.name}/${name}`) ?? tf.zerosLike(param.variable);
  }

  protected abstract slotNames(): string[];
  /** The optimiser's rule, pure: the new value of `param` and of its slots after a step with gradient `grad` at iteration `t`. */
  protected abstract rule(param: Parameter, grad: tf.Tensor, t: number): RuleResult;

  private update(param: Parameter, grad: tf.Tensor, t: number): void {
    const { value, slots } = this.rule(param, grad, t);
    for (const [name, v] of Object.entries(slots)) this.slot(param, name).assign(v);
    param.variable.assign(value);
  }

  /** The gradient each parameter's rule sees: scaled by clipNorm / norm when over it, plus L2 weight decay. */
  private effectiveGradient(p: Parameter, grad: tf.Tensor, scale: number | null): tf.Tensor {
    let g = grad;
    if (scale !== null) g = tf.mul(g, scale);
    if (this.config.weightDecay > 0 && p.decay) g = tf.add(g, tf.mul(p.variable, this.config.weightDecay));
    return g;
  }

  private globalNorm(active: Parameter[], grads: Record<string, tf.Tensor>): { norm: number; scale: number | null } {
    const norm = tf.tidy(() => tf.sqrt(tf.addN(active.map((p) => tf.sum(tf.square(grads[p.variable.name]))))).dataSync()[0]);
    const clip = this.config.clipNorm;
    // clip / max(norm, clip): 1 when under the threshold.
    return { norm, scale: clip != null && norm > clip ? clip / norm : null };
  }

  lookahead(grads: Record<string, tf.Tensor>): Map<string, tf.Tensor> | null {
    const active = this.params.filter((p) => grads[p.variable.name] !== undefined);
    const { norm, scale } = this.globalNorm(active, grads);
    if (!Number.isFinite(norm)) return null;
    const t = this.iterations + 1;
    return new Map(active.map((p) => [p.variable.name, tf.tidy(() => this.rule(p, this.effectiveGradient(p, grads[p.variable.name], scale), t).value)]));
  }

  apply(grads: Record<string, tf.Tensor>): number {
    const t = this.iterations + 1;
    const norm = this.useFused() && hasFusedKernels() ? this.applyFused(grads, t) : this.applyPerTensor(grads, t);
    if (Number.isFinite(norm)) this.iterations = t;
    return norm;
  }

  private applyPerTensor(grads: Record<string, tf.Tensor>, t: number): number {
    const active = this.params.filter((p) => grads[p.variable.name] !== undefined);
    const { norm, scale } = this.globalNorm(active, grads);
    if (!Number.isFinite(norm)) return norm;
    tf.tidy(() => {
      for (const p of active) this.update(p, this.effectiveGradient(p, grads[p.variable.name], scale), t);
    });
    return norm;
  }

  /**
   * The same update as the per-tensor ops, for every parameter in one kernel: ~15 kernels per
   * parameter tensor become one per step (the new values are then assigned to the variables).
   */
  private applyFused(grads: Record<string, tf.Tensor>, t: number): number {
    const active = this.params.filter((p) => grads[p.variable.name] !== undefined);
    const slotNames = this.slotNames();
    const inputs: tf.NamedTensorMap = {};
    active.forEach((p, i) => {
      inputs[`p${i}`] = p.variable;
      inputs[`g${i}`] = grads[p.variable.name];
      slotNames.forEach((name, j) => (inputs[`s${i}_${j}`] = this.slot(p, name)));
    });
    const attrs: OptimizerStepAttrs = {
      kind: this.kind,
      count: active.length,
      slotsPerParam: slotNames.length,
      learningRate: this.config.learningRate,
      t,
      beta1: Adam.beta1,
      beta2: Adam.beta2,
      epsilon: this.kind === 'rmsprop' ? RmsProp.epsilon : Adam.epsilon,
      rho: RmsProp.rho,
      momentum: this.config.momentum ?? 0,
      clipNorm: this.config.clipNorm ?? -1,
      weightDecay: this.config.weightDecay,
      decay: active.map((p) => (p.decay ? 1 : 0)),
    };
    // New parameter tensors come back (assigned below); the slot variables are updated in place.
    const out = runFused(OPTIMIZER_STEP, inputs, attrs) as tf.Tensor[];
    active.forEach((p, i) => {
      p.variable.assign(out[i]);
      // The variable now holds the new value; drop the kernel's own handle.
      out[i].dispose();
    });
    const norm = out[active.length].dataSync()[0];
    out[active.length].dispose();
    return norm;
  }
}

export class Adam extends BaseOptimizer {
  protected readonly kind = 'adam';
  static readonly beta1 = 0.9;
  static readonly beta2 = 0.999;
  static readonly epsilon = 1e-8;

  protected slotNames(): string[] {
    return ['m', 'v'];
  }

  protected rule(p: Parameter, g: tf.Tensor, t: number): RuleResult {
    const { beta1, beta2, epsilon } = Adam;
    const m = tf.add(tf.mul(this.slotValue(p, 'm'), beta1), tf.mul(g, 1 - beta1));
    const v = tf.add(tf.mul(this.slotValue(p, 'v'), beta2), tf.mul(tf.square(g), 1 - beta2));
    const stepSize = (this.config.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    // PyTorch's form: p −= lr/(1−β1^t) · m / (√v / √(1−β2^t) + ε)
    const denom = tf.add(tf.sqrt(v), epsilon * Math.sqrt(1 - beta2 ** t));
    return { value: tf.sub(p.variable, tf.mul(tf.div(m, denom), stepSize)), slots: { m, v } };
  }
}

export class StochasticGradientDescent extends BaseOptimizer {
  protected readonly kind = 'sgd';
  protected slotNames(): string[] {
    return this.config.momentum ? ['momentum'] : [];
  }

  protected rule(p: Parameter, g: tf.Tensor): RuleResult {
    const mu = this.config.momentum ?? 0;
    if (mu <= 0) return { value: tf.sub(p.variable, tf.mul(g, this.config.learningRate)), slots: {} };
    const buf = tf.add(tf.mul(this.slotValue(p, 'momentum'), mu), g);
    return { value: tf.sub(p.variable, tf.mul(buf, this.config.learningRate)), slots: { momentum: buf } };
  }
}

export class RmsProp extends BaseOptimizer {
  protected readonly kind = 'rmsprop';
  static readonly rho = 0.99;
  static readonly epsilon = 1e-8;

  protected slotNames(): string[] {
    return this.config.momentum ? ['square', 'momentum'] : ['square'];
  }

  protected rule(p: Parameter, g: tf.Tensor): RuleResult {
    const square = tf.add(tf.mul(this.slotValue(p, 'square'), RmsProp.rho), tf.mul(tf.square(g), 1 - RmsProp.rho));
    const scaled = tf.div(g, tf.add(tf.sqrt(square), RmsProp.epsilon));
    const mu = this.config.momentum ?? 0;
    if (mu <= 0) return { value: tf.sub(p.variable, tf.mul(scaled, this.config.learningRate)), slots: { square } };
    const momentum = tf.add(tf.mul(this.slotValue(p, 'momentum'), mu), scaled);
    return { value: tf.sub(p.variable, tf.mul(momentum, this.config.learningRate)), slots: { square, momentum } };
  }
}

/** An optimiser's descriptor (config/method.ts): what the config and the docs say about it, and how to make one. Typed explicitly, as WeightingMethod says why. */
export interface OptimizerMethod<Id extends string = string, Options extends MethodOptions = MethodOptions> extends MethodDescriptor<Id, Options> {
  create(params: Parameter[], config: OptimizerConfig, options: OptimizerOptions): Optimizer;
}

/** Shared by SGD and RMSprop: one schema object, so the config has one `optimizer.momentum`. */
const momentum = Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'momentum.', default: 0 });

const OPTIMIZER_TESTS = [{ file: 'test/unit/fused-kernels.test.ts', test: 'one fused kernel equals the per-tensor ops' }];

const adam: OptimizerMethod<'adam', NoOptions> = {
  id: 'adam',
  label: 'Adam',
  description: 'Adam with bias correction, as PyTorch writes it (β₁ 0.9, β₂ 0.999, ε 1e-8)',
  paper: { authors: 'Kingma & Ba', year: 2015, title: 'Adam: A Method for Stochastic Optimization', url: 'https://arxiv.org/abs/1412.6980' },
  options: {},
  tests: OPTIMIZER_TESTS,
  create: (params, config, options) => new Adam(params, config, options),
};

const sgd: OptimizerMethod<'sgd', { momentum: typeof momentum }> = {
  id: 'sgd',
  label: 'SGD',
  description: 'Stochastic gradient descent, with optional momentum',
  options: { momentum },
  tests: OPTIMIZER_TESTS,
  create: (params, config, options) => new StochasticGradientDescent(params, config, options),
};

const rmsprop: OptimizerMethod<'rmsprop', { momentum: typeof momentum }> = {
  id: 'rmsprop',
  label: 'RMSprop',
  description: 'RMSprop (ρ 0.99, ε 1e-8), with optional momentum',
  paper: { authors: 'Tieleman & Hinton', year: 2012, title: 'Lecture 6.5, RMSprop: divide the gradient by a running average of its recent magnitude', url: 'https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf' },
  options: { momentum },
  tests: OPTIMIZER_TESTS,
  create: (params, config, options) => new RmsProp(params, config, options),
};

export const OPTIMIZER_METHODS = [adam, sgd, rmsprop] as const;

export function createOptimizer(params: Parameter[], config: OptimizerConfig, options: OptimizerOptions = {}): Optimizer {
  const method = OPTIMIZER_METHODS.find((m) => m.id === config.name);
  if (!method) throw new Error(`unknown optimizer.name ${JSON.stringify(config.name)}`);
  return method.create(params, config, options);
}
