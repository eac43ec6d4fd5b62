/**
 * Gradient methods inside the trainer: one SGD step moves the shared parameters by −lr·d, with d computed
 * here from the per-task gradient vectors as each paper states it (not from the implementation's β), and the
 * heads by −lr·∇Σ L_k; full runs of each method train.
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
import type { ResolvedTask } from '../../src/training/data/dataset';
import { arrayDataset, config, normals, train } from '../helpers/engine';

before(async () => {
  await selectBackend('cpu');
});

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((sum, v, i) => sum + v * b[i], 0);
const norm = (a: readonly number[]) => Math.sqrt(dot(a, a));
const mix = (a: number, g1: readonly number[], g2: readonly number[]) => g1.map((v, i) => a * v + (1 - a) * g2[i]);

/** The minimiser of a convex function on [0, 1], by ternary search (no method's closed form involved). */
function argminOnUnit(f: (a: number) => number): number {
  let [lo, hi] = [0, 1];
  for (let i = 0; i < 200; i++) {
    const m1 = lo + (hi - lo) / 3;
    const m2 = hi - (hi - lo) / 3;
    if (f(m1) <= f(m2)) hi = m2;
    else lo = m1;
  }
  return (lo + hi) / 2;
}

/** Each method's shared update for two tasks, written out on the gradient vectors from its paper. */
const DIRECTIONS: Record<'pcgrad' | 'mgda' | 'cagrad' | 'imtl-g', (g1: number[], g2: number[]) => number[]> = {
  // Each gradient loses its component along the other when they conflict; the update is the sum.
  pcgrad: (g1, g2) => {
    const conflict = dot(g1, g2) < 0;
    const p1 = conflict ? g1.map((v, i) => v - (dot(g1, g2) / dot(g2, g2)) * g2[i]) : g1;
    const p2 = conflict ? g2.map((v, i) => v - (dot(g2, g1) / dot(g1, g1)) * g1[i]) : g2;
    return p1.map((v, i) => v + p2[i]);
  },
  // The minimum-norm point of the segment between the gradients.
  mgda: (g1, g2) => mix(argminOnUnit((a) => norm(mix(a, g1, g2)) ** 2), g1, g2),
  // g₀ + (c/‖g_w‖)·g_w over 1 + calpha², c = 0.5‖g₀‖, w minimising g_w·g₀ + c‖g_w‖.
  cagrad: (g1, g2) => {
    const g0 = mix(0.5, g1, g2);
    const c = 0.5 * norm(g0);
    const gw = mix(argminOnUnit((a) => dot(mix(a, g1, g2), g0) + c * norm(mix(a, g1, g2))), g1, g2);
    return g0.map((v, i) => (v + (c / norm(gw)) * gw[i]) / 1.25);
  },
  // α g₁ + (1 − α) g₂ with equal projections on both unit gradients: d·(u₁ − u₂) = 0, solved for α.
  'imtl-g': (g1, g2) => {
    const w = g1.map((v, i) => v / norm(g1) - g2[i] / norm(g2));
    const a = -dot(g2, w) / (dot(g1, w) - dot(g2, w));
    return mix(a, g1, g2);
  },
};

/** Two regression tasks that pull the shared layer apart: opposite targets of the same inputs, one scaled. */
function conflictingTasks() {
  const tasks: ResolvedTask[] = [
    { name: 'a', type: 'regression', outputs: 1 },
    { name: 'b', type: 'regression', outputs: 1 },
  ];
  const x = Array.from({ length: 32 }, (_, i) => normals(8, 900 + i));
  return arrayDataset(tasks, { x, labels: { a: x.map((r) => r[0] + r[1]), b: x.map((r) => -3 * (r[0] + r[1]) + r[2]) } });
}

describe('gradient methods in the trainer', () => {
  for (const weighting of ['pcgrad', 'mgda', 'cagrad', 'imtl-g'] as const) {
    it(`${weighting}: one SGD step = −lr·d on shared parameters (d from the per-task gradients, computed here), −lr·∇Σ L_k on the heads`, async () => {
      const cfg = config({
        loss: { weighting },
        optimizer: { name: 'sgd', learningRate: 0.1 },
        model: { architecture: 'hard', sharedUnits: [6], taskUnits: [] },
      });
      const dataset = conflictingTasks();
      const trainer = new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
      const batch = makeBatch(dataset.train, dataset.inputDim, dataset.tasks, Int32Array.from({ length: 32 }, (_, i) => i));
      const shared = trainer.model.sharedParameters().map((p) => p.variable);
      const heads = trainer.model.parameters().map((p) => p.variable).filter((v) => !shared.includes(v));
      const lossOf = (k: number) => () => taskLoss(dataset.tasks[k], trainer.model.forward(batch.x, { training: false }).outputs[k], batch.tasks[k]);
      // Each task's gradient of the shared parameters, flattened in the order of `shared`.
      const [g1, g2] = [0, 1].map((k) => {
        const { grads, value } = tf.variableGrads(lossOf(k), shared);
        const flat = shared.flatMap((v) => Array.from(grads[v.name].dataSync()));
        tf.dispose([value, ...Object.values(grads)]);
        return flat;
      });
      assert.ok(dot(g1, g2) < 0, 'the tasks\' gradients conflict, so every method has something to do');
      const d = DIRECTIONS[weighting](g1, g2);
      const headGrads = tf.variableGrads(() => tf.add(lossOf(0)(), lossOf(1)()) as tf.Scalar, heads).grads;
      const before = new Map([...shared, ...heads].map((v) => [v.name, v.clone()]));
      trainer.trainStep(batch, { step: 1, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 10 }, 1, false);
      const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
      let offset = 0;
      for (const v of shared) {
        const step = tf.tensor(d.slice(offset, offset + v.size), v.shape);
        offset += v.size;
        const expected = tf.tidy(() => tf.sub(before.get(v.name)!, tf.mul(step, 0.1)));
        assert.ok(maxDiff(v, expected) < 1e-5, `shared ${v.name}: ${maxDiff(v, expected)}`);
        tf.dispose([step, expected]);
      }
      for (const v of heads) {
        const expected = tf.tidy(() => tf.sub(before.get(v.name)!, tf.mul(headGrads[v.name], 0.1)));
        assert.ok(maxDiff(v, expected) < 1e-5, `head ${v.name}`);
      }
      if (weighting === 'mgda') {
        // MGDA reports its convex weights: d = α₁g₁ + α₂g₂, found here by the same search.
        const a = argminOnUnit((x) => norm(mix(x, g1, g2)) ** 2);
        const beta = trainer.weighting.weights();
        assert.ok(Math.abs(beta[0] - a) < 1e-4 && Math.abs(beta[1] - (1 - a)) < 1e-4, `β = ${beta}, α = ${a}`);
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
