/**
 * Non-finite values in a training step — a NaN or infinite loss, or a NaN or infinite gradient behind
 * finite losses — how they are described, and the errors a run fails with (`training.onNonFinite =
 * "fail"`). The trainer detects them (trainer.ts); one NaN applied would spread into every parameter.
 */

/**
 * What kept a step from being applied: a task's loss (or the total) or a gradient that is NaN or
 * infinite. A gradient names the task whose own loss has it when one does (none does when the
 * non-finite value comes from combining them, e.g. in a weighting's own parameters) and the first
 * parameter holding it.
 */
export type NonFiniteValue =
  | { quantity: 'loss'; task: string; value: number }
  | { quantity: 'gradient'; task?: string; parameter?: string; value: number };

/** "loss of task "a" is NaN at step 3", "gradient of task "b" is NaN at step 3 (first in parameter "shared/dense0/w")". */
export function describeNonFinite(nonFinite: NonFiniteValue, step: number): string {
  if (nonFinite.quantity === 'loss') return `loss of task "${nonFinite.task}" is ${nonFinite.value} at step ${step}`;
  const of = nonFinite.task !== undefined ? `of task "${nonFinite.task}"` : 'of the objective';
  const where = nonFinite.parameter !== undefined ? ` (first in parameter "${nonFinite.parameter}")` : ' (its global norm)';
  return `gradient ${of} is ${nonFinite.value} at step ${step}${where}`;
}

/** A run that fails on a non-finite value (`training.onNonFinite = "fail"`); `code` is its event code. */
export abstract class NonFiniteError extends Error {
  abstract readonly code: 'loss-not-finite' | 'gradient-not-finite';
  constructor(
    readonly step: number,
    message: string,
  ) {
    super(message);
  }
}

export class NonFiniteLossError extends NonFiniteError {
  readonly code = 'loss-not-finite';
  constructor(
    step: number,
    readonly task: string,
    readonly value: number,
  ) {
    super(step, `${describeNonFinite({ quantity: 'loss', task, value }, step)} (set training.onNonFinite to "skip-batch" to skip such batches, lower optimizer.learningRate, or set optimizer.clipNorm)`);
    this.name = 'NonFiniteLossError';
  }
}

export class NonFiniteGradientError extends NonFiniteError {
  readonly code = 'gradient-not-finite';
  constructor(
    step: number,
    readonly task: string | undefined,
    readonly parameter: string | undefined,
    readonly value: number,
  ) {
    super(step, `${describeNonFinite({ quantity: 'gradient', task, parameter, value }, step)} while every loss is finite (set training.onNonFinite to "skip-batch" to skip such batches, or lower optimizer.learningRate)`);
    this.name = 'NonFiniteGradientError';
  }
}

export function nonFiniteError(step: number, nonFinite: NonFiniteValue): NonFiniteError {
  return nonFinite.quantity === 'loss' ? new NonFiniteLossError(step, nonFinite.task, nonFinite.value) : new NonFiniteGradientError(step, nonFinite.task, nonFinite.parameter, nonFinite.value);
}

/** Whether every entry of a matrix (a Gramian) is finite. */
export function isFiniteMatrix(m: number[][]): boolean {
  return m.every((row) => row.every(Number.isFinite));
}
