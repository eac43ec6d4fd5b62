/**
 * tfjs-backend-webgpu's AddN binds every input as a storage buffer in one shader. Past the device's
 * `maxStorageBuffersPerShaderStage` (8 by default, 12 on SwiftShader) the pipeline is invalid and Dawn
 * returns zeros without an exception — a silently wrong sum (the trainer adds one term per parameter).
 * Its Concat already splits its inputs by that limit; AddN is made to do the same: partial sums of at
 * most `limit − 1` inputs (one binding is the output), each folded into the next.
 */
import * as tf from '@tensorflow/tfjs-core';

let maxInputs = 7;
const SPLIT = Symbol.for('mtl-lab.addNSplit');

/** Splits webgpu's AddN at `storageBuffersPerStage − 1` inputs (the active device's limit; re-callable). */
export function splitWebgpuAddN(storageBuffersPerStage: number): void {
  maxInputs = Math.max(2, storageBuffersPerStage - 1);
  const original = tf.getKernel('AddN', 'webgpu');
  if (!original || (original as unknown as Record<symbol, boolean>)[SPLIT]) return;
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const all = inputs as unknown as tf.TensorInfo[];
    if (all.length <= maxInputs) return original.kernelFunc({ inputs, backend, attrs });
    const add = (terms: tf.TensorInfo[]) => original.kernelFunc({ inputs: terms as unknown as tf.NamedTensorInfoMap, backend, attrs }) as tf.TensorInfo;
    let sum = add(all.slice(0, maxInputs));
    for (let i = maxInputs; i < all.length; i += maxInputs - 1) {
      const next = add([sum, ...all.slice(i, i + maxInputs - 1)]);
      (backend as tf.KernelBackend).disposeData(sum.dataId);
      sum = next;
    }
    return sum;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...original, kernelFunc, [SPLIT]: true } as tf.KernelConfig);
}
