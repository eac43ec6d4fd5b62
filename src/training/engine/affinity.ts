/**
 * Inter-task affinity (Fifty et al., "Efficiently Identifying Task Groupings for Multi-Task Learning", NeurIPS
 * 2021): how much a step on one task's loss alone lowers every task's loss. On one batch, with the run's optimiser
 * rule and its state read but never written (Optimizer.lookahead):
 *
 *   θ⁺ᵢ = the shared parameters after one update with ∇_θ L_i alone (task-specific parameters unchanged)
 *   Z(i→j) = 1 − L_j(θ⁺ᵢ) / L_j(θ)          (> 0: a step on i helps j; < 0: it hurts j)
 *
 * and its first-order estimate from the per-task gradients (no lookahead): for a plain SGD step θ⁺ᵢ = θ − η gᵢ,
 * L_j(θ − η gᵢ) ≈ L_j(θ) − η ⟨g_j, gᵢ⟩, so Z(i→j) ≈ η ⟨gᵢ, g_j⟩ / L_j(θ). It is only that: exact to first order
 * for SGD without momentum, clipping or weight decay; for Adam, RMSprop or momentum the real step differs in
 * direction and size, and it is labelled an approximation wherever it is shown.
 *
 * Cost per sample: K backward passes (the per-task gradients, shared with the conflict log at the same step),
 * K optimiser-rule evaluations on the shared parameters, and K + 1 forward passes (one at θ, one at each θ⁺ᵢ,
 * each giving all K losses: K² + K loss values).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from './optimizers';

export interface AffinityInputs {
  /** The shared parameters (the ones the lookahead moves). */
  shared: tf.Variable[];
  /** Each task's gradient of its own loss on the shared parameters (variable name → gradient). */
  perTask: tf.NamedTensorMap[];
  /** Their Gramian G_ij = ⟨g_i, g_j⟩. */
  gram: number[][];
  /** Every task's loss on this batch (same dropout masks) at the parameters as they are now. */
  losses: () => number[];
  optimizer: Optimizer;
  learningRate: number;
  taskNames: readonly string[];
}

export type AffinitySample = { exact: number[][]; approx: number[][] } | { skipped: string };

/** One affinity sample, or why it was skipped (a non-finite or zero loss, a non-finite lookahead). Leaves every parameter as it found it. */
export function measureAffinity(inputs: AffinityInputs): AffinitySample {
  const { shared, perTask, gram, optimizer, learningRate, taskNames } = inputs;
  const base = inputs.losses();
  const bad = base.findIndex((l) => !Number.isFinite(l) || l <= 0);
  if (bad >= 0) return { skipped: `task "${taskNames[bad]}"'s loss is ${base[bad]} at the current parameters` };
  const approx = gram.map((row) => row.map((g, j) => (learningRate * g) / base[j]));
  const saved = shared.map((v) => tf.keep(tf.clone(v)));
  const exact: number[][] = [];
  try {
    for (let i = 0; i < perTask.length; i++) {
      const next = optimizer.lookahead(perTask[i]);
      if (!next) return { skipped: `task "${taskNames[i]}"'s gradient is not finite` };
      for (const v of shared) v.assign(next.get(v.name)!);
      tf.dispose([...next.values()]);
      const after = inputs.losses();
      shared.forEach((v, k) => v.assign(saved[k]));
      const worse = after.findIndex((l) => !Number.isFinite(l));
      if (worse >= 0) return { skipped: `after a lookahead step on task "${taskNames[i]}", task "${taskNames[worse]}"'s loss is ${after[worse]}` };
      exact.push(after.map((l, j) => 1 - l / base[j]));
    }
  } finally {
    shared.forEach((v, k) => v.assign(saved[k]));
    tf.dispose(saved);
  }
  return { exact, approx };
}

/** The running sum of the samples (kept in the checkpoint) → their mean. */
export interface AffinityTotals {
  sum: number[][];
  count: number;
}

export function addSample(totals: AffinityTotals | undefined, sample: number[][]): AffinityTotals {
  if (!totals) return { sum: sample.map((r) => [...r]), count: 1 };
  return { sum: totals.sum.map((r, i) => r.map((v, j) => v + sample[i][j])), count: totals.count + 1 };
}

export function meanOf(totals: AffinityTotals): number[][] {
  return totals.sum.map((r) => r.map((v) => v / totals.count));
}
