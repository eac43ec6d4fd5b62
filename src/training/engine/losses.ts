/**
 * Per-task losses with missing labels masked, and the host-side batch tensors they need.
 * Classification: softmax cross-entropy on one-hot targets; an unlabelled sample gets an all-zero
 * target row, so masking costs no extra op. Regression: mean squared error over labelled samples.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedTask, Split } from '../data/dataset';
import { hasFusedKernels, runFused, TASK_LOSSES, TASK_LOSSES_GRAD, type TaskLossAttrs } from './fusedKernels';

export interface TaskBatch {
  /** Classification: `batch × classes` one-hot (zero rows where unlabelled). Regression: `batch × 1` targets. */
  target: tf.Tensor2D;
  /** Regression only, and only when some sample is unlabelled: `batch × 1` of 0/1. */
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

export function disposeBatch(batch: Batch): void {
  batch.x.dispose();
  for (const t of batch.tasks) {
    t.target.dispose();
    t.mask?.dispose();
  }
}

/** The stock formulation of one task's loss (plain tfjs ops, tfjs's own gradients): the reference, and the path on native backends. */
function taskLossOps(task: ResolvedTask, output: tf.Tensor2D, batch: TaskBatch): tf.Scalar {
  const divisor = Math.max(batch.count, 1);
  if (task.type === 'classification') return tf.div(tf.neg(tf.sum(tf.mul(batch.target, tf.logSoftmax(output)))), divisor);
  const diff = tf.sub(output, batch.target);
  const sq = batch.mask ? tf.mul(tf.square(diff), batch.mask) : tf.square(diff);
  return tf.div(tf.sum(sq), divisor);
}

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
    kinds: tasks.map((t) => (t.type === 'classification' ? 'ce' : 'mse')),
    divisors: taskBatches.map((b) => Math.max(b.count, 1)),
  };
  const data: tf.NamedTensorMap = {};
  taskBatches.forEach((b, k) => {
    data[`t${k}`] = b.target;
    if (attrs.kinds[k] === 'mse' && b.mask) data[`m${k}`] = b.mask;
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
