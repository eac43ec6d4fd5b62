/**
 * A backend without the fused kernels, for testing the path the native TensorFlow backends take (they
 * cannot run JavaScript kernels): tfjs's plain-JavaScript CPU backend registered under another name with
 * every stock CPU kernel and none of engine/fusedKernels.ts, so `hasFusedKernels()` is false on it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { selectBackend } from '../../src/training/backend/select';
import { FUSED_KERNELS, hasFusedKernels } from '../../src/training/engine/fusedKernels';

export const UNFUSED_BACKEND = 'cpu-unfused';

export async function useUnfusedBackend(): Promise<void> {
  // Through the real selection first: it registers the CPU kernels and every gradient.
  await selectBackend('cpu');
  if (!tf.findBackendFactory(UNFUSED_BACKEND)) {
    tf.registerBackend(UNFUSED_BACKEND, () => new MathBackendCPU(), -1);
    for (const kernel of tf.getKernelsForBackend('cpu')) {
      if (!FUSED_KERNELS.includes(kernel.kernelName)) tf.registerKernel({ ...kernel, backendName: UNFUSED_BACKEND });
    }
  }
  if (!(await tf.setBackend(UNFUSED_BACKEND))) throw new Error(`backend ${UNFUSED_BACKEND} failed to initialise`);
  if (hasFusedKernels()) throw new Error(`${UNFUSED_BACKEND} must not have the fused kernels`);
}
