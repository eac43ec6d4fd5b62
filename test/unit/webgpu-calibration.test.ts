/**
 * auto with a GPU adapter times the run's own steps on it and on the best CPU backend and keeps the
 * faster (injected adapter and timings here; the real SwiftShader adapter in test/worker/webgpu.test.ts).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { selectBackend, type ConcreteBackend, type ModuleLoader } from '../../src/training/backend/select';
import { calibrationTimer } from '../../src/training/engine/calibration';
import { loadDataset } from '../../src/training/data/load';
import { config } from '../helpers/engine';

/**
 * A hardware-looking adapter whose "WebGPU backend" is the cpu backend under the name webgpu: enough to
 * be selected and activated; the timings are injected, so nothing trains on it.
 */
function fakeGpu(description = 'NVIDIA GeForce RTX 4070', isFallbackAdapter = false): ModuleLoader {
  const adapter = {
    info: { vendor: 'nvidia', architecture: 'ada', description, isFallbackAdapter },
    limits: { maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 30 },
    features: { has: () => false },
    requestDevice: async () => ({ lost: new Promise<never>(() => undefined), destroy: () => undefined }),
  };
  const globals = { GPUBufferUsage: { COPY_DST: 8, MAP_READ: 1, STORAGE: 128 }, GPUMapMode: { READ: 1 } };
  const dawn = { create: () => ({ requestAdapter: async () => adapter }), globals };
  const WebGPUBackend = class extends MathBackendCPU {
    bufferManager = { acquireBuffer: () => ({}) };
  };
  return (pkg) => {
    if (pkg === 'webgpu') return dawn;
    if (pkg === '@tensorflow/tfjs-backend-webgpu') return { WebGPUBackend };
    throw Object.assign(new Error(`Cannot find module '${pkg}'`), { code: 'MODULE_NOT_FOUND' });
  };
}

/** Injected timings, remembering which backend was active when each was asked for. */
function timings(ms: Partial<Record<ConcreteBackend, number | Error>>) {
  const calls: string[] = [];
  const calibrate = async (name: ConcreteBackend) => {
    calls.push(`${name}@${tf.getBackend()}`);
    const t = ms[name];
    if (t instanceof Error) throw t;
    return t!;
  };
  return { calls, calibrate };
}

after(() => tf.setBackend('cpu'));

describe('auto calibrates a GPU adapter against the best CPU backend', () => {
  it('keeps webgpu when its steps are faster, and records the figures', async () => {
    const t = timings({ webgpu: 2, wasm: 5 });
    const s = await selectBackend('auto', fakeGpu(), t);
    assert.equal(s.name, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    assert.deepEqual(t.calls, ['wasm@wasm', 'webgpu@webgpu'], 'each timed while active');
    assert.deepEqual(s.calibration, { msPerStep: { wasm: 5, webgpu: 2 }, chosen: 'webgpu' });
    assert.equal(s.adapter?.description, 'NVIDIA GeForce RTX 4070');
    assert.match(s.message, /^backend webgpu \(GPU NVIDIA GeForce RTX 4070 .*\); calibrated on the run's model and batch: wasm 5\.00 ms\/step, webgpu 2\.00 ms\/step; not chosen: tensorflow-gpu: .*; tensorflow: /);
  });

  it('takes the CPU backend when it is faster (a small model), says the GPU is not used and how to pin it', async () => {
    const s = await selectBackend('auto', fakeGpu(), timings({ webgpu: 1412.4, wasm: 1.25 }));
    assert.equal(s.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(s.adapter, undefined, 'run.json names no adapter it does not train on');
    assert.equal(s.attempts.find((a) => a.name === 'webgpu')?.adapter?.description, 'NVIDIA GeForce RTX 4070');
    assert.deepEqual(s.calibration, { msPerStep: { wasm: 1.25, webgpu: 1412.4 }, chosen: 'wasm' });
    assert.match(s.message, /^backend wasm \(WebAssembly \(SIMD\) loaded\); calibrated .*: wasm 1\.25 ms\/step, webgpu 1412 ms\/step, so the GPU \(GPU NVIDIA.*\) is not used; "backend": "webgpu" pins it/);
  });

  it('a GPU that fails at the run\'s sizes loses, with its error recorded', async () => {
    const s = await selectBackend('auto', fakeGpu(), timings({ webgpu: new Error('a tensor of 2 GiB does not fit'), wasm: 40 }));
    assert.equal(s.name, 'wasm');
    assert.deepEqual(s.calibration, { msPerStep: { wasm: 40, webgpu: null }, errors: { webgpu: 'a tensor of 2 GiB does not fit' }, chosen: 'wasm' });
    assert.match(s.message, /webgpu failed \(a tensor of 2 GiB does not fit\)/);
  });

  it('an explicit backend and a software adapter are never timed', async () => {
    const t = timings({ webgpu: 1, wasm: 1 });
    assert.equal((await selectBackend('webgpu', fakeGpu(), t)).calibration, undefined);
    assert.equal((await selectBackend('wasm', fakeGpu(), t)).calibration, undefined);
    const soft = await selectBackend('auto', fakeGpu('SwiftShader driver', true), t);
    assert.equal(soft.name, 'wasm');
    assert.equal(soft.calibration, undefined);
    assert.deepEqual(t.calls, []);
  });
});

describe('calibrationTimer', () => {
  it('times the run\'s own steps and leaves no tensor or variable behind', async () => {
    await tf.setBackend('cpu');
    const cfg = config({ loss: { weighting: 'uncertainty' }, training: { epochs: 1, batchSize: 16 } });
    const dataset = await loadDataset(cfg, process.cwd());
    const before = { tensors: tf.memory().numTensors, variables: Object.keys(tf.engine().registeredVariables).length };
    const ms = await calibrationTimer(cfg, dataset)('cpu');
    assert.ok(ms > 0 && ms < 5000, `${ms} ms/step`);
    assert.deepEqual({ tensors: tf.memory().numTensors, variables: Object.keys(tf.engine().registeredVariables).length }, before);
  });
});
