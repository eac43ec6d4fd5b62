/**
 * Optimisers with state we own (so checkpoints hold it exactly): Adam (bias-corrected, as PyTorch),
 * SGD with momentum, RMSprop. Weight decay is L2 added to the gradients of weight matrices; global-norm
 * clipping bounds the update's magnitude without a host round trip.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerConfig } from '../config/schema';
import type { Parameter } from '../models/dense';

export interface Optimizer {
  /** Applies one update. `grads` maps tfjs variable name (`variable.name`) → gradient. Returns the global gradient norm (before clipping) as a scalar tensor. */
  apply(grads: Record<string, tf.Tensor>): tf.Scalar;
  /** Slot tensors keyed by "<variable>/<slot>", for checkpoints. */
  slots(): Map<string, tf.Variable>;
  iterations: number;
}

abstract class BaseOptimizer implements Optimizer {
  iterations = 0;
  protected readonly slotVars = new Map<string, tf.Variable>();

  constructor(
    protected readonly params: Parameter[],
    protected readonly config: OptimizerConfig,
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

  slots(): Map<string, tf.Variable> {
    // Create every slot up front so a checkpoint written before the first step is complete.
    for (const p of this.params) for (const s of this.slotNames()) this.slot(p, s);
    return this.slotVars;
  }

  protected abstract slotNames(): string[];
  protected abstract update(param: Parameter, grad: tf.Tensor, t: number): void;

  apply(grads: Record<string, tf.Tensor>): tf.Scalar {
    this.iterations += 1;
    const t = this.iterations;
    return tf.tidy(() => {
      const active = this.params.filter((p) => grads[p.variable.name] !== undefined);
      const norm = tf.sqrt(tf.addN(active.map((p) => tf.sum(tf.square(grads[p.variable.name]))))) as tf.Scalar;
      const clip = this.config.clipNorm;
      // scale = clip / max(norm, clip): 1 when under the threshold, no data sync needed.
      const scale = clip != null ? tf.div(clip, tf.maximum(norm, clip)) : null;
      for (const p of active) {
        let g = grads[p.variable.name];
        if (scale) g = tf.mul(g, scale);
        if (this.config.weightDecay > 0 && p.decay) g = tf.add(g, tf.mul(p.variable, this.config.weightDecay));
        this.update(p, g, t);
      }
      return tf.keep(norm);
    });
  }
}

export class Adam extends BaseOptimizer {
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

export function createOptimizer(params: Parameter[], config: OptimizerConfig): Optimizer {
  switch (config.name) {
    case 'adam':
      return new Adam(params, config);
    case 'sgd':
      return new StochasticGradientDescent(params, config);
    case 'rmsprop':
      return new RmsProp(params, config);
  }
}
