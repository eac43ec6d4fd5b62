/**
 * Loss weighting: formulas and the proofs of docs/methods.md (1: the learned softmax collapses and the
 * detector fires, the entropy bonus prevents it; 2: uncertainty weighting recovers the noise;
 * 3: DWA's weights), plus equal, static and RLW basics.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { loadDataset } from '../../src/training/data/load';
import type { ResolvedTask } from '../../src/training/data/dataset';
import { DynamicWeightAverage, dwaWeights } from '../../src/training/weighting/dynamicWeightAverage';
import { EqualWeighting } from '../../src/training/weighting/equal';
import { LearnedSoftmaxWeighting, isCollapsed, normalisedEntropy } from '../../src/training/weighting/learnedSoftmax';
import { RandomLossWeighting } from '../../src/training/weighting/randomLoss';
import { StaticWeighting } from '../../src/training/weighting/static';
import { UncertaintyWeighting } from '../../src/training/weighting/uncertainty';
import type { StepInfo } from '../../src/training/weighting/strategy';
import type { EventRecord, TrainRecord } from '../../src/training/run/records';
import { arrayDataset, assertClose, config, normals, train } from '../helpers/engine';

const info = (step: number, epoch = 0): StepInfo => ({ step, epoch, stepInEpoch: 0, stepsPerEpoch: 10 });
const twoTasks = [
  { name: 'a', type: 'regression' as const },
  { name: 'b', type: 'regression' as const },
];

before(async () => {
  await selectBackend('cpu');
});

describe('equal, static and RLW', () => {
  it('equal is the plain sum with weights 1', () => {
    const w = new EqualWeighting({ loss: { weighting: 'equal' }, tasks: twoTasks, seed: 1 });
    assert.equal(tf.tidy(() => w.combine(tf.tensor1d([1.5, 2.5])).dataSync()[0]), 4);
    assert.deepEqual(w.weights(), [1, 1]);
  });

  it('static takes tasks[].weight, overridden by loss.weights', () => {
    const tasks = [
      { name: 'a', type: 'regression' as const, weight: 0.7 },
      { name: 'b', type: 'regression' as const, weight: 0.3 },
    ];
    const w = new StaticWeighting({ loss: { weighting: 'static' }, tasks, seed: 1 });
    assert.ok(Math.abs(tf.tidy(() => w.combine(tf.tensor1d([10, 20])).dataSync()[0]) - 13) < 1e-5);
    const o = new StaticWeighting({ loss: { weighting: 'static', weights: { b: 2 } }, tasks, seed: 1 });
    assert.deepEqual(o.weights(), [0.7, 2]);
  });

  it('RLW draws softmax(N(0,1)) weights summing to 1, fresh each step and reproducible by step', () => {
    const make = () => new RandomLossWeighting({ loss: { weighting: 'rlw' }, tasks: twoTasks, seed: 3 });
    const w = make();
    const seen = new Set<string>();
    for (let step = 1; step <= 20; step++) {
      w.beforeStep(info(step));
      const lambda = w.weights();
      assert.ok(Math.abs(lambda[0] + lambda[1] - 1) < 1e-12);
      seen.add(lambda.map((v) => v.toFixed(6)).join());
      const again = make();
      again.beforeStep(info(step));
      assert.deepEqual(again.weights(), lambda);
      const combined = tf.tidy(() => w.combine(tf.tensor1d([2, 4])).dataSync()[0]);
      assert.ok(Math.abs(combined - (2 * lambda[0] + 4 * lambda[1])) < 1e-5);
    }
    assert.equal(seen.size, 20);
  });
});

describe('learned softmax weighting (the article)', () => {
  it('its gradient is ∂L/∂w_j = p_j (L_j − L̄)', () => {
    const w = new LearnedSoftmaxWeighting({ loss: { weighting: 'softmax' }, tasks: [...twoTasks, { name: 'c', type: 'regression' as const }], seed: 1 });
    const logits = w.parameters()[0].variable;
    logits.assign(tf.tensor1d([0.3, -0.2, 0.5]));
    const L = [1.0, 4.0, 0.5];
    const { grads } = tf.variableGrads(() => w.combine(tf.tensor1d(L), info(1)), [logits]);
    const g = Array.from(grads[logits.name].dataSync());
    const z = [0.3, -0.2, 0.5].map(Math.exp);
    const p = z.map((v) => v / z.reduce((a, b) => a + b));
    const mean = p.reduce((acc, pi, i) => acc + pi * L[i], 0);
    p.forEach((pj, j) => assert.ok(Math.abs(g[j] - pj * (L[j] - mean)) < 1e-5, `component ${j}`));
  });

  it('the detector thresholds: normalised entropy < 0.3 or max p > 0.9', () => {
    assert.equal(isCollapsed([0.5, 0.5]), false);
    assert.equal(isCollapsed([0.91, 0.09]), true);
    assert.equal(isCollapsed([0.85, 0.05, 0.05, 0.05]), false); // H/log4 ≈ 0.42
    assert.ok(normalisedEntropy([0.97, 0.01, 0.01, 0.01]) < 0.3);
    assert.equal(isCollapsed([0.88, 0.04, 0.04, 0.04]), false); // H/log4 ≈ 0.36, max < 0.9
    assert.equal(isCollapsed([0.91, 0.03, 0.03, 0.03]), true);
  });

  it('the floor keeps every weight ≥ ε', () => {
    const w = new LearnedSoftmaxWeighting({ loss: { weighting: 'softmax', floor: 0.1 }, tasks: twoTasks, seed: 1 });
    w.parameters()[0].variable.assign(tf.tensor1d([20, -20]));
    w.afterStep([1, 1], info(1));
    assert.ok(Math.abs(w.weights()[1] - 0.1) < 1e-6);
    assert.ok(Math.abs(w.weights()[0] - 0.9) < 1e-6);
  });

  // Proof 1: the same synthetic data with one task's targets ×10.
  async function scaledRun(loss: Record<string, unknown>) {
    const cfg = config({
      data: { source: 'synthetic', generator: 'mmoe', samples: 2000, inputDim: 16, correlation: 0.8, validationSplit: 0.1 },
      loss: { weighting: 'softmax', ...loss },
      // Adam's second moment remembers the huge first losses of the ×10 task, which slows the logits at
      // lr 0.01; 0.05 shows the collapse within a few hundred steps.
      optimizer: { name: 'adam', learningRate: 0.05 },
      training: { epochs: 20, batchSize: 64, logEvery: 5, evalEvery: 10000 },
    });
    const dataset = await loadDataset(cfg, process.cwd());
    const b = dataset.train.labels.b.values;
    for (let i = 0; i < b.length; i++) b[i] *= 10;
    const { records } = await train(cfg, dataset);
    const trains = records.filter((r): r is TrainRecord => r.kind === 'train');
    const events = records.filter((r): r is EventRecord => r.kind === 'event');
    return { last: trains[trains.length - 1], events };
  }

  it('proof 1: collapses onto the small-loss task when the other task is scaled ×10, and the detector fires', async () => {
    const { last, events } = await scaledRun({});
    assert.ok(last.weights.a > 0.9, `weight of the small-loss task: ${last.weights.a}`);
    const collapsed = events.find((e) => e.code === 'weights-collapsed');
    assert.ok(collapsed, 'a weights-collapsed event');
    assert.equal(collapsed.level, 'warning');
    assert.match(collapsed.message, /onto "a"/);
  });

  it('proof 1: with the entropy bonus it does not collapse', async () => {
    const { last, events } = await scaledRun({ entropy: 50 });
    assert.ok(!events.some((e) => e.code === 'weights-collapsed'), 'no collapse event');
    assert.ok(!isCollapsed([last.weights.a, last.weights.b]), `weights ${JSON.stringify(last.weights)}`);
  });
});

describe('uncertainty weighting (Kendall et al. 2018)', () => {
  it('objective and reported weights follow the formula', () => {
    const w = new UncertaintyWeighting({ loss: { weighting: 'uncertainty' }, tasks: twoTasks, seed: 1 });
    const s = w.parameters()[0].variable;
    s.assign(tf.tensor1d([0.2, -1]));
    const value = tf.tidy(() => w.combine(tf.tensor1d([3, 5])).dataSync()[0]);
    const expected = 3 / (2 * Math.exp(0.2)) + 0.1 + 5 / (2 * Math.exp(-1)) - 0.5;
    assert.ok(Math.abs(value - expected) < 1e-5);
    w.afterStep();
    assert.ok(Math.abs(w.weights()[1] - 1 / (2 * Math.exp(-1))) < 1e-6);
  });

  it('proof 2: recovers the noise of y1 = 2x + 8 + 10ε and y2 = 3x + 3 + ε (N = 100) as σ ≈ (10, 1)', async () => {
    const N = 100;
    const x = normals(N, 11);
    const e1 = normals(N, 12);
    const e2 = normals(N, 13);
    const y1 = x.map((v, i) => 2 * v + 8 + 10 * e1[i]);
    const y2 = x.map((v, i) => 3 * v + 3 + e2[i]);
    const tasks: ResolvedTask[] = [
      { name: 'y1', type: 'regression', outputs: 1 },
      { name: 'y2', type: 'regression', outputs: 1 },
    ];
    const dataset = arrayDataset(tasks, { x: x.map((v) => [v]), labels: { y1, y2 } });
    // Linear heads straight on x (no hidden layers), full batch, the same optimiser trains s_i.
    const cfg = config({
      tasks: [
        { name: 'y1', type: 'regression' },
        { name: 'y2', type: 'regression' },
      ],
      model: { architecture: 'hard', sharedUnits: [], taskUnits: [] },
      loss: { weighting: 'uncertainty' },
      optimizer: { name: 'adam', learningRate: 0.05 },
      training: { epochs: 3000, batchSize: N, logEvery: 100, evalEvery: 100000 },
    });
    const { trainer } = await train(cfg, dataset);
    const sigmas = (trainer.weighting as UncertaintyWeighting).sigmas();
    // The best σ the data allows is the residual standard deviation of a least-squares fit.
    const residualStd = (y: number[]) => {
      const mx = x.reduce((a, b) => a + b) / N;
      const my = y.reduce((a, b) => a + b) / N;
      const slope = x.reduce((a, v, i) => a + (v - mx) * (y[i] - my), 0) / x.reduce((a, v) => a + (v - mx) ** 2, 0);
      return Math.sqrt(y.reduce((a, v, i) => a + (v - my - slope * (x[i] - mx)) ** 2, 0) / N);
    };
    const target = [residualStd(y1), residualStd(y2)];
    assert.ok(Math.abs(target[0] - 10) < 1.5 && Math.abs(target[1] - 1) < 0.15, `the drawn noise itself: ${target}`);
    sigmas.forEach((s, i) => assert.ok(Math.abs(s - target[i]) / target[i] < 0.05, `σ${i + 1} = ${s}, least-squares residual std ${target[i]}`));
  });
});

/** DWA's λ written out for the tests: λ_k = K·exp(r_k/T) / Σ_i exp(r_i/T), from the ratios r the test states. */
function dwaFromRatios(r: number[], T: number): number[] {
  const e = r.map((v) => Math.exp(v / T));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => (r.length * v) / sum);
}


describe('DWA (Liu et al. 2019)', () => {
  it('proof 3: λ = 1 for every task when all loss ratios are equal', () => {
    assert.deepEqual(dwaWeights([0.5, 2, 8], [1, 4, 16], 2).map((v) => Number(v.toFixed(12))), [1, 1, 1]);
  });

  it('proof 3: the faster-falling task gets the smaller weight; Σλ = K; T = 2', () => {
    const lambda = dwaWeights([0.5, 0.9], [1, 1], 2);
    assert.ok(lambda[0] < 1 && lambda[1] > 1);
    assert.ok(Math.abs(lambda[0] + lambda[1] - 2) < 1e-12);
    const expected0 = (2 * Math.exp(0.25)) / (Math.exp(0.25) + Math.exp(0.45));
    assert.ok(Math.abs(lambda[0] - expected0) < 1e-12);
  });

  it('a window whose mean loss is 0 (no labels in it, or exactly fitted) gives the neutral ratio r = 1, never NaN', () => {
    // Task a: 0 in both windows (0/0); task b: 2 → 1 (r = 0.5).
    assertClose(dwaWeights([0, 1], [0, 2], 2), dwaFromRatios([1, 0.5], 2), 1e-12);
    // Task a rises from a zero window (1/0): no rate either; task b: 3 → 3 (r = 1). Both neutral: λ = 1.
    assertClose(dwaWeights([1, 3], [0, 3], 2), [1, 1], 1e-12);
    // A task that falls to exactly 0 is an ordinary ratio: r = 0 / 2 = 0, the smallest weight.
    assertClose(dwaWeights([0, 1], [2, 1], 2), dwaFromRatios([0, 1], 2), 1e-12);
  });

  it('in training, a task without labels keeps DWA finite: no NaN loss, no batch skipped', async () => {
    const N = 64;
    const x = normals(N, 31);
    const tasks: ResolvedTask[] = [
      { name: 'a', type: 'regression', outputs: 1 },
      { name: 'b', type: 'regression', outputs: 1 },
    ];
    const dataset = arrayDataset(tasks, { x: x.map((v) => [v]), labels: { a: x.map((v) => 3 * v), b: x.map(() => null) } });
    const cfg = config({
      tasks: twoTasks,
      model: { architecture: 'hard', sharedUnits: [4], taskUnits: [] },
      loss: { weighting: 'dwa', window: 2 },
      optimizer: { name: 'sgd', learningRate: 0.05 },
      training: { epochs: 8, batchSize: N, logEvery: 1, evalEvery: 100000, onNonFinite: 'fail' },
    });
    const { records } = await train(cfg, dataset);
    const trains = records.filter((r): r is TrainRecord => r.kind === 'train');
    assert.equal(trains.length, 8);
    assert.ok(!records.some((r) => r.kind === 'event' && r.code === 'batch-skipped'));
    const last = trains[trains.length - 1];
    assert.ok(Number.isFinite(last.totalLoss), `total loss ${last.totalLoss}`);
    // From step 5 on, λ comes from windows (1, 2) and (3, 4): task b's ratio is 0/0 → 1, task a's is below 1.
    assert.ok(last.weights.b > 1 && last.weights.a < 1, JSON.stringify(last.weights));
    assert.ok(Math.abs(last.weights.a + last.weights.b - 2) < 1e-6);
  });

  it('uses λ = 1 for the first two windows, then the means of the two windows before', () => {
    const w = new DynamicWeightAverage({ loss: { weighting: 'dwa', temperature: 2 }, tasks: twoTasks, seed: 1 });
    const epochLosses = [
      [1, 1],
      [0.5, 0.9],
      [0.4, 0.8],
    ];
    const seen: number[][] = [];
    let step = 0;
    for (let epoch = 0; epoch < 3; epoch++) {
      for (let i = 0; i < 4; i++) {
        w.beforeStep(info(++step, epoch));
        seen[epoch] = w.weights();
        if (epoch < 2) assert.deepEqual(w.weights(), [1, 1]);
        w.afterStep(epochLosses[epoch]);
      }
    }
    // In epoch 2 (the third window) λ comes from epochs 0 and 1: r = (0.5 / 1, 0.9 / 1).
    assertClose(seen[2], dwaFromRatios([0.5, 0.9], 2), 1e-12);
    // In epoch 3, from epochs 1 and 2: r = (0.4 / 0.5, 0.8 / 0.9).
    w.beforeStep(info(++step, 3));
    assertClose(w.weights(), dwaFromRatios([0.4 / 0.5, 0.8 / 0.9], 2), 1e-12);
  });

  it('the windowed variant averages every N steps', () => {
    const w = new DynamicWeightAverage({ loss: { weighting: 'dwa', window: 2 }, tasks: twoTasks, seed: 1 });
    const losses = [
      [4, 4],
      [4, 4],
      [2, 3],
      [2, 3],
    ];
    losses.forEach((l, i) => {
      w.beforeStep(info(i + 1));
      w.afterStep(l);
    });
    w.beforeStep(info(5));
    assertClose(w.weights(), dwaFromRatios([2 / 4, 3 / 4], 2), 1e-12);
    const restored = new DynamicWeightAverage({ loss: { weighting: 'dwa', window: 2 }, tasks: twoTasks, seed: 1 });
    restored.setState(w.getState());
    assert.deepEqual(restored.weights(), w.weights());
  });
});
