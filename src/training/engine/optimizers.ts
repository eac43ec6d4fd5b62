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

  protected abstract slotNames(): string[];
  protected abstract update(param: Parameter, grad: tf.Tensor, t: number): void;

  apply(grads: Record<string, tf.Tensor>): number {
    const t = this.iterations + 1;
    const norm = this.useFused() && hasFusedKernels() ? this.applyFused(grads, t) : this.applyPerTensor(grads, t);
    if (Number.isFinite(norm)) this.iterations = t;
    return norm;
  }

  private applyPerTensor(grads: Record<string, tf.Tensor>, t: number): number {
    const active = this.params.filter((p) => grads[p.variable.name] !== undefined);
    const norm = tf.tidy(() => tf.sqrt(tf.addN(active.map((p) => tf.sum(tf.square(grads[p.variable.name]))))).dataSync()[0]);
    if (!Number.isFinite(norm)) return norm;
    const clip = this.config.clipNorm;
    // clip / max(norm, clip): 1 when under the threshold.
    const scale = clip != null && norm > clip ? clip / norm : null;
    tf.tidy(() => {
      for (const p of active) {
        let g = grads[p.variable.name];
        if (scale !== null) g = tf.mul(g, scale);
        if (this.config.weightDecay > 0 && p.decay) g = tf.add(g, tf.mul(p.variable, this.config.weightDecay));
        this.update(p, g, t);
      }
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

  protected update(p: Parameter, g: tf.Tensor, t: number): void {
    const m = this.slot(p, 'm');
    const v = this.slot(p, 'v');
    const { beta1, beta2, epsilon } = Adam;
    m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
    v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
    const stepSize = (this.config.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    // PyTorch's form: p −= lr/(1−β1^t) · m / (√v / √(1−β2^t) + ε)
    const denom = tf.add(tf.sqrt(v), epsilon * Math.sqrt(1 - beta2 ** t));
    p.variable.assign(tf.sub(p.variable, tf.mul(tf.div(m, denom), stepSize)));
  }
}

export class StochasticGradientDescent extends BaseOptimizer {
  protected readonly kind = 'sgd';
  protected slotNames(): string[] {
    return this.config.momentum ? ['momentum'] : [];
  }

  protected update(p: Parameter, g: tf.Tensor): void {
    const mu = this.config.momentum ?? 0;
    let step = g;
    if (mu > 0) {
      const buf = this.slot(p, 'momentum');
      buf.assign(tf.add(tf.mul(buf, mu), g));
      step = buf;
    }
    p.variable.assign(tf.sub(p.variable, tf.mul(step, this.config.learningRate)));
  }
}

export class RmsProp extends BaseOptimizer {
  protected readonly kind = 'rmsprop';
  static readonly rho = 0.99;
  static readonly epsilon = 1e-8;

  protected slotNames(): string[] {
    return this.config.momentum ? ['square', 'momentum'] : ['square'];
  }

  protected update(p: Parameter, g: tf.Tensor): void {
    const sq = this.slot(p, 'square');
    sq.assign(tf.add(tf.mul(sq, RmsProp.rho), tf.mul(tf.square(g), 1 - RmsProp.rho)));
    let step = tf.div(g, tf.add(tf.sqrt(sq), RmsProp.epsilon));
    const mu = this.config.momentum ?? 0;
    if (mu > 0) {
      const buf = this.slot(p, 'momentum');
      buf.assign(tf.add(tf.mul(buf, mu), step));
      step = buf;
    }
    p.variable.assign(tf.sub(p.variable, tf.mul(step, this.config.learningRate)));
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
