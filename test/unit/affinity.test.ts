/**
 * Inter-task affinity: the trainer's lookahead affinity Z(i→j) = 1 − L_j(θ⁺ᵢ)/L_j(θ) against an independent
 * computation in this file (parameter copies as plain arrays, the loss written out, one SGD or Adam step written out),
 * and the first-order approximation against lr·⟨g_i, g_j⟩/L_j from the same gradients.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { BatchSampler } from '../../src/training/data/sampler';
import { loadDataset } from '../../src/training/data/load';
import { Trainer } from '../../src/training/engine/trainer';
import { measureAffinity } from '../../src/training/engine/affinity';
import { loadCheckpoint, saveCheckpoint } from '../../src/training/engine/checkpoint';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOptimizer } from '../../src/training/engine/optimizers';
import type { MetricRecord, TrainRecord } from '../../src/training/run/records';
import { config } from '../helpers/engine';

before(async () => {
  await selectBackend('cpu');
});

const cfg = (optimizer: Record<string, unknown>, affinityEvery: number) =>
  config({
    data: { source: 'synthetic', generator: 'mmoe', samples: 120, inputDim: 6, validationSplit: 0, correlation: 0.5 },
    tasks: [
      { name: 'a', type: 'regression' },
      { name: 'b', type: 'regression' },
      { name: 'c', type: 'regression' },
    ],
    model: { architecture: 'hard', sharedUnits: [5], taskUnits: [3] },
    optimizer,
    training: { epochs: 1, batchSize: 20, evalEvery: 1000, affinityEvery },
  });

/** A trainer on cfg's data, and a way to run it up to a step. */
async function trainerFor(c: ReturnType<typeof cfg>) {
  const dataset = await loadDataset(c, '.');
  const sampler = new BatchSampler(dataset.train, dataset.tasks, c.training, c.seed);
  const trainer = new Trainer(c, dataset, sampler);
  const records: MetricRecord[] = [];
  const runTo = (step: number) => trainer.run({ onRecord: (r) => records.push(r), shouldStop: () => trainer.position.step >= step });
  return { dataset, sampler, trainer, records, runTo };
}

/** This file's own MSE of every task at the model's current parameters, on rows `rows` of the training split. */
function lossesOn(t: Awaited<ReturnType<typeof trainerFor>>, rows: Int32Array): number[] {
  const { dataset, trainer } = t;
  return tf.tidy(() => {
    const x = tf.tensor2d(Array.from(rows).flatMap((r) => Array.from(dataset.train.x.subarray(r * dataset.inputDim, (r + 1) * dataset.inputDim))), [rows.length, dataset.inputDim]);
    const outputs = trainer.model.forward(x, { training: false }).outputs;
    return dataset.tasks.map((task, k) => {
      const y = Array.from(rows).map((r) => dataset.train.labels[task.name].values[r]);
      const out = outputs[k].dataSync();
      return y.reduce((s, v, i) => s + (out[i] - v) ** 2, 0) / y.length;
    });
  });
}

/** Task k's gradient on the shared parameters (this file's MSE), as plain arrays. */
function gradientsOn(t: Awaited<ReturnType<typeof trainerFor>>, rows: Int32Array, k: number): number[][] {
  const { dataset, trainer } = t;
  const shared = trainer.model.sharedParameters().map((p) => p.variable);
  return tf.tidy(() => {
    const x = tf.tensor2d(Array.from(rows).flatMap((r) => Array.from(dataset.train.x.subarray(r * dataset.inputDim, (r + 1) * dataset.inputDim))), [rows.length, dataset.inputDim]);
    const y = tf.tensor2d(Array.from(rows).map((r) => [dataset.train.labels[dataset.tasks[k].name].values[r]]));
    const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(trainer.model.forward(x, { training: false }).outputs[k], y))) as tf.Scalar, shared);
    return shared.map((v) => Array.from(grads[v.name].dataSync()));
  });
}

/** Z(i→j) by hand: for each task i, the shared parameters set to `step(θ, g_i)`, every loss read, θ restored. */
function expectedAffinity(t: Awaited<ReturnType<typeof trainerFor>>, rows: Int32Array, step: (theta: number[], g: number[], p: number) => number[]): number[][] {
  const shared = t.trainer.model.sharedParameters().map((p) => p.variable);
  const theta = shared.map((v) => Array.from(v.dataSync()));
  const base = lossesOn(t, rows);
  const K = t.dataset.tasks.length;
  const out: number[][] = [];
  for (let i = 0; i < K; i++) {
    const g = gradientsOn(t, rows, i);
    shared.forEach((v, p) => v.assign(tf.tensor(step(theta[p], g[p], p), v.shape)));
    const after = lossesOn(t, rows);
    shared.forEach((v, p) => v.assign(tf.tensor(theta[p], v.shape)));
    out.push(after.map((l, j) => 1 - l / base[j]));
  }
  return out;
}

function assertMatrixClose(actual: number[][], expected: number[][], tol: number): void {
  actual.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) <= tol, `Z(${i}→${j}) = ${v}, expected ${expected[i][j]} (±${tol})`)));
}

const trainRecordAt = (records: MetricRecord[], step: number) => records.find((r): r is TrainRecord => r.kind === 'train' && r.step === step)!;

describe('inter-task affinity', () => {
  it('SGD: the recorded lookahead affinity equals a step and losses written out by hand', async () => {
    const t = await trainerFor(cfg({ name: 'sgd', learningRate: 0.2 }, 1));
    const rows = t.sampler.batchesForEpoch(0)[0];
    const lr = 0.2;
    const expected = expectedAffinity(t, rows, (theta, g) => theta.map((v, n) => v - lr * g[n]));
    await t.runTo(1);
    const recorded = trainRecordAt(t.records, 1).matrices!.affinity;
    assertMatrixClose(recorded, expected, 2e-4);
    // Not trivially zero, and asymmetric.
    assert.ok(recorded.flat().some((v) => Math.abs(v) > 0.01), JSON.stringify(recorded));
    assert.notDeepEqual(recorded[0][1], recorded[1][0]);
    // The first sample is its own average.
    assert.deepEqual(trainRecordAt(t.records, 1).matrices!['affinity-mean'], recorded);
  });

  it('Adam at step 3: the lookahead uses the moments and step count as they are, and changes none of them', async () => {
    const lr = 0.05;
    const t = await trainerFor(cfg({ name: 'adam', learningRate: lr }, 3));
    await t.runTo(2);
    const shared = t.trainer.model.sharedParameters();
    const slots = t.trainer.optimizer.slots();
    const m = shared.map((p) => Array.from(slots.get(`${p.name}/m`)!.dataSync()));
    const v = shared.map((p) => Array.from(slots.get(`${p.name}/v`)!.dataSync()));
    assert.ok(m.flat().some((x) => x !== 0), 'Adam has moments after two steps');
    const [b1, b2, eps, step] = [0.9, 0.999, 1e-8, 3];
    const rows = t.sampler.batchesForEpoch(0)[2];
    const expected = expectedAffinity(t, rows, (theta, g, p) =>
      theta.map((x, n) => {
        const m1 = b1 * m[p][n] + (1 - b1) * g[n];
        const v1 = b2 * v[p][n] + (1 - b2) * g[n] ** 2;
        const mHat = m1 / (1 - b1 ** step);
        const vHat = v1 / (1 - b2 ** step);
        return x - (lr * mHat) / (Math.sqrt(vHat) + eps);
      }),
    );
    // The lookahead itself leaves the optimiser untouched: measured directly before the step.
    const before = { iterations: t.trainer.optimizer.iterations, m: m.flat() };
    await t.runTo(3);
    assert.equal(before.iterations, 2);
    const recorded = trainRecordAt(t.records, 3).matrices!.affinity;
    assertMatrixClose(recorded, expected, 3e-4);
    assert.ok(recorded.flat().some((x) => Math.abs(x) > 0.01), JSON.stringify(recorded));
    // Steps 1 and 2 carry no affinity (every 3 steps).
    assert.equal(trainRecordAt(t.records, 2).matrices?.affinity, undefined);
  });

  it('measureAffinity restores the parameters and leaves the optimiser state as it was; the approximation is lr·G_ij/L_j', async () => {
    const t = await trainerFor(cfg({ name: 'adam', learningRate: 0.05 }, 1));
    await t.runTo(2);
    const opt = t.trainer.optimizer;
    const slotsBefore = [...opt.slots()].map(([k, s]) => [k, Array.from(s.dataSync())]);
    const paramsBefore = t.trainer.params.map((p) => Array.from(p.variable.dataSync()));
    const shared = t.trainer.model.sharedParameters().map((p) => p.variable);
    const rows = t.sampler.batchesForEpoch(0)[3];
    const grads = [0, 1, 2].map((k) => gradientsOn(t, rows, k));
    const gram = grads.map((gi) => grads.map((gj) => gi.flat().reduce((s, x, n) => s + x * gj.flat()[n], 0)));
    const losses = () => lossesOn(t, rows);
    const base = losses();
    const perTask = grads.map((g) => Object.fromEntries(shared.map((v, p) => [v.name, tf.tensor(g[p], v.shape)])));
    const sample = measureAffinity({ shared, perTask, gram, losses, optimizer: opt, learningRate: 0.05, taskNames: ['a', 'b', 'c'] });
    assert.ok('exact' in sample);
    assertMatrixClose(sample.approx, gram.map((r) => r.map((g, j) => (0.05 * g) / base[j])), 1e-9);
    assert.equal(opt.iterations, 2);
    assert.deepEqual([...opt.slots()].map(([k, s]) => [k, Array.from(s.dataSync())]), slotsBefore);
    assert.deepEqual(t.trainer.params.map((p) => Array.from(p.variable.dataSync())), paramsBefore);
    tf.dispose(perTask.flatMap((g) => Object.values(g)));
  });

  it('a lookahead with a non-finite loss skips the sample with a reason, restores the parameters', async () => {
    const t = await trainerFor(cfg({ name: 'sgd', learningRate: 0.1 }, 1));
    const shared = t.trainer.model.sharedParameters().map((p) => p.variable);
    const before = shared.map((v) => Array.from(v.dataSync()));
    const perTask = [0, 1, 2].map(() => Object.fromEntries(shared.map((v) => [v.name, tf.fill(v.shape, 1)])));
    let calls = 0;
    const losses = () => (calls++ === 0 ? [1, 1, 1] : [1, Infinity, 1]);
    const sample = measureAffinity({ shared, perTask, gram: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], losses, optimizer: createOptimizer(t.trainer.params, t.trainer.config.optimizer), learningRate: 0.1, taskNames: ['a', 'b', 'c'] });
    assert.ok('skipped' in sample);
    assert.match(sample.skipped, /after a lookahead step on task "a", task "b"'s loss is Infinity/);
    assert.deepEqual(shared.map((v) => Array.from(v.dataSync())), before);
    tf.dispose(perTask.flatMap((g) => Object.values(g)));
  });

  it('in training, a lookahead that gives a non-finite loss skips that sample with an event; the step trains and the mean leaves it out', async () => {
    const t = await trainerFor(cfg({ name: 'sgd', learningRate: 0.1 }, 1));
    const real = t.trainer.optimizer.lookahead.bind(t.trainer.optimizer);
    let calls = 0;
    // At step 2's sample, task a's lookahead moves every shared parameter to NaN.
    t.trainer.optimizer.lookahead = (grads) => {
      const next = real(grads);
      if (++calls !== 4 || !next) return next;
      for (const [name, v] of next) next.set(name, tf.fill(v.shape, NaN));
      return next;
    };
    await t.runTo(3);
    const skipped = t.records.filter((r) => r.kind === 'event' && r.code === 'affinity-skipped');
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0].step, 2);
    assert.match(skipped[0].kind === 'event' ? skipped[0].message : '', /after a lookahead step on task "a", task "a"'s loss is NaN/);
    assert.deepEqual(t.records.filter((r) => r.kind === 'train').map((r) => r.step), [1, 2, 3], 'every step trained and logged');
    assert.equal(trainRecordAt(t.records, 2).matrices?.affinity, undefined);
    assert.equal(t.trainer.position.affinity?.count, 2);
    const [first, third] = [1, 3].map((step) => trainRecordAt(t.records, step).matrices!.affinity);
    const mean = trainRecordAt(t.records, 3).matrices!['affinity-mean'];
    mean.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (first[i][j] + third[i][j]) / 2) < 1e-6)));
    assert.ok(t.trainer.params.every((p) => Array.from(p.variable.dataSync()).every(Number.isFinite)), 'no NaN reached the parameters');
  });

  it('a resumed run continues the running average: its records equal an uninterrupted run', async () => {
    const c = cfg({ name: 'adam', learningRate: 0.02 }, 2);
    const whole = await trainerFor(c);
    await whole.runTo(6);
    const stopped = await trainerFor(c);
    await stopped.runTo(3);
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'affinity-resume-')), 'checkpoint');
    saveCheckpoint(stopped.trainer, dir);
    const resumed = await trainerFor(c);
    loadCheckpoint(resumed.trainer, dir);
    await resumed.runTo(6);
    const matrices = (records: MetricRecord[]) => records.filter((r): r is TrainRecord => r.kind === 'train' && r.step > 3).map((r) => [r.step, r.matrices]);
    assert.deepEqual(matrices(resumed.records), matrices(whole.records));
    assert.equal(resumed.trainer.position.affinity?.count, 3);
  });
});
