import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BackendError, explainLoadError, probeBackends, selectBackend, type ModuleLoader } from '../../src/training/backend/select';

/** A module-not-found error exactly as Node's require throws it. */
function notFound(pkg: string): Error {
  const e = new Error(`Cannot find module '${pkg}'\nRequire stack:\n- /x/worker.js`) as Error & { code: string };
  e.code = 'MODULE_NOT_FOUND';
  return e;
}

const missing: ModuleLoader = (pkg) => {
  throw notFound(pkg);
};

/** "Installs" a native package: registers a backend named "tensorflow" the way tfjs-node does (here backed by the CPU kernels). */
function installed(gpuVisible: boolean | undefined, which: string[]): ModuleLoader {
  return (pkg) => {
    if (!which.includes(pkg)) throw notFound(pkg);
    if (tf.findBackendFactory('tensorflow')) tf.removeBackend('tensorflow');
    tf.registerBackend('tensorflow', () => {
      const b = new MathBackendCPU();
      if (gpuVisible !== undefined) (b as unknown as { isUsingGpuDevice: boolean }).isUsingGpuDevice = gpuVisible;
      return b;
    });
    return {};
  };
}

const cudaMissing: ModuleLoader = (pkg) => {
  if (pkg === '@tensorflow/tfjs-node-gpu') {
    throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
  }
  throw notFound(pkg);
};

describe('backend choice', () => {
  it('auto without native modules chooses wasm and says why the others were not chosen', async () => {
    const s = await selectBackend('auto', missing);
    assert.equal(s.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(
      s.attempts.map((a) => [a.name, a.ok, a.detail]),
      [
        ['tensorflow-gpu', false, 'module not installed'],
        ['webgpu', false, 'module not installed'],
        ['tensorflow', false, 'module not installed'],
        ['wasm', true, 'WebAssembly (SIMD) loaded'],
      ],
    );
    assert.match(s.message, /tensorflow-gpu: module not installed; webgpu: module not installed; tensorflow: module not installed/);
  });

  it('names the missing CUDA library when tfjs-node-gpu is installed but cannot load', async () => {
    const s = await selectBackend('auto', cudaMissing);
    assert.equal(s.attempts[0].detail, 'libcudart.so.11.0 not found');
    assert.equal(s.name, 'wasm');
  });

  it('auto takes tfjs-node-gpu when it loads and sees a GPU', async () => {
    const s = await selectBackend('auto', installed(true, ['@tensorflow/tfjs-node-gpu']));
    assert.equal(s.name, 'tensorflow-gpu');
    assert.equal(tf.getBackend(), 'tensorflow');
  });

  it('auto skips tfjs-node-gpu without a visible GPU and takes tfjs-node', async () => {
    const s = await selectBackend('auto', installed(false, ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']));
    // The GPU package registered "tensorflow" but reported no GPU; the CPU package then loads.
    assert.equal(s.attempts[0].ok, false);
    assert.match(s.attempts[0].detail, /no CUDA GPU/);
    assert.equal(s.name, 'tensorflow');
  });

  it('an explicit choice that cannot load is an error, never a fallback', async () => {
    await assert.rejects(selectBackend('tensorflow', missing), (e: unknown) => {
      assert.ok(e instanceof BackendError);
      assert.match(e.message, /backend "tensorflow" cannot be used: tensorflow: module not installed/);
      return true;
    });
    await assert.rejects(selectBackend('tensorflow-gpu', cudaMissing), /libcudart\.so\.11\.0 not found/);
  });

  it('explicit wasm and cpu load the real backends', async () => {
    assert.equal((await selectBackend('cpu', missing)).name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal((await selectBackend('wasm', missing)).name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0]), 6);
  });

  it('probe lists every backend with its reason', async () => {
    const results = await probeBackends(cudaMissing);
    assert.deepEqual(results.map((r) => [r.name, r.ok]), [
      ['tensorflow-gpu', false],
      ['webgpu', false],
      ['tensorflow', false],
      ['wasm', true],
      ['cpu', true],
    ]);
  });

  it('explains load errors briefly', () => {
    assert.equal(explainLoadError('@tensorflow/tfjs-node', notFound('@tensorflow/tfjs-node')), 'module not installed');
    // A dependency missing inside an installed package is not "not installed".
    assert.equal(explainLoadError('@tensorflow/tfjs-node', notFound('@mapbox/node-pre-gyp')).startsWith("Cannot find module '@mapbox/node-pre-gyp'"), true);
    assert.equal(explainLoadError('x', new Error('libcudnn.so.8: cannot open shared object file')), 'libcudnn.so.8 not found');
  });
});
