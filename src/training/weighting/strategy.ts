/**
 * One interface for every loss-weighting strategy, and the descriptor each one declares beside it (one
 * file each, registered in `registry.ts`).
 *
 * The trainer calls, per step:
 *   combine(losses)  — inside the gradient tape: the objective from the K per-task losses;
 *   afterStep(values) — outside it, with the losses as numbers: update non-gradient state (DWA);
 *   weights()        — each task's current weight, for the `weights` field of train records.
 * Strategies with trainable parameters expose them in `parameters()`; the same optimiser trains them.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { MethodDescriptor, MethodOptions, NoOptions } from '../config/method';
import type { LossConfig, TaskConfig } from '../config/schema';
import type { Parameter } from '../models/dense';
import type { EventCode } from '../run/records';

export interface StepInfo {
  /** 1-based step about to be taken. */
  step: number;
  epoch: number;
  /** Index of this step within its epoch (0-based) and steps per epoch. */
  stepInEpoch: number;
  stepsPerEpoch: number;
}

/** A warning the strategy wants recorded as an `event` (e.g. the softmax weights collapsed). */
export interface WeightingEvent {
  level: 'info' | 'warning';
  code: EventCode;
  message: string;
  data?: unknown;
}

export interface WeightingStrategy {
  readonly name: string;
  parameters(): Parameter[];
  /** Called once before the first step of each step (outside any tape): draw random weights, etc. */
  beforeStep?(info: StepInfo): void;
  /** The objective. `losses` is a K-vector of unweighted per-task mini-batch losses. */
  combine(losses: tf.Tensor1D, info: StepInfo): tf.Scalar;
  /** After the step (not inside the tape), with the K loss values of this step. */
  afterStep?(losses: number[], info: StepInfo): WeightingEvent[] | void;
  /** Each task's weight as of the last step, in task order. */
  weights(): number[];
  /**
   * Gradient methods (PCGrad, MGDA, CAGrad): given the K×K Gramian of the per-task gradients of the
   * shared parameters, the coefficients β of the shared update Σ β_k g_k. When defined, the trainer
   * computes those gradients (K extra backward passes), and task-specific parameters get the gradient
   * of Σ L_k, as LibMTL does.
   */
  shareGradients?(gram: number[][], info: StepInfo): number[];
  /**
   * GradNorm: after the backward pass, with ‖∇_W L_k‖ per task (W = the model's last shared layer,
   * `lastSharedParameters()`, unweighted losses), the K loss values and whether this batch had labels for
   * each task; updates the weights used from the next step on. When defined, the trainer computes those
   * norms (K backward passes that stop at W).
   */
  balanceGradientNorms?(norms: number[], losses: number[], info: StepInfo, labelled: readonly boolean[]): void;
  /**
   * FAMO: after the update, this batch's task losses once more (one more forward pass, same dropout masks),
   * beside the losses before it, for weights that follow how much each task improved.
   */
  afterUpdate?(before: number[], after: number[], info: StepInfo): void;
  /** JSON-serialisable non-tensor state, for checkpoints (tensor state lives in `parameters()`). */
  getState?(): unknown;
  setState?(state: unknown): void;
}

export interface WeightingContext {
  loss: LossConfig;
  tasks: TaskConfig[];
  seed: number;
}

/**
 * A loss weighting's descriptor (config/method.ts): what the config, New Experiment and the docs say about
 * it, and how to make one. Declared with its type written out (`WeightingMethod<'dwa', typeof options>`):
 * the config's type is derived from the descriptors, so an inferred one would be circular.
 */
export interface WeightingMethod<Id extends string = string, Options extends MethodOptions = MethodOptions, TaskOptions extends MethodOptions = NoOptions> extends MethodDescriptor<Id, Options> {
  /** Keys of each task (`tasks[].weight`) that only this weighting uses. */
  readonly taskOptions?: TaskOptions;
  /** What the model must share (architecture descriptors' `sharing`): a config without it is an error. */
  readonly needs?: 'shared-parameters' | 'last-shared-layer';
  create(context: WeightingContext): WeightingStrategy;
}
