/**
 * Per-task losses with missing labels masked, and the host-side batch tensors they need.
 * Classification: softmax cross-entropy on one-hot targets; an unlabelled sample gets an all-zero
 * target row, so masking costs no extra op. Regression: mean squared error over labelled samples.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedTask, Split } from '../data/dataset';
import { hasFusedKernels, runFused, SOFTMAX_CROSS_ENTROPY, SOFTMAX_CROSS_ENTROPY_GRAD } from './fusedKernels';

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

/**
 * −Σ target · log softmax(logits) / divisor. On wasm and cpu one fused kernel each way, with the
 * gradient (softmax(z)·Σ_j t_j − t)·dy/divisor (so unlabelled all-zero rows get none); elsewhere
 * plain tfjs ops and tfjs's own gradients. `target` is batch data that outlives the step: it is
 * captured, not saved (saving copies), and gets no gradient.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, target: tf.Tensor2D, divisor: number): tf.Scalar {
  if (!hasFusedKernels()) return tf.div(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)))), divisor);
  const attrs = { divisor };
  const fn = tf.customGrad((...args: unknown[]) => {
    const z = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    save([z]);
    return {
      value: runFused(SOFTMAX_CROSS_ENTROPY, { logits: z, target }, attrs) as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => runFused(SOFTMAX_CROSS_ENTROPY_GRAD, { logits: saved[0], target, dy: dy as tf.Tensor }, attrs) as tf.Tensor2D,
    };
  }) as unknown as (z: tf.Tensor2D) => tf.Scalar;
  return fn(logits);
}

/** The mean loss of one task over its labelled samples (0 when the batch has none). */
export function taskLoss(task: ResolvedTask, output: tf.Tensor2D, batch: TaskBatch): tf.Scalar {
  const divisor = Math.max(batch.count, 1);
  if (task.type === 'classification') return softmaxCrossEntropy(output, batch.target, divisor);
  const diff = tf.sub(output, batch.target);
  const sq = batch.mask ? tf.mul(tf.square(diff), batch.mask) : tf.square(diff);
  return tf.div(tf.sum(sq), divisor);
}
