/**
 * FAMO (Liu et al. 2023) against its formulas, computed by hand here: the gradient the model's objective
 * sends to each task loss, the logits' Adam step from the losses before and after an update, the trainer
 * feeding it the same batch's losses after the update, and its state across a checkpoint.
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
import { FamoWeighting } from '../../src/training/weighting/famo';
import { assertClose, config, train } from '../helpers/engine';

before(async () => {
  await selectBackend('cpu');
});

const tasks = (k: number) => Array.from({ length: k }, (_, i) => ({ name: `t${i}`, type: 'regression' as const }));
const make = (k: number, loss: Record<string, unknown> = {}) => new FamoWeighting({ loss: { weighting: 'famo', ...loss } as never, tasks: tasks(k), seed: 1 });

const EPS = 1e-8;
const softmax = (x: number[]) => x.map((v) => Math.exp(v) / x.reduce((s, w) => s + Math.exp(w), 0));

/** One Adam step (β₁ 0.9, β₂ 0.999, ε 1e-8, L2 decay added to the gradient) on plain numbers: the update PyTorch's Adam makes. */
function adamStep(x: number[], g: number[], state: { m: number[]; v: number[]; t: number }, lr: number, decay: number): number[] {
  state.t += 1;
  return x.map((xi, i) => {
    const gi = g[i] + decay * xi;
    state.m[i] = 0.9 * state.m[i] + 0.1 * gi;
    state.v[i] = 0.999 * state.v[i] + 0.001 * gi * gi;
    const mHat = state.m[i] / (1 - 0.9 ** state.t);
    const vHat = state.v[i] / (1 - 0.999 ** state.t);
    return xi - (lr * mHat) / (Math.sqrt(vHat) + 1e-8);
  });
}

/** The logits' gradient from the losses before and after an update: (∂z/∂ξ)ᵀ δ with δ_k = log(L_k + ε) − log(L⁺_k + ε). */
function logitGradient(z: number[], before: number[], after: number[]): number[] {
  const delta = before.map((l, k) => Math.log(l + EPS) - Math.log(after[k] + EPS));
  const mean = z.reduce((s, zk, k) => s + zk * delta[k], 0);
  return z.map((zk, k) => zk * (delta[k] - mean));
}

describe('FAMO (Liu et al. 2023)', () => {
  it('the model\'s objective weighs ∇L_k by z_k / (c (L_k + ε))', () => {
    const w = make(3);
    const logits = [0.3, -0.2, 0.5];
    w.setState({ logits, m: [0, 0, 0], v: [0, 0, 0], steps: 0 });
    const L = [1, 4, 0.5];
    const gradient = tf.tidy(() => Array.from(tf.grad((losses: tf.Tensor) => w.combine(losses as tf.Tensor1D))(tf.tensor1d(L)).dataSync()));
    const z = softmax(logits);
    const c = z.reduce((s, zk, k) => s + zk / (L[k] + EPS), 0);
    assertClose(gradient, z.map((zk, k) => zk / (c * (L[k] + EPS))), 1e-6);
    assertClose(w.weights(), z, 1e-7);
  });

  it('one step of the logit update, computed by hand', () => {
    const w = make(2);
    // z = (½, ½); task 0 halves its loss, task 1 falls by 5 %: δ = (log 2, log(2/1.9)); the gradient is
    // z ⊙ (δ − zᵀδ) = ±½(log 2 − log(2/1.9))/2, and Adam's first step is −lr·sign of it: ξ = (−0.025, +0.025).
    w.afterUpdate([1, 2], [0.5, 1.9]);
    const first = [-0.025, 0.025];
    assertClose(w.weights(), softmax(first), 1e-6);
    assert.ok(w.weights()[0] < w.weights()[1], 'the task that improved more loses weight');
    // The second step, with the weight decay γ = 0.001 now acting on ξ ≠ 0.
    const adam = { m: [0, 0], v: [0, 0], t: 0 };
    const xi1 = adamStep([0, 0], logitGradient([0.5, 0.5], [1, 2], [0.5, 1.9]), adam, 0.025, 0.001);
    assertClose(xi1, first, 1e-8); // Adam's ε: |g| / (|g| + 1e-8) is 1 − 1e-7 here
    w.afterUpdate([0.5, 1.9], [0.45, 1.7]);
    const xi2 = adamStep(xi1, logitGradient(softmax(xi1), [0.5, 1.9], [0.45, 1.7]), adam, 0.025, 0.001);
    assertClose((w.getState() as { logits: number[] }).logits, xi2, 1e-6);
    assertClose(w.weights(), softmax(xi2), 1e-6);
  });

  it('its learning rate and weight decay come from the config', () => {
    const w = make(2, { famoLearningRate: 0.1, famoWeightDecay: 0.5 });
    const adam = { m: [0, 0], v: [0, 0], t: 0 };
    w.afterUpdate([1, 2], [0.5, 1.9]);
    const xi1 = adamStep([0, 0], logitGradient([0.5, 0.5], [1, 2], [0.5, 1.9]), adam, 0.1, 0.5);
    w.afterUpdate([0.5, 1.9], [0.45, 1.7]);
    assertClose((w.getState() as { logits: number[] }).logits, adamStep(xi1, logitGradient(softmax(xi1), [0.5, 1.9], [0.45, 1.7]), adam, 0.1, 0.5), 1e-6);
  });

  it('the trainer gives it the same batch\'s losses after the update', async () => {
    const cfg = config({ loss: { weighting: 'famo' }, optimizer: { name: 'sgd', learningRate: 0.1 }, model: { architecture: 'hard', sharedUnits: [6], taskUnits: [] } });
    const dataset = await loadDataset(cfg, process.cwd());
    const trainer = new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
    const batch = makeBatch(dataset.train, dataset.inputDim, dataset.tasks, Int32Array.from({ length: 32 }, (_, i) => i));
    const losses = () => tf.tidy(() => [0, 1].map((k) => taskLoss(dataset.tasks[k], trainer.model.forward(batch.x, { training: false }).outputs[k], batch.tasks[k]).dataSync()[0]));
    const beforeStep = losses();
    trainer.trainStep(batch, { step: 1, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 10 }, 1, false);
    const afterStep = losses();
    const expected = adamStep([0, 0], logitGradient([0.5, 0.5], beforeStep, afterStep), { m: [0, 0], v: [0, 0], t: 0 }, 0.025, 0.001);
    assertClose((trainer.weighting.getState!() as { logits: number[] }).logits, expected, 1e-6);
  });

  it('trains: the loss falls and the weights stay a distribution', async () => {
    const cfg = config({ loss: { weighting: 'famo' }, training: { epochs: 3, batchSize: 32, evalEvery: 1000 }, optimizer: { name: 'adam', learningRate: 0.01 } });
    const { records } = await train(cfg, await loadDataset(cfg, process.cwd()));
    const trains = records.filter((r): r is TrainRecord => r.kind === 'train');
    const first = trains[0];
    const last = trains[trains.length - 1];
    assert.ok(last.losses.a + last.losses.b < first.losses.a + first.losses.b, `${JSON.stringify(first.losses)} → ${JSON.stringify(last.losses)}`);
    assert.ok(trains.every((r) => Math.abs(r.weights.a + r.weights.b - 1) < 1e-5 && r.weights.a > 0 && r.weights.b > 0));
    assert.notDeepEqual(last.weights, first.weights, 'the weights moved');
  });

  it('its logits and their Adam state survive a checkpoint: the same next update', () => {
    const w = make(3);
    w.afterUpdate([1, 2, 3], [0.8, 1.9, 2.5]);
    w.afterUpdate([0.8, 1.9, 2.5], [0.7, 1.5, 2.4]);
    const restored = make(3);
    restored.setState(JSON.parse(JSON.stringify(w.getState())));
    assert.deepEqual(restored.weights(), w.weights());
    w.afterUpdate([0.7, 1.5, 2.4], [0.6, 1.4, 2.0]);
    restored.afterUpdate([0.7, 1.5, 2.4], [0.6, 1.4, 2.0]);
    assert.deepEqual(restored.getState(), w.getState());
  });
});
