/**
 * Per-task losses with missing labels masked, and the host-side batch tensors they need.
 * Classification: softmax cross-entropy on one-hot targets; an unlabelled sample gets an all-zero
 * target row, so masking costs no extra op. Regression: mean squared error over labelled samples.
 * Multilabel: sigmoid cross-entropy of every label, max(z, 0) − z·t + log(1 + e^(−|z|)), averaged over the
 * labels and the labelled samples (PyTorch's BCEWithLogitsLoss over the labelled rows); unlabelled rows masked.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedTask, Split, TaskLabels } from '../data/dataset';
import { hasFusedKernels, runFused, TASK_LOSSES, TASK_LOSSES_GRAD, type TaskLossAttrs, type TaskLossKind } from './fusedKernels';

export interface TaskBatch {
  /** Classification: `batch × classes` one-hot (zero rows where unlabelled). Regression: `batch × 1` targets. Multilabel: `batch × classes` of 0/1. */
  target: tf.Tensor2D;
  /** Regression and multilabel, only when some sample is unlabelled: `batch × 1` of 0/1. */
  mask?: tf.Tensor2D;
  /** Labelled samples in the batch. */
  count: number;
}

export interface Batch {
  x: tf.Tensor2D;
  tasks: TaskBatch[];
  size: number;
}

/** Gathers rows `indices` of a split into tensors. */
export function makeBatch(split: Split, inputDim: number, tasks: readonly ResolvedTask[], indices: ArrayLike<number>): Batch {
  const size = indices.length;
  const x = new Float32Array(size * inputDim);
  for (let r = 0; r < size; r++) x.set(split.x.subarray(indices[r] * inputDim, (indices[r] + 1) * inputDim), r * inputDim);
  const taskBatches = tasks.map((task): TaskBatch => {
    const { values, mask } = split.labels[task.name];
    let count = 0;
    if (task.type === 'classification') {
      const classes = task.outputs;
      const oneHot = new Float32Array(size * classes);
      for (let r = 0; r < size; r++) {
        const i = indices[r];
        if (mask[i]) {
          oneHot[r * classes + values[i]] = 1;
          count++;
        }
      }
      return { target: tf.tensor2d(oneHot, [size, classes]), count };
    }
    if (task.type === 'multilabel') return multilabelBatch(split.labels[task.name], task.outputs, indices);
    const y = new Float32Array(size);
    const m = new Float32Array(size);
    for (let r = 0; r < size; r++) {
      const i = indices[r];
      if (mask[i]) {
        y[r] = values[i];
        m[r] = 1;
        count++;
      }
    }
    return { target: tf.tensor2d(y, [size, 1]), mask: count < size ? tf.tensor2d(m, [size, 1]) : undefined, count };
  });
  return { x: tf.tensor2d(x, [size, inputDim]), tasks: taskBatches, size };
}

/** A multilabel task's targets (the rows' label sets) and, when some row is unlabelled, its row mask. */
function multilabelBatch({ mask, sets }: TaskLabels, classes: number, indices: ArrayLike<number>): TaskBatch {
  const size = indices.length;
  const t = new Float32Array(size * classes);
  const m = new Float32Array(size);
  let count = 0;
  for (let r = 0; r < size; r++) {
    const i = indices[r];
    if (!mask[i]) continue;
    for (let c = 0; c < classes; c++) t[r * classes + c] = sets![i * classes + c];
    m[r] = 1;
    count++;
  }
  return { target: tf.tensor2d(t, [size, classes]), mask: count < size ? tf.tensor2d(m, [size, 1]) : undefined, count };
}

/** The divisor of a task's summed loss: its labelled samples (× labels, multilabel), at least 1. */
function lossDivisor(task: ResolvedTask, batch: TaskBatch): number {
  return Math.max(batch.count, 1) * (task.type === 'multilabel' ? task.outputs : 1);
}

export function disposeBatch(batch: Batch): void {
  batch.x.dispose();
  for (const t of batch.tasks) {
    t.target.dispose();
    t.mask?.dispose();
  }
}

/** The stock formulation of one task's loss (plain tfjs ops, tfjs's own gradients): the reference, and the path on native backends. */
function taskLossOps(task: ResolvedTask, output: tf.Tensor2D, batch: TaskBatch): tf.Scalar {
  const divisor = lossDivisor(task, batch);
  if (task.type === 'classification') return tf.div(tf.neg(tf.sum(tf.mul(batch.target, tf.logSoftmax(output)))), divisor);
  if (task.type === 'multilabel') {
    // max(z, 0) − z·t + log(1 + e^(−|z|)): finite for any finite logit.
    const perLabel = tf.add(tf.sub(tf.relu(output), tf.mul(output, batch.target)), tf.log1p(tf.exp(tf.neg(tf.abs(output)))));
    return tf.div(tf.sum(batch.mask ? tf.mul(perLabel, batch.mask) : perLabel), divisor);
  }
  const diff = tf.sub(output, batch.target);
  const sq = batch.mask ? tf.mul(tf.square(diff), batch.mask) : tf.square(diff);
  return tf.div(tf.sum(sq), divisor);
}

const LOSS_KIND: Record<ResolvedTask['type'], TaskLossKind> = { classification: 'ce', regression: 'mse', multilabel: 'bce' };

/**
 * The K per-task mean losses as one K-vector (what weighting strategies combine). On wasm and cpu all
 * tasks go through one fused kernel forward and one backward (softmax cross-entropy's gradient is
 * (softmax(z)·Σ_j t_j − t)·dy/n, so unlabelled all-zero rows get none); elsewhere plain tfjs ops.
 * Targets and masks are batch data that outlive the step: captured, not saved (saving copies).
 */
export function taskLosses(tasks: readonly ResolvedTask[], outputs: readonly tf.Tensor2D[], batch: Batch | TaskBatch[]): tf.Tensor1D {
  const taskBatches = Array.isArray(batch) ? batch : batch.tasks;
  if (!hasFusedKernels()) return tf.stack(outputs.map((o, k) => taskLossOps(tasks[k], o, taskBatches[k]))) as tf.Tensor1D;
  const attrs: TaskLossAttrs = {
    kinds: tasks.map((t) => LOSS_KIND[t.type]),
    divisors: taskBatches.map((b, k) => lossDivisor(tasks[k], b)),
  };
  const data: tf.NamedTensorMap = {};
  taskBatches.forEach((b, k) => {
    data[`t${k}`] = b.target;
    if (attrs.kinds[k] !== 'ce' && b.mask) data[`m${k}`] = b.mask;
  });
  const fn = tf.customGrad((...args: unknown[]) => {
    const zs = args.slice(0, outputs.length) as tf.Tensor2D[];
    const save = args[outputs.length] as tf.GradSaveFunc;
    save(zs);
    const inputs: tf.NamedTensorMap = { ...data };
    zs.forEach((z, k) => (inputs[`o${k}`] = z));
    return {
      value: runFused(TASK_LOSSES, inputs, attrs) as tf.Tensor1D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const gradInputs: tf.NamedTensorMap = { ...data, dy: dy as tf.Tensor };
        saved.forEach((z, k) => (gradInputs[`o${k}`] = z));
        return runFused(TASK_LOSSES_GRAD, gradInputs, attrs) as tf.Tensor[];
      },
    };
  }) as unknown as (...zs: tf.Tensor2D[]) => tf.Tensor1D;
  return fn(...outputs);
}

/** The mean loss of one task over its labelled samples (0 when the batch has none). */
export function taskLoss(task: ResolvedTask, output: tf.Tensor2D, batch: TaskBatch): tf.Scalar {
  if (!hasFusedKernels()) return taskLossOps(task, output, batch);
  return tf.reshape(taskLosses([task], [output], [batch]), []);
}
