/**
 * GradNorm (Chen et al. 2018): the closed-form weight update, proof 4 of METHODS.md (the task that trains
 * slower gets the larger weight), the gradient norms the trainer measures on the last shared layer, and
 * resuming its state.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import type { ResolvedTask } from '../../src/training/data/dataset';
import { loadDataset } from '../../src/training/data/load';
import { BatchSampler } from '../../src/training/data/sampler';
import { makeBatch, taskLoss } from '../../src/training/engine/losses';
import { Trainer } from '../../src/training/engine/trainer';
import type { TrainRecord } from '../../src/training/run/records';
import { GradNormWeighting, gradNormStep } from '../../src/training/weighting/gradNorm';
import { arrayDataset, config, normals, train } from '../helpers/engine';

before(async () => {
  await selectBackend('cpu');
});

const twoTasks = [
  { name: 'a', type: 'regression' as const },
  { name: 'b', type: 'regression' as const },
];

describe('GradNorm (Chen et al. 2018)', () => {
  it('one update follows the formula: G = |w|·‖g‖, target = mean(G)·r^α, w −= lr·sign(G − target)·‖g‖, then Σw = K', () => {
    // G = (2, 1), mean 1.5; L̃ = (0.5, 0.9), r = (0.5/0.7, 0.9/0.7); targets 1.5·r^1.5 = (0.906, 2.187):
    // task a is above its target (w_a falls by 0.1·2), task b below (w_b rises by 0.1·1); (0.8, 1.1) · 2/1.9.
    const next = gradNormStep([1, 1], [2, 1], [0.5, 0.9], [1, 1], 1.5, 0.1);
    assert.ok(Math.abs(next[0] - (0.8 * 2) / 1.9) < 1e-12 && Math.abs(next[1] - (1.1 * 2) / 1.9) < 1e-12, String(next));
    // The targets of that example, as the comment says.
    const r = [0.5 / 0.7, 0.9 / 0.7];
    assert.ok(Math.abs(1.5 * r[0] ** 1.5 - 0.906) < 1e-3 && Math.abs(1.5 * r[1] ** 1.5 - 2.187) < 1e-3);
  });

  it('proof 4: the task that trains slower gets the larger weight (equal gradient norms)', () => {
    let w = [1, 1, 1];
    // Losses relative to the first step: task c has fallen least (trains slowest), task a most.
    for (let step = 0; step < 20; step++) w = gradNormStep(w, [1, 1, 1], [0.2, 0.5, 0.9], [1, 1, 1], 1.5, 0.025);
    assert.ok(w[2] > w[1] && w[1] > w[0], `weights ${w}`);
    assert.ok(w[2] > 1 && w[0] < 1);
    assert.ok(Math.abs(w.reduce((a, b) => a + b) - 3) < 1e-12, 'Σ w = K');
    // With equal training rates and equal norms nothing moves.
    assert.deepEqual(gradNormStep([1, 1], [0.7, 0.7], [0.4, 0.4], [1, 1], 1.5, 0.025), [1, 1]);
  });

  it('proof 4 in training: a task whose labels are noise (its loss cannot fall) ends with the larger weight', async () => {
    const N = 200;
    const x = normals(N, 21);
    const tasks: ResolvedTask[] = [
      { name: 'a', type: 'regression', outputs: 1 },
      { name: 'b', type: 'regression', outputs: 1 },
    ];
    const dataset = arrayDataset(tasks, { x: x.map((v) => [v]), labels: { a: x.map((v) => 2 * v + 1), b: normals(N, 22) } });
    const cfg = config({
      tasks: twoTasks,
      model: { architecture: 'hard', sharedUnits: [8], taskUnits: [] },
      loss: { weighting: 'gradnorm' },
      optimizer: { name: 'adam', learningRate: 0.02 },
      training: { epochs: 300, batchSize: N, logEvery: 10, evalEvery: 100000 },
    });
    const { records } = await train(cfg, dataset);
    const trains = records.filter((r): r is TrainRecord => r.kind === 'train');
    const last = trains[trains.length - 1];
    assert.ok(last.losses.a < trains[0].losses.a * 0.2, `task a trains: ${trains[0].losses.a} → ${last.losses.a}`);
    assert.ok(last.weights.b > 1 && last.weights.a < 1, `weights ${JSON.stringify(last.weights)}`);
    assert.ok(Math.abs(last.weights.a + last.weights.b - 2) < 1e-3, 'Σ w = K');
  });

  it('the trainer measures ‖∇_W L_k‖ on the last shared layer before the update and trains on Σ w_k L_k', async () => {
    const cfg = config({ loss: { weighting: 'gradnorm', gradnormLearningRate: 0.05 }, optimizer: { name: 'sgd', learningRate: 0.1 }, model: { architecture: 'hard', sharedUnits: [6, 5], taskUnits: [] } });
    const dataset = await loadDataset(cfg, process.cwd());
    const trainer = new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
    const batch = makeBatch(dataset.train, dataset.inputDim, dataset.tasks, Int32Array.from({ length: 32 }, (_, i) => i));
    const last = trainer.model.lastSharedParameters();
    assert.deepEqual(last.map((p) => p.name), ['shared/dense1/w'], 'W is the last trunk layer’s kernel');
    const lossOf = (k: number) => () => taskLoss(dataset.tasks[k], trainer.model.forward(batch.x, { training: false }).outputs[k], batch.tasks[k]);
    const norms = [0, 1].map((k) => {
      const { grads, value } = tf.variableGrads(lossOf(k), [last[0].variable]);
      const n = Math.sqrt(tf.sum(tf.square(grads[last[0].variable.name])).dataSync()[0]);
      tf.dispose([value, ...Object.values(grads)]);
      return n;
    });
    const losses = [0, 1].map((k) => tf.tidy(() => lossOf(k)().dataSync()[0]));
    const result = trainer.trainStep(batch, { step: 1, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 10 }, 1, false);
    assert.ok(Math.abs(result.total - (losses[0] + losses[1])) < 1e-5, 'the first step trains on Σ 1·L_k');
    const expected = gradNormStep([1, 1], norms, losses, losses, 1.5, 0.05);
    trainer.weighting.weights().forEach((w, k) => assert.ok(Math.abs(w - expected[k]) < 1e-5, `w_${k} = ${w}, expected ${expected[k]}`));
  });

  it('routing and soft sharing measure on every expert’s last layer / the attention layer; no shared layer is an error', () => {
    const routing = config({ loss: { weighting: 'gradnorm' }, model: { architecture: 'routing', experts: 3, expertUnits: [8, 4], taskUnits: [] } });
    const soft = config({ loss: { weighting: 'gradnorm' }, model: { architecture: 'soft', sharedUnits: [8], taskUnits: [] } });
    const make = async (cfg: ReturnType<typeof config>) => {
      const dataset = await loadDataset(cfg, process.cwd());
      return new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
    };
    return Promise.all([make(routing), make(soft)]).then(async ([r, s]) => {
      assert.deepEqual(r.model.lastSharedParameters().map((p) => p.name), ['expert0/dense1/w', 'expert1/dense1/w', 'expert2/dense1/w']);
      assert.deepEqual(s.model.lastSharedParameters().map((p) => p.name), ['attention/w']);
      await assert.rejects(make(config({ loss: { weighting: 'gradnorm' }, model: { architecture: 'hard', sharedUnits: [], taskUnits: [] } })), /needs a shared layer.*sharedUnits is empty/);
    });
  });

  it('its state (weights and the first losses) survives a checkpoint', () => {
    const w = new GradNormWeighting({ loss: { weighting: 'gradnorm' } as never, tasks: twoTasks, seed: 1 });
    w.balanceGradientNorms([1, 2], [3, 4], { step: 1, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1 });
    w.balanceGradientNorms([1, 2], [2, 4], { step: 2, epoch: 0, stepInEpoch: 1, stepsPerEpoch: 1 });
    const restored = new GradNormWeighting({ loss: { weighting: 'gradnorm' } as never, tasks: twoTasks, seed: 1 });
    restored.setState(JSON.parse(JSON.stringify(w.getState())));
    assert.deepEqual(restored.weights(), w.weights());
    w.balanceGradientNorms([1, 1], [1, 3], { step: 3, epoch: 0, stepInEpoch: 2, stepsPerEpoch: 1 });
    restored.balanceGradientNorms([1, 1], [1, 3], { step: 3, epoch: 0, stepInEpoch: 2, stepsPerEpoch: 1 });
    assert.deepEqual(restored.weights(), w.weights(), 'the same next update: L(0) was kept');
  });
});
