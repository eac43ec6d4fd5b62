/**
 * The article's "dynamic weight adjustment": L = Σ_i softmax(w)_i · L_i with the logits w trained by
 * the same optimiser — shipped exactly as written, because it degenerates and users should see it:
 * ∂L/∂w_j = p_j (L_j − L̄), so descent moves all weight onto the task with the smallest loss *scale*.
 *
 * Remedies, all off by default: an entropy bonus (L − τ·H(p)), a floor (p̃ = (1 − Kε)·p + ε), and
 * normalised losses (L_i / L_i(0), or log L_i). A collapse detector warns when the normalised entropy
 * H(p̃)/log K drops below 0.3 or max p̃ exceeds 0.9.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { valueAt, type ConfigIssue } from '../config/issues';
import { defaultOf, type ConfigView } from '../config/method';
import { oneOf } from '../config/schemaTypes';
import type { Parameter } from '../models/dense';
import type { StepInfo, WeightingContext, WeightingEvent, WeightingMethod, WeightingStrategy } from './strategy';

const options = {
  entropy: Type.Number({ minimum: 0, description: 'entropy bonus τ (L − τ·H(p)); > 0 keeps the weights from collapsing.', default: 0 }),
  floor: Type.Number({ minimum: 0, description: 'weight floor ε, p̃ = (1 − Kε)·p + ε. Must be below 1/K.', default: 0 }),
  normalize: oneOf(['none', 'initial', 'log'] as const, { description: 'weigh L_i / L_i(0) ("initial") or log L_i ("log") instead of the raw loss.', default: 'none' }),
};

export const learnedSoftmax: WeightingMethod<'softmax', typeof options> = {
  id: 'softmax',
  label: 'Learned softmax weights',
  description: 'The article\'s learned softmax weights, as written; they collapse onto one task without a remedy',
  options,
  check: floorIssues,
  newExperiment: {
    note: ['The learned softmax weights collapse onto one task without a remedy:', 'an entropy bonus τ, a weight floor ε (below 1/K), or normalised losses.'],
    values: () => ({ entropy: 0.01 }),
  },
  tests: [
    { file: 'test/unit/weighting.test.ts', test: 'its gradient is ∂L/∂w_j = p_j (L_j − L̄)' },
    { file: 'test/unit/weighting.test.ts', test: 'proof 1: collapses onto the small-loss task when the other task is scaled ×10, and the detector fires' },
    { file: 'test/unit/weighting.test.ts', test: 'proof 1: with the entropy bonus it does not collapse' },
  ],
  create: (context) => new LearnedSoftmaxWeighting(context),
};

/** The weight floor ε: p̃ = (1 − Kε)·p + ε is a distribution only while Kε < 1. */
function floorIssues({ resolved, tasks }: ConfigView): ConfigIssue[] {
  const floor = valueAt(resolved, ['loss', 'floor']);
  const k = tasks.length;
  if (typeof floor !== 'number' || floor <= 0 || k === 0 || floor * k < 1) return [];
  return [{ path: ['loss', 'floor'], message: `must be < 1/K = ${Number((1 / k).toPrecision(4))} with ${k} task${k === 1 ? '' : 's'}, got ${floor}` }];
}

export const COLLAPSE_ENTROPY = 0.3;
export const COLLAPSE_MAX_WEIGHT = 0.9;
/** Hysteresis: a collapsed state is cleared only once the weights are clearly spread again. */
const RECOVER_ENTROPY = 0.5;
const RECOVER_MAX_WEIGHT = 0.8;

export function normalisedEntropy(p: readonly number[]): number {
  if (p.length < 2) return 1;
  const h = -p.reduce((acc, v) => acc + (v > 0 ? v * Math.log(v) : 0), 0);
  return h / Math.log(p.length);
}

export function isCollapsed(p: readonly number[]): boolean {
  return p.length > 1 && (normalisedEntropy(p) < COLLAPSE_ENTROPY || Math.max(...p) > COLLAPSE_MAX_WEIGHT);
}

interface SoftmaxState {
  initialLosses: number[] | null;
  collapsed: boolean;
}

export class LearnedSoftmaxWeighting implements WeightingStrategy {
  readonly name = 'softmax';
  private readonly logits: tf.Variable;
  private readonly k: number;
  private readonly tau: number;
  private readonly epsilon: number;
  private readonly normalize: 'none' | 'initial' | 'log';
  private initialLosses: number[] | null = null;
  private collapsed = false;
  private current: number[];

  constructor(private readonly context: WeightingContext) {
    this.k = context.tasks.length;
    this.tau = context.loss.entropy ?? defaultOf(learnedSoftmax.options, 'entropy');
    this.epsilon = context.loss.floor ?? defaultOf(learnedSoftmax.options, 'floor');
    this.normalize = context.loss.normalize ?? defaultOf(learnedSoftmax.options, 'normalize');
    this.logits = tf.variable(tf.zeros([this.k]), true);
    this.current = new Array(this.k).fill(1 / this.k);
  }

  parameters(): Parameter[] {
    return [{ name: 'weighting/softmax/logits', variable: this.logits, decay: false }];
  }

  private applied(p: tf.Tensor1D): tf.Tensor1D {
    return this.epsilon > 0 ? tf.add(tf.mul(p, 1 - this.k * this.epsilon), this.epsilon) : p;
  }

  combine(losses: tf.Tensor1D, _info: StepInfo): tf.Scalar {
    let l = losses;
    if (this.normalize === 'log') {
      l = tf.log(tf.maximum(losses, 1e-12)) as tf.Tensor1D;
    } else if (this.normalize === 'initial') {
      // L_i(0) are constants (no gradient), taken from the first step's losses.
      if (!this.initialLosses) this.initialLosses = Array.from(losses.dataSync(), (v) => (v > 0 ? v : 1));
      l = tf.div(losses, tf.tensor1d(this.initialLosses));
    }
    const p = tf.softmax(this.logits as tf.Tensor1D);
    let objective: tf.Scalar = tf.sum(tf.mul(this.applied(p), l));
    if (this.tau > 0) {
      const entropy = tf.neg(tf.sum(tf.mul(p, tf.log(tf.maximum(p, 1e-12)))));
      objective = tf.sub(objective, tf.mul(entropy, this.tau));
    }
    return objective;
  }

  afterStep(_losses: number[], info: StepInfo): WeightingEvent[] {
    this.current = tf.tidy(() => Array.from(this.applied(tf.softmax(this.logits as tf.Tensor1D)).dataSync()));
    const events: WeightingEvent[] = [];
    const p = this.current;
    const hNorm = normalisedEntropy(p);
    const maxP = Math.max(...p);
    const named = this.context.tasks.map((t, i) => `${t.name} ${p[i].toFixed(3)}`).join(', ');
    if (!this.collapsed && isCollapsed(p)) {
      this.collapsed = true;
      const top = this.context.tasks[p.indexOf(maxP)].name;
      events.push({
        level: 'warning',
        code: 'weights-collapsed',
        message: `learned softmax weights collapsed at step ${info.step} onto "${top}" (${named}; normalised entropy ${hNorm.toFixed(3)}). ` +
          'The rule favours the task with the smallest loss scale; try loss.entropy > 0, loss.floor, loss.normalize, or weighting "uncertainty".',
        data: { weights: p, entropy: hNorm },
      });
    } else if (this.collapsed && hNorm > RECOVER_ENTROPY && maxP < RECOVER_MAX_WEIGHT) {
      this.collapsed = false;
      events.push({ level: 'info', code: 'weights-recovered', message: `task weights spread again at step ${info.step} (${named})`, data: { weights: p, entropy: hNorm } });
    }
    return events;
  }

  weights(): number[] {
    return [...this.current];
  }

  getState(): SoftmaxState {
    return { initialLosses: this.initialLosses, collapsed: this.collapsed };
  }

  setState(state: unknown): void {
    const s = state as SoftmaxState;
    this.initialLosses = s.initialLosses;
    this.collapsed = s.collapsed;
    this.current = tf.tidy(() => Array.from(this.applied(tf.softmax(this.logits as tf.Tensor1D)).dataSync()));
  }
}
