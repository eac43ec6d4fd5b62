/**
 * Gradient methods inside the trainer: one SGD step moves the shared parameters by −lr·Σ β_k g_k (β from
 * the Gramian of the per-task gradients) and the heads by −lr·∇Σ L_k; full runs of each method train.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { loadDataset } from '../../src/training/data/load';
import { BatchSampler } from '../../src/training/data/sampler';
import { makeBatch, taskLoss } from '../../src/training/engine/losses';
import { Trainer } from '../../src/training/engine/trainer';
import type { TrainRecord } from '../../src/training/run/records';
import { config, train } from '../helpers/engine';

before(async () => {
  await selectBackend('cpu');
});

describe('gradient methods in the trainer', () => {
  for (const weighting of ['pcgrad', 'mgda', 'cagrad'] as const) {
    it(`${weighting}: one SGD step = −lr·Σ β_k g_k on shared parameters, −lr·∇Σ L_k on the heads`, async () => {
      const cfg = config({
        loss: { weighting },
        optimizer: { name: 'sgd', learningRate: 0.1 },
        model: { architecture: 'hard', sharedUnits: [6], taskUnits: [] },
      });
      const dataset = await loadDataset(cfg, process.cwd());
      const trainer = new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
      const batch = makeBatch(dataset.train, dataset.inputDim, dataset.tasks, Int32Array.from({ length: 32 }, (_, i) => i));
      const shared = trainer.model.sharedParameters().map((p) => p.variable);
      const heads = trainer.model.parameters().map((p) => p.variable).filter((v) => !shared.includes(v));
      const lossOf = (k: number) => () => taskLoss(dataset.tasks[k], trainer.model.forward(batch.x, { training: false }).outputs[k], batch.tasks[k]);
      const perTask = [0, 1].map((k) => tf.variableGrads(lossOf(k), shared).grads);
      const headGrads = tf.variableGrads(() => tf.add(lossOf(0)(), lossOf(1)()) as tf.Scalar, heads).grads;
      const before = new Map([...shared, ...heads].map((v) => [v.name, v.clone()]));
      trainer.trainStep(batch, { step: 1, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 10 }, 1, false);
      const beta = trainer.weighting.weights();
      if (weighting === 'mgda') assert.ok(Math.abs(beta[0] + beta[1] - 1) < 1e-9 && beta.every((b) => b >= 0));
      const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
      for (const v of shared) {
        const expected = tf.tidy(() => tf.sub(before.get(v.name)!, tf.mul(tf.add(tf.mul(perTask[0][v.name], beta[0]), tf.mul(perTask[1][v.name], beta[1])), 0.1)));
        assert.ok(maxDiff(v, expected) < 1e-5, `shared ${v.name}`);
      }
      for (const v of heads) {
        const expected = tf.tidy(() => tf.sub(before.get(v.name)!, tf.mul(headGrads[v.name], 0.1)));
        assert.ok(maxDiff(v, expected) < 1e-5, `head ${v.name}`);
      }
    });

    it(`${weighting}: trains, reports β as the weights and the conflict from the same gradients`, async () => {
      const cfg = config({ loss: { weighting }, training: { epochs: 3, batchSize: 32, conflictEvery: 5, evalEvery: 1000 }, optimizer: { name: 'adam', learningRate: 0.01 } });
      const { records } = await train(cfg, await loadDataset(cfg, process.cwd()));
      const trains = records.filter((r): r is TrainRecord => r.kind === 'train');
      const first = trains[0];
      const last = trains[trains.length - 1];
      assert.ok(last.totalLoss < first.totalLoss, `${first.totalLoss} → ${last.totalLoss}`);
      const withConflict = trains.filter((r) => r.matrices?.conflict);
      assert.equal(withConflict.length, Math.floor(trains.length / 5));
      assert.ok(withConflict.every((r) => r.matrices!.conflict[0][0] === 1 && Math.abs(r.matrices!.conflict[0][1]) <= 1));
      assert.ok(trains.every((r) => Number.isFinite(r.weights.a) && Number.isFinite(r.weights.b)));
    });
  }
});
