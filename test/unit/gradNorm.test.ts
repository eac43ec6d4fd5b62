/**
 * GradNorm (Chen et al. 2018): the closed-form weight update, proof 4 of docs/methods.md (the task that trains
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
import { arrayDataset, assertClose, config, normals, train } from '../helpers/engine';

before(async () => {
  await selectBackend('cpu');
});

const twoTasks = [
  { name: 'a', type: 'regression' as const },
  { name: 'b', type: 'regression' as const },
];

const stepInfo = (step: number) => ({ step, epoch: 0, stepInEpoch: step - 1, stepsPerEpoch: 100 });


describe('GradNorm (Chen et al. 2018)', () => {
  it('one update follows the formula: G = |w|·‖g‖, target = mean(G)·r^α, w −= lr·sign(G − target)·‖g‖, then Σw = K', () => {
    // G = (2, 1), mean 1.5; L̃ = (0.5, 0.9), r = (0.5/0.7, 0.9/0.7); targets 1.5·r^1.5 = (0.906, 2.187):
    // task a is above its target (w_a falls by 0.1·2), task b below (w_b rises by 0.1·1); (0.8, 1.1) · 2/1.9.
    const next = gradNormStep([1, 1], [2, 1], [0.5, 0.9], [1, 1], 1.5, 0.1);
    assertClose(next, [(0.8 * 2) / 1.9, (1.1 * 2) / 1.9], 1e-12);
  });

  it('α is the exponent of the training rate: 1.5 (the default), 1 and 0 move the weights differently', () => {
    // w = (1, 1), ‖g‖ = (0.75, 1.25): G = (0.75, 1.25), mean(G) = 1. L̃ = (0.4, 0.6): mean 0.5, r = (0.8, 1.2).
    const step = (alpha: number) => gradNormStep([1, 1], [0.75, 1.25], [0.4, 0.6], [1, 1], alpha, 0.1);
    // α = 1.5: targets (0.8^1.5, 1.2^1.5) = (0.716, 1.315): G_a above its target, G_b below:
    // w = (1 − 0.1·0.75, 1 + 0.1·1.25) = (0.925, 1.125), then Σw = 2.
    const atOneAndAHalf = [(0.925 * 2) / 2.05, (1.125 * 2) / 2.05];
    assertClose(step(1.5), atOneAndAHalf, 1e-12);
    // α = 1: targets (0.8, 1.2): G_a below, G_b above: w = (1.075, 0.875). α = 0: targets (1, 1), the same signs.
    assertClose(step(1), [(1.075 * 2) / 1.95, (0.875 * 2) / 1.95], 1e-12);
    assertClose(step(0), [(1.075 * 2) / 1.95, (0.875 * 2) / 1.95], 1e-12);
    // The strategy takes α from the config, 1.5 when not given.
    const strategy = (loss: Record<string, unknown>) => new GradNormWeighting({ loss: { weighting: 'gradnorm', gradnormLearningRate: 0.1, ...loss } as never, tasks: twoTasks, seed: 1 });
    const byDefault = strategy({});
    byDefault.balanceGradientNorms([0.4, 0.6], [0.4, 0.6], stepInfo(1), [true, true]);
    byDefault.balanceGradientNorms([0.75, 1.25], [0.4 * 0.4, 0.6 * 0.6], stepInfo(2), [true, true]);
    const first = [1, 1]; // step 1: L̃ = (1, 1), G = (0.4, 0.6), targets mean(G) = 0.5: a below (+0.04), b above (−0.06)
    const afterFirst = [(first[0] + 0.1 * 0.4) * (2 / 1.98), (first[1] - 0.1 * 0.6) * (2 / 1.98)];
    // step 2: L̃ = (0.4, 0.6), r = (0.8, 1.2); G = w ⊙ (0.75, 1.25).
    const G = [afterFirst[0] * 0.75, afterFirst[1] * 1.25];
    const meanG = (G[0] + G[1]) / 2;
    const targets = [meanG * 0.8 ** 1.5, meanG * 1.2 ** 1.5];
    const moved = [afterFirst[0] - 0.1 * Math.sign(G[0] - targets[0]) * 0.75, afterFirst[1] - 0.1 * Math.sign(G[1] - targets[1]) * 1.25];
    assertClose(byDefault.weights(), moved.map((w) => (2 * w) / (moved[0] + moved[1])), 1e-12);
    assert.equal(Math.sign(G[0] - targets[0]), 1, 'the example is one where α = 1.5 and α = 1 disagree');
    assert.equal(Math.sign(G[0] - meanG * 0.8), -1);
  });

  it('L_k(0) is the loss of the first step where task k had labels, not of a step without any', () => {
    const w = new GradNormWeighting({ loss: { weighting: 'gradnorm', gradnormLearningRate: 0.1 } as never, tasks: twoTasks, seed: 1 });
    // Step 1: task b has no labels (loss 0, gradient 0); nothing moves (both gradient norms 0).
    w.balanceGradientNorms([0, 0], [2, 0], stepInfo(1), [true, false]);
    assertClose(w.weights(), [1, 1], 1e-12);
    // Step 2, b's first labels: L(0) = (2, 3), L̃ = (3/2, 3/3) = (1.5, 1), r = (1.2, 0.8); G = (0.9, 1.1), mean 1;
    // targets (1.2^1.5, 0.8^1.5) = (1.315, 0.716): a below (w_a += 0.1·0.9), b above (w_b −= 0.1·1.1).
    w.balanceGradientNorms([0.9, 1.1], [3, 3], stepInfo(2), [true, true]);
    assertClose(w.weights(), [(1.09 * 2) / 1.98, (0.89 * 2) / 1.98], 1e-12);
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
    // The first step: L̃ = (1, 1), so both targets are mean(G) = mean of the norms (w = 1); each weight moves by
    // 0.05·‖g_k‖ away from the side its norm is on, then Σw = 2.
    const meanNorm = (norms[0] + norms[1]) / 2;
    const moved = norms.map((n) => 1 - 0.05 * Math.sign(n - meanNorm) * n);
    const expected = moved.map((w) => (2 * w) / (moved[0] + moved[1]));
    trainer.weighting.weights().forEach((w, k) => assert.ok(Math.abs(w - expected[k]) < 1e-5, `w_${k} = ${w}, expected ${expected[k]}`));
  });

  it('the trainer tells GradNorm which tasks had labels: L_b(0) comes from the first batch with labels for b', async () => {
    const N = 32;
    const x = normals(N, 41);
    const tasks: ResolvedTask[] = [
      { name: 'a', type: 'regression', outputs: 1 },
      { name: 'b', type: 'regression', outputs: 1 },
    ];
    // Task b has labels only in rows 16…31.
    const dataset = arrayDataset(tasks, { x: x.map((v) => [v]), labels: { a: x.map((v) => 2 * v), b: x.map((v, i) => (i < 16 ? null : 1 - v)) } });
    const cfg = config({ tasks: twoTasks, model: { architecture: 'hard', sharedUnits: [4], taskUnits: [] }, loss: { weighting: 'gradnorm' }, optimizer: { name: 'sgd', learningRate: 0.1 } });
    const trainer = new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
    const rows = (from: number) => makeBatch(dataset.train, dataset.inputDim, dataset.tasks, Int32Array.from({ length: 16 }, (_, i) => from + i));
    const lossesOf = (batch: ReturnType<typeof rows>) =>
      tf.tidy(() => {
        const outputs = trainer.model.forward(batch.x, { training: false }).outputs;
        return [0, 1].map((k) => taskLoss(dataset.tasks[k], outputs[k], batch.tasks[k]).dataSync()[0]);
      });
    const first = rows(0);
    const firstLosses = lossesOf(first);
    assert.equal(firstLosses[1], 0, 'no labels for b in the first batch');
    trainer.trainStep(first, stepInfo(1), 1, false);
    const second = rows(16);
    const secondLosses = lossesOf(second);
    trainer.trainStep(second, stepInfo(2), 2, false);
    const initial = (trainer.weighting.getState!() as { initialLosses: number[] }).initialLosses;
    assert.ok(Math.abs(initial[0] - firstLosses[0]) < 1e-6 && Math.abs(initial[1] - secondLosses[1]) < 1e-6, `L(0) = ${initial}, expected (${firstLosses[0]}, ${secondLosses[1]})`);
    assert.ok(trainer.weighting.weights().every((w) => Number.isFinite(w) && w > 0.5 && w < 1.5), `weights ${trainer.weighting.weights()}`);
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
      // No shared layer is a config error before any trainer exists (test/unit/modelSharing.test.ts has the positions).
      assert.throws(() => config({ loss: { weighting: 'gradnorm' }, model: { architecture: 'hard', sharedUnits: [], taskUnits: [] } }), /loss\.weighting: "gradnorm" balances gradient norms on the last layer the tasks share, and this model has none \(model\.sharedUnits is empty\)/);
    });
  });

  it('its state (weights and the first losses) survives a checkpoint, also one written before L(0) was per task', () => {
    const make = () => new GradNormWeighting({ loss: { weighting: 'gradnorm' } as never, tasks: twoTasks, seed: 1 });
    const w = make();
    w.balanceGradientNorms([1, 2], [3, 4], stepInfo(1), [true, true]);
    w.balanceGradientNorms([1, 2], [2, 4], stepInfo(2), [true, true]);
    const restored = make();
    restored.setState(JSON.parse(JSON.stringify(w.getState())));
    assert.deepEqual(restored.weights(), w.weights());
    w.balanceGradientNorms([1, 1], [1, 3], stepInfo(3), [true, true]);
    restored.balanceGradientNorms([1, 1], [1, 3], stepInfo(3), [true, true]);
    assert.deepEqual(restored.weights(), w.weights(), 'the same next update: L(0) was kept');
    // The earlier format: `initialLosses` one number per task, or null before the first step.
    const old = make();
    old.setState({ weights: [0.9, 1.1], initialLosses: [3, 4] });
    assert.deepEqual(old.getState(), { weights: [0.9, 1.1], initialLosses: [3, 4] });
    const fresh = make();
    fresh.setState({ weights: [1, 1], initialLosses: null });
    assert.deepEqual(fresh.getState(), { weights: [1, 1], initialLosses: [null, null] });
  });
});
