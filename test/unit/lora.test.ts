/**
 * `model.sharing: "lora"` (Hu et al. 2021) on the Transformer trunk, against the formula and its promises:
 * - a low-rank update adds (α/r)·B·A·x to the projection's W x + b (computed here by hand, column convention);
 * - with B = 0 (its initialisation) a LoRA model gives the outputs of hard sharing with the same seed;
 * - freezeTrunk: training moves the low-rank updates and the heads, never the trunk; without it the trunk
 *   trains too, and a frozen trunk is no shared parameters for the config's checks.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { parseExperimentText } from '../../src/training/config/parse';
import type { ResolvedTask } from '../../src/training/data/dataset';
import { DenseLayer } from '../../src/training/models/dense';
import { createModel } from '../../src/training/models/registry';
import type { TransformerModel } from '../../src/training/models/transformerModel';
import { LowRankUpdate } from '../../src/training/models/transformerLayers';
import { rngFor } from '../../src/training/random/rng';
import { arrayDataset, assertClose, normals, train, transformerConfig } from '../helpers/engine';

const tasks: ResolvedTask[] = [
  { name: 'a', type: 'classification', outputs: 2, classes: 2 },
  { name: 'b', type: 'regression', outputs: 1 },
];
const small = { dModel: 8, heads: 2, feedForwardUnits: 12, layers: 2, taskUnits: [4] };

describe('LoRA sharing on the Transformer', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it('a low-rank update adds (α/r)·B·A·x to the projection', () => {
    const [inputs, outputs, rank, alpha] = [5, 4, 2, 6];
    const layer = new DenseLayer('p', inputs, outputs, 'linear', rngFor(1, 'w'), true);
    layer.b.assign(tf.tensor1d(normals(outputs, 2)));
    const update = new LowRankUpdate('p', inputs, outputs, rank, alpha, rngFor(1, 'lora'));
    update.b.assign(tf.tensor2d(normals(rank * outputs, 3), [rank, outputs]));
    const x = normals(3 * inputs, 4);
    const ours = update.adapt(layer, tf.tensor2d(x, [3, inputs])).arraySync();
    // By hand, in the paper's convention: W (out × in) = kernelᵀ, A (r × in) = aᵀ, B (out × r) = bᵀ.
    const kernel = layer.w.arraySync() as number[][];
    const a = update.a.arraySync() as number[][];
    const b = update.b.arraySync() as number[][];
    const bias = [...layer.b.dataSync()];
    for (let n = 0; n < 3; n++) {
      const xn = x.slice(n * inputs, (n + 1) * inputs);
      const ax = Array.from({ length: rank }, (_, j) => xn.reduce((s, v, i) => s + a[i][j] * v, 0));
      const expected = Array.from({ length: outputs }, (_, o) => xn.reduce((s, v, i) => s + kernel[i][o] * v, 0) + bias[o] + (alpha / rank) * ax.reduce((s, v, j) => s + b[j][o] * v, 0));
      assertClose(ours[n], expected, 1e-5);
    }
  });

  it('with B = 0 a LoRA model gives the outputs of hard sharing with the same seed', () => {
    const ids = tf.tensor2d([[1, 5, 9, 3, 0], [1, 4, 2, 0, 0]]);
    const hard = createModel({ config: transformerConfig({ ...small, sharing: 'hard' }), inputDim: 5, vocabSize: 12, tasks, rng: rngFor(3, 'init') });
    const lora = createModel({ config: transformerConfig({ ...small, sharing: 'lora', loraRank: 2 }), inputDim: 5, vocabSize: 12, tasks, rng: rngFor(3, 'init') });
    const [h, l] = [hard, lora].map((m) => m.forward(ids, { training: false }).outputs.map((o) => [...o.dataSync()]));
    h.forEach((o, k) => assertClose(l[k], o, 1e-6));
    // Each task has its own updates: 2 blocks × 4 projections × (A, B) per task.
    assert.equal(lora.parameters().filter((p) => p.name.startsWith('lora/a/')).length, 16);
    assert.equal(lora.parameters().filter((p) => p.name.startsWith('lora/b/')).length, 16);
  });

  /** A few steps on random token rows (ids 1..11) with random labels: enough to move every trained weight. */
  async function trainFew(model: Record<string, unknown>) {
    const text = { name: 'lora', seed: 5, data: { source: 'csv', path: 'x.csv', text: 't' }, tasks: [{ name: 'a', type: 'classification', target: 'a' }, { name: 'b', type: 'regression', target: 'b' }], model: { architecture: 'transformer', ...small, ...model }, optimizer: { learningRate: 0.01 }, training: { epochs: 2, batchSize: 8, evalEvery: 1000 }, backend: 'cpu' };
    const config = parseExperimentText(JSON.stringify(text), 'x.mtl.json');
    const u = normals(16 * 6, 8).map((v) => Math.abs(v));
    const x = Array.from({ length: 16 }, (_, r) => [1, ...u.slice(r * 5, r * 5 + 5).map((v) => 1 + (Math.floor(v * 7) % 11))]);
    const dataset = { ...arrayDataset(tasks, { x, labels: { a: x.map((r) => r[2] % 2), b: x.map((r) => r[3] / 10) } }), vocabSize: 12 };
    const before = createModel({ config: config.model, inputDim: 6, vocabSize: 12, tasks, rng: rngFor(5, 'init') }).parameters();
    const { trainer } = await train(config, dataset);
    const model_ = trainer.model as TransformerModel;
    const initial = new Map(before.map((p) => [p.name, [...p.variable.dataSync()]]));
    const moved = (p: { name: string; variable: tf.Variable }) => [...p.variable.dataSync()].some((v, i) => Math.abs(v - initial.get(p.name)![i]) > 1e-7);
    return { model: model_, moved, initial };
  }

  it('freezeTrunk: the trunk stays put while the low-rank updates train', async () => {
    const frozen = await trainFew({ sharing: 'lora', freezeTrunk: true });
    const trunk = frozen.model.trunkParameters();
    assert.ok(trunk.length > 0);
    // The trunk is not among the trained parameters, so its initial values are not in `initial`: compare with a fresh, unfrozen build of the same seed.
    const fresh = createModel({ config: transformerConfig({ ...small, sharing: 'hard' }), inputDim: 6, vocabSize: 12, tasks, rng: rngFor(5, 'init') }) as TransformerModel;
    const freshTrunk = new Map(fresh.trunkParameters().map((p) => [p.name, [...p.variable.dataSync()]]));
    for (const p of trunk) assert.deepEqual([...p.variable.dataSync()], freshTrunk.get(p.name), `${p.name} unchanged`);
    const updates = frozen.model.parameters().filter((p) => p.name.startsWith('lora/') && p.name.endsWith('lora-b'));
    assert.ok(updates.length > 0 && updates.every(frozen.moved), 'every B moved from 0');
    assert.deepEqual(frozen.model.sharedParameters(), []);

    const unfrozen = await trainFew({ sharing: 'lora' });
    assert.ok(unfrozen.model.sharedParameters().some(unfrozen.moved), 'without freezeTrunk the trunk trains');
  });

  it('config: freezeTrunk needs sharing "lora"; a frozen trunk shares nothing for gradient methods', () => {
    const parse = (model: Record<string, unknown>, loss?: object) =>
      parseExperimentText(JSON.stringify({ name: 'x', data: { source: 'csv', path: 'x.csv', text: 't' }, tasks: [{ name: 'a', type: 'regression', target: 'a' }, { name: 'b', type: 'regression', target: 'b' }], model: { architecture: 'transformer', ...model }, ...(loss ? { loss } : {}) }), 'x.mtl.json');
    assert.throws(() => parse({ freezeTrunk: true }), /model\.freezeTrunk[\s\S]*needs model\.sharing "lora"/);
    assert.throws(() => parse({ sharing: 'lora', freezeTrunk: true }, { weighting: 'pcgrad' }), /loss\.weighting[\s\S]*model\.freezeTrunk is true/);
    assert.doesNotThrow(() => parse({ sharing: 'lora', freezeTrunk: true }));
  });
});
