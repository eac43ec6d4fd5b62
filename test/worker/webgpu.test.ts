/**
 * The webgpu backend on a real Dawn adapter. CI has no GPU: this runs on SwiftShader, the software
 * Vulkan driver of Debian's chromium package (installed by `npm run test:worker` through
 * scripts/ensure-chromium.ts and adopted in-process by src/training/backend/vulkanEnvironment.ts).
 * SwiftShader is slow, so every run here is a few steps of a small batch.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { findAdapter } from '../../src/training/backend/webgpu';
import { loadExperimentConfig } from '../../src/training/config/load';
import { loadDataset } from '../../src/training/data/load';
import type { MetricRecord } from '../../src/training/run/records';
import { train } from '../helpers/engine';
import { isTextExample, textSample } from '../helpers/textSample';
import { injectedAdapter, withoutNative } from '../helpers/webgpu';

const root = path.resolve(__dirname, '../..');
const examplesDir = path.join(root, 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.mtl.json'));

const trainLosses = (records: MetricRecord[]) => records.flatMap((r) => (r.kind === 'train' ? [Object.values(r.losses)] : []));

before(async () => {
  // Fails here, with Dawn's reason, when the machine has no adapter at all (then nothing below can run).
  await findAdapter(withoutNative);
});

describe('webgpu backend on SwiftShader', () => {
  it('explicit webgpu trains on the software adapter, warns, and names the adapter', async () => {
    const s = await selectBackend('webgpu', withoutNative);
    assert.equal(s.name, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    assert.ok(s.adapter);
    assert.equal(s.adapter.software, true);
    assert.equal(s.adapter.vendor, 'google');
    assert.equal(s.adapter.dawnBackend, 'vulkan');
    assert.match(s.adapter.description, /SwiftShader/);
    assert.ok(s.adapter.maxStorageBufferBindingSize >= 128 * 2 ** 20);
    assert.match(s.warning ?? '', /software GPU \(SwiftShader/);
    assert.equal(tf.tidy(() => tf.sum(tf.matMul(tf.ones([3, 4]), tf.ones([4, 2]))).dataSync()[0]), 24);
  });

  it('auto skips the software adapter and records why, with the adapter', async () => {
    const s = await selectBackend('auto', withoutNative);
    assert.equal(s.name, 'wasm');
    const webgpu = s.attempts.find((a) => a.name === 'webgpu');
    assert.ok(webgpu && !webgpu.ok);
    assert.match(webgpu.detail, /software adapter SwiftShader.*auto never picks a software adapter/);
    assert.equal(webgpu.adapter?.software, true);
    assert.match(s.message, /not chosen: .*webgpu: software adapter/);
  });

  it('auto takes a hardware adapter (an injected one) before the CPU backends', async () => {
    const s = await selectBackend('auto', await injectedAdapter({ vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4070', isFallbackAdapter: false }));
    assert.equal(s.name, 'webgpu');
    assert.equal(s.adapter?.software, false);
    assert.equal(s.adapter?.description, 'NVIDIA GeForce RTX 4070');
    assert.equal(s.warning, undefined);
    assert.match(s.message, /backend webgpu \(GPU NVIDIA GeForce RTX 4070 \(nvidia ada, Dawn vulkan/);
  });

  it('AddN of more inputs than the device binds sums them all (Dawn returned zeros)', async () => {
    await selectBackend('webgpu', withoutNative);
    const terms = Array.from({ length: 30 }, (_, i) => tf.fill([3], i + 1));
    assert.deepEqual(Array.from(tf.addN(terms).dataSync()), [465, 465, 465]);
    tf.dispose(terms);
  });
});

/**
 * Train steps compared per example (the second is computed with the weights the first updated); the
 * tolerance is absolute on each task loss, per model family.
 */
const STEPS = 2;
const TOLERANCE: Record<string, number> = { hard: 1e-5, soft: 1e-5, 'cross-stitch': 1e-5, routing: 1e-5, transformer: 1e-5 };

describe(`every example: ${STEPS} steps on webgpu equal the cpu backend's`, () => {
  for (const file of examples) {
    it(file, async () => {
      const overrides = ['training.epochs=1', 'training.logEvery=1', 'training.batchSize=16'];
      const text = readFileSync(path.join(examplesDir, file), 'utf8');
      // Text examples: 300 rows of their data and a small vocabulary (the file holds 63 692 texts).
      if (isTextExample(text)) overrides.push(`data.path=${JSON.stringify(textSample(text, mkdtempSync(path.join(os.tmpdir(), 'mtl-webgpu-text-'))))}`, 'data.tokenizer.vocabSize=400');
      const { config } = await loadExperimentConfig(path.join(examplesDir, file), overrides);
      if (config.data.source === 'synthetic') Object.assign(config.data, { samples: 200 });
      const dataset = await loadDataset(config, examplesDir);
      await selectBackend('cpu');
      const cpu = trainLosses((await train(config, dataset, (step) => step >= STEPS)).records);
      await selectBackend('webgpu', withoutNative);
      const gpu = trainLosses((await train(config, dataset, (step) => step >= STEPS)).records);
      assert.equal(gpu.length, STEPS);
      const tol = TOLERANCE[config.model.architecture];
      const worst = Math.max(...gpu.flatMap((losses, s) => losses.map((l, k) => Math.abs(l - cpu[s][k]))));
      assert.ok(worst <= tol, `${file}: largest loss difference ${worst} > ${tol} (webgpu ${JSON.stringify(gpu)} vs cpu ${JSON.stringify(cpu)})`);
    });
  }
});
