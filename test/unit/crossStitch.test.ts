/**
 * Cross-stitch networks (Misra et al. 2016): the initial mixing matrix, the forward pass against a
 * hand computation from the towers' own layers, separate towers when α is the identity, and training that
 * moves α and reports it as the attention matrix.
 */
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { loadDataset } from '../../src/training/data/load';
import type { DenseLayer } from '../../src/training/models/dense';
import { CrossStitchModel, initialStitch } from '../../src/training/models/crossStitch';
import type { TaskHead } from '../../src/training/models/model';
import type { TrainRecord } from '../../src/training/run/records';
import { config, train } from '../helpers/engine';

before(async () => {
  await selectBackend('cpu');
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

it('starts near separate towers: 0.9 on the own tower, the rest spread, rows summing to 1', () => {
  assert.deepEqual(initialStitch(2), [[0.9, 0.1], [0.1, 0.9]]);
  const three = initialStitch(3);
  assert.ok(three.every((row, k) => Math.abs(row[k] - 0.9) < 1e-12 && Math.abs(row.reduce((a, b) => a + b) - 1) < 1e-12));
});

async function model(sharedUnits = [5, 4]) {
  const cfg = config({ model: { architecture: 'cross-stitch', sharedUnits, taskUnits: [] } });
  const dataset = await loadDataset(cfg, process.cwd());
  const { createModel } = await import('../../src/training/models/registry');
  const { rngFor } = await import('../../src/training/random/rng');
  const m = createModel({ config: cfg.model, inputDim: dataset.inputDim, tasks: dataset.tasks, rng: rngFor(cfg.seed, 'init') }) as CrossStitchModel;
  return { m, x: tf.randomNormal([7, dataset.inputDim], 0, 1, 'float32', 3) as tf.Tensor2D };
}

it('forward: after each layer task k continues with Σ_j α_kj z_j (checked against the towers’ own layers)', async () => {
  const { m, x } = await model();
  const inner = m as unknown as { towers: DenseLayer[][]; heads: TaskHead[] };
  // Make α asymmetric so a transposed mixing would show.
  m.stitches[0].assign(tf.tensor2d([[0.7, 0.3], [0.2, 0.8]]));
  const { outputs, attention } = m.forward(x, { training: false });
  let hs = [x, x];
  for (let l = 0; l < 2; l++) {
    const zs = inner.towers.map((tower, k) => tower[l].apply(hs[k]));
    const a = m.stitches[l].arraySync() as number[][];
    hs = [0, 1].map((k) => tf.add(tf.mul(zs[0], a[k][0]), tf.mul(zs[1], a[k][1])) as tf.Tensor2D);
  }
  const expected = inner.heads.map((head, k) => head.apply(hs[k], { training: false }, k + 1));
  outputs.forEach((o, k) => assert.ok(maxDiff(o, expected[k]) < 1e-5, `task ${k}`));
  assert.ok(maxDiff(attention!, m.stitches[1]) === 0, 'the last stitch is the attention matrix');
});

it('with α = I the towers are separate: changing one task’s tower leaves the other task’s output alone', async () => {
  const { m, x } = await model([4]);
  const inner = m as unknown as { towers: DenseLayer[][] };
  const before = (stitch: number[][]) => {
    m.stitches[0].assign(tf.tensor2d(stitch));
    return m.forward(x, { training: false }).outputs.map((o) => o.clone());
  };
  const separate = before([[1, 0], [0, 1]]);
  const mixed = before(initialStitch(2));
  inner.towers[1][0].w.assign(tf.mul(inner.towers[1][0].w, 2));
  const separateAfter = before([[1, 0], [0, 1]]);
  const mixedAfter = before(initialStitch(2));
  assert.ok(maxDiff(separate[0], separateAfter[0]) === 0, 'task 0 untouched by tower 1 when α = I');
  assert.ok(maxDiff(separate[1], separateAfter[1]) > 1e-3, 'task 1 follows its own tower');
  assert.ok(maxDiff(mixed[0], mixedAfter[0]) > 1e-4, 'with the initial α task 0 also reads tower 1');
});

it('trains: the loss falls, α moves from its start and is logged as the attention matrix; GradNorm measures on the last kernels', async () => {
  const cfg = config({ model: { architecture: 'cross-stitch', sharedUnits: [16], taskUnits: [8] }, optimizer: { name: 'adam', learningRate: 0.02 }, training: { epochs: 4, batchSize: 32, logEvery: 5, evalEvery: 1000 } });
  const { trainer, records } = await train(cfg, await loadDataset(cfg, process.cwd()));
  const trains = records.filter((r): r is TrainRecord => r.kind === 'train');
  assert.ok(trains.at(-1)!.totalLoss < trains[0].totalLoss, `${trains[0].totalLoss} → ${trains.at(-1)!.totalLoss}`);
  const alpha = (trainer.model as CrossStitchModel).stitches[0].arraySync() as number[][];
  assert.ok(Math.abs(alpha[0][0] - 0.9) > 1e-3, `α moved: ${JSON.stringify(alpha)}`);
  assert.deepEqual(Object.keys(trains.at(-1)!.attention!), ['a', 'b'], 'attention rows by task');
  assert.ok(trainer.model.parameters().some((p) => p.name === 'stitch0' && !p.decay), 'α is trained, without weight decay');
  assert.ok(!trainer.model.sharedParameters().some((p) => p.name === 'stitch0'), 'the last α is task-specific: row k feeds task k alone');
  assert.deepEqual(trainer.model.lastSharedParameters().map((p) => p.name), ['tower/a/dense0/w', 'tower/b/dense0/w']);
});
