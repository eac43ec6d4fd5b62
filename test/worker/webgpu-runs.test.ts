/**
 * The webgpu backend through whole runs on SwiftShader (see webgpu.test.ts): every weighting and
 * gradient method, no tensor leak over many steps, a checkpoint written on one backend resumed on the
 * other, and an adapter too small for the model failing with the limit named.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { METHODS } from '../../src/training/config/catalog';
import { loadDataset } from '../../src/training/data/load';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import type { MetricRecord, RunInfo } from '../../src/training/run/records';
import { runExperiment } from '../../src/training/run/runExperiment';
import { config, train } from '../helpers/engine';
import { injectedAdapter, withoutNative } from '../helpers/webgpu';

let dir: string;
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'mtl-webgpu-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

const trainLosses = (records: MetricRecord[]) => records.flatMap((r) => (r.kind === 'train' ? [Object.values(r.losses)] : []));
const worstDifference = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, s) => row.map((v, k) => Math.abs(v - b[s][k]))));

const small = (weighting: string) =>
  config({
    data: { source: 'synthetic', generator: 'mmoe', samples: 120, inputDim: 6, validationSplit: 0.25 },
    model: { architecture: 'hard', sharedUnits: [8], taskUnits: [4] },
    loss: { weighting, ...(weighting === 'static' ? { weights: { a: 0.7, b: 0.3 } } : {}) },
    optimizer: { name: 'adam', learningRate: 0.01 },
    training: { epochs: 1, batchSize: 16, logEvery: 1, evalEvery: 1000 },
  });

// Two steps: the second step's losses are computed with the weights (and the method's state) the first one updated.
const STEPS = 2;

describe(`every weighting and gradient method: ${STEPS} steps on webgpu equal the cpu backend's (within 1e-5)`, () => {
  for (const method of METHODS.weightings) {
    it(method.id, async () => {
      const cfg = small(method.id);
      const dataset = await loadDataset(cfg, process.cwd());
      await selectBackend('cpu');
      const cpu = trainLosses((await train(cfg, dataset, (step) => step >= STEPS)).records);
      await selectBackend('webgpu', withoutNative);
      const gpu = trainLosses((await train(cfg, dataset, (step) => step >= STEPS)).records);
      assert.equal(gpu.length, STEPS);
      assert.ok(worstDifference(gpu, cpu) <= 1e-5, `${JSON.stringify(gpu)} vs ${JSON.stringify(cpu)}`);
    });
  }
});

describe('webgpu runs', () => {
  // A leak of even one tensor per step shows over a few steps; an evaluation falls between the two counts.
  it('the tensor count stays flat from step 3 to step 7 (learned uncertainty weights, an evaluation at step 5)', async () => {
    await selectBackend('webgpu', withoutNative);
    for (const weighting of ['uncertainty']) {
      const cfg = config({ ...small(weighting), training: { epochs: 2, batchSize: 16, logEvery: 5, evalEvery: 5 } });
      const dataset = await loadDataset(cfg, process.cwd());
      const counts: number[] = [];
      const { outcome } = await train(cfg, dataset, (step) => {
        if (step === 3 || step === 7) counts.push(tf.memory().numTensors);
        return step >= 7;
      });
      assert.equal(outcome, 'stopped');
      assert.equal(counts[1], counts[0], `${weighting}: ${counts[0]} tensors at step 3, ${counts[1]} at step 7`);
    }
  });

  // The reference is an uninterrupted cpu run either way (webgpu equals cpu within 1e-5, shown above).
  for (const [first, second] of [['webgpu', 'cpu'], ['cpu', 'webgpu']] as const) {
    it(`a run stopped on ${first} resumes on ${second} and ends as an uninterrupted cpu run (within 1e-5)`, async () => {
      const configPath = path.join(dir, `resume-${first}.mtl.json`);
      writeFileSync(configPath, JSON.stringify({ ...small('uncertainty'), training: { epochs: 1, batchSize: 16, logEvery: 1, evalEvery: 1000 } }));
      const runsDir = path.join(dir, `runs-${first}`);
      const request = { configPath, runsDir, moduleLoader: withoutNative };
      const whole = await runExperiment({ ...request, backend: 'cpu' }, { shouldStop: () => false });
      let step = 0;
      const stopped = await runExperiment({ ...request, backend: first }, { onStep: (s) => (step = s), shouldStop: () => step >= 3 });
      assert.equal(stopped.info.status, 'stopped');
      assert.equal(stopped.info.backend, first);
      assert.equal(stopped.info.adapter?.software, first === 'webgpu' ? true : undefined);
      const resumed = await runExperiment({ runsDir, resumeDir: stopped.runDir, backend: second, moduleLoader: withoutNative }, { shouldStop: () => false });
      assert.equal(resumed.info.status, 'completed');
      const onDisk = JSON.parse(readFileSync(path.join(stopped.runDir, 'run.json'), 'utf8')) as RunInfo;
      assert.equal(onDisk.backend, second);
      assert.equal(onDisk.adapter === undefined, second !== 'webgpu', 'run.json names the adapter only while on webgpu');
      const after = (records: MetricRecord[]) => trainLosses(records.filter((r) => r.step > 3));
      const expected = after(readRecordsSync(whole.runDir));
      assert.equal(expected.length, 3);
      assert.ok(worstDifference(after(readRecordsSync(resumed.runDir)), expected) <= 1e-5);
    });
  }

  it('auto on a GPU adapter (SwiftShader named as hardware) times both candidates at the run\'s sizes and trains on the faster', async () => {
    const gpu = await injectedAdapter({ vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070', isFallbackAdapter: false });
    const configPath = path.join(dir, 'calibrated.mtl.json');
    writeFileSync(configPath, JSON.stringify({ ...small('equal'), backend: 'auto' }));
    let step = 0;
    const result = await runExperiment({ configPath, runsDir: path.join(dir, 'calibrated'), moduleLoader: gpu }, { onStep: (s) => (step = s), shouldStop: () => step >= 1 });
    const event = readRecordsSync(result.runDir).find((r) => r.kind === 'event' && r.code === 'backend-selected');
    assert.ok(event?.kind === 'event');
    const { calibration } = event.data as { calibration: { msPerStep: Record<string, number>; chosen: string } };
    assert.deepEqual(Object.keys(calibration.msPerStep).sort(), ['wasm', 'webgpu']);
    assert.ok(calibration.msPerStep.wasm > 0 && calibration.msPerStep.webgpu > 0, JSON.stringify(calibration));
    const faster = calibration.msPerStep.webgpu <= calibration.msPerStep.wasm ? 'webgpu' : 'wasm';
    assert.equal(calibration.chosen, faster);
    assert.equal(result.info.backend, faster);
    assert.equal(result.info.adapter?.description, faster === 'webgpu' ? 'NVIDIA GeForce RTX 4070' : undefined);
    assert.match(event.message, /calibrated on the run's model and batch: wasm [\d.]+ ms\/step, webgpu [\d.]+ ms\/step/);
  });

  it('a device lost mid-run (here: destroyed under the trainer) fails the run saying so, at the step it was in', async () => {
    let lose = () => undefined as void;
    const flaky = await injectedAdapter({ description: 'Flaky GPU', isFallbackAdapter: false }, {}, (device) => ((lose = () => device.destroy()), device));
    const configPath = path.join(dir, 'lost.mtl.json');
    writeFileSync(configPath, JSON.stringify(small('equal')));
    const result = await runExperiment({ configPath, runsDir: path.join(dir, 'lost'), backend: 'webgpu', moduleLoader: flaky }, { onStep: (s) => s === 2 && lose(), shouldStop: () => false });
    assert.equal(result.info.status, 'failed');
    assert.equal(result.info.error?.step, 3);
    assert.match(result.info.error?.message ?? '', /^WebGPU: the device was lost \(a driver reset, or the GPU removed\) while reading/);
  });

  it('an adapter whose storage binding is smaller than a tensor fails the run naming the limit', async () => {
    const tiny = await injectedAdapter({ description: 'Tiny GPU', vendor: 'test', isFallbackAdapter: false }, { maxStorageBufferBindingSize: 1024 });
    const configPath = path.join(dir, 'tiny.mtl.json');
    writeFileSync(configPath, JSON.stringify({ ...small('equal'), model: { architecture: 'hard', sharedUnits: [64], taskUnits: [4] } }));
    const result = await runExperiment({ configPath, runsDir: path.join(dir, 'tiny'), backend: 'webgpu', moduleLoader: tiny }, { shouldStop: () => false });
    assert.equal(result.info.status, 'failed');
    assert.equal(result.info.adapter?.maxStorageBufferBindingSize, 1024);
    assert.match(result.info.error?.message ?? '', /a tensor of [\d.]+ KiB does not fit the WebGPU adapter's maxStorageBufferBindingSize of 1 KiB \(Tiny GPU\): reduce training\.batchSize/);
  });
});
