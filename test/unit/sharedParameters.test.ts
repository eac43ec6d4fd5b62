/**
 * Which parameters are shared, per architecture: a parameter is shared iff more than one task's loss
 * depends on it. Checked from the outside — each task's own gradient says which values it reads — not
 * from the model's own list. Then what that decides: under the gradient methods a task's own parameter
 * (an MMoE gate, a mixture-attention row, the last cross-stitch row) moves by −lr × its own task's
 * plain gradient, and the conflict cosines are those of the truly shared parameters only.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import type { ResolvedTask } from '../../src/training/data/dataset';
import { BatchSampler } from '../../src/training/data/sampler';
import { makeBatch, taskLoss, type Batch } from '../../src/training/engine/losses';
import { Trainer } from '../../src/training/engine/trainer';
import type { Parameter } from '../../src/training/models/dense';
import type { MultiTaskModel } from '../../src/training/models/model';
import { createModel } from '../../src/training/models/registry';
import { rngFor } from '../../src/training/random/rng';
import { arrayDataset, config, normals } from '../helpers/engine';

before(async () => {
  await selectBackend('cpu');
});

const threeTasks: ResolvedTask[] = [
  { name: 'a', type: 'regression', outputs: 1 },
  { name: 'b', type: 'classification', outputs: 3, classes: 3 },
  { name: 'c', type: 'regression', outputs: 1 },
];

const architectures: { label: string; model: Record<string, unknown>; shared: RegExp }[] = [
  { label: 'hard sharing', model: { architecture: 'hard', sharedUnits: [5, 4] }, shared: /^shared\// },
  { label: 'soft sharing, scalar attention', model: { architecture: 'soft', attention: 'scalar', sharedUnits: [5, 4] }, shared: /^(tower\/|attention\/)/ },
  { label: 'soft sharing, mixture attention', model: { architecture: 'soft', attention: 'mixture', sharedUnits: [5, 4] }, shared: /^tower\// },
  { label: 'routing (MMoE)', model: { architecture: 'routing', experts: 4, expertUnits: [5, 4] }, shared: /^expert\d\// },
  { label: 'cross-stitch, two layers', model: { architecture: 'cross-stitch', sharedUnits: [5, 4] }, shared: /^(tower\/|stitch0$)/ },
  { label: 'cross-stitch, one layer', model: { architecture: 'cross-stitch', sharedUnits: [4] }, shared: /^tower\// },
];

function buildModel(modelConfig: Record<string, unknown>, tasks: ResolvedTask[]): MultiTaskModel {
  // tanh: no unit is dead, so a value a task reads gets a non-zero gradient from it.
  const cfg = config({ model: { taskUnits: [3], activation: 'tanh', ...modelConfig } });
  return createModel({ config: cfg.model, inputDim: 6, tasks, rng: rngFor(3, 'init') });
}

function randomBatch(tasks: ResolvedTask[], rows: number, seed: number): Batch {
  const z = normals(rows * 7, seed);
  const x = tf.tensor2d(z.slice(0, rows * 6), [rows, 6]);
  return {
    x,
    size: rows,
    tasks: tasks.map((t, k) => {
      if (t.type === 'regression') return { target: tf.tensor2d(z.slice(rows * 6).map((v) => v * (k + 1)), [rows, 1]), count: rows };
      const classes = Array.from({ length: rows }, (_, r) => (r * 7 + k) % t.outputs);
      return { target: tf.tensor2d(classes.flatMap((c) => Array.from({ length: t.outputs }, (_, j) => (j === c ? 1 : 0))), [rows, t.outputs]), count: rows };
    }),
  };
}

/** For each parameter value, the tasks whose loss has a non-zero gradient there. */
function readersPerValue(model: MultiTaskModel, tasks: ResolvedTask[], batch: Batch): Map<string, Set<number>[]> {
  const params = model.parameters();
  const readers = new Map(params.map((p) => [p.name, Array.from({ length: p.variable.size }, () => new Set<number>())]));
  tasks.forEach((task, k) => {
    const { value, grads } = tf.variableGrads(() => taskLoss(task, model.forward(batch.x, { training: false }).outputs[k], batch.tasks[k]), params.map((p) => p.variable));
    value.dispose();
    for (const p of params) {
      const g = grads[p.variable.name];
      if (!g) continue;
      g.dataSync().forEach((v, i) => {
        if (v !== 0) readers.get(p.name)![i].add(k);
      });
    }
    tf.dispose(Object.values(grads));
  });
  return readers;
}

describe('shared parameters are exactly those more than one task reads', () => {
  for (const { label, model: modelConfig, shared } of architectures) {
    it(label, () => {
      const model = buildModel(modelConfig, threeTasks);
      const batch = randomBatch(threeTasks, 9, 11);
      const readers = readersPerValue(model, threeTasks, batch);
      const sharedNames = model.sharedParameters().map((p) => p.name);
      for (const p of model.parameters()) {
        const perValue = readers.get(p.name)!;
        assert.ok(perValue.every((tasks) => tasks.size > 0), `${p.name}: every value is read by some task`);
        const readByMany = perValue.some((tasks) => tasks.size > 1);
        assert.equal(sharedNames.includes(p.name), readByMany, `${p.name}: listed as shared = ${sharedNames.includes(p.name)}, read by more than one task = ${readByMany}`);
        assert.equal(shared.test(p.name), readByMany, `${p.name}: the header's decision for this architecture`);
      }
      const last = model.lastSharedParameters().map((p) => p.name);
      assert.ok(last.length > 0 && last.every((name) => sharedNames.includes(name)), `GradNorm's layer ${last.join(', ')} is shared`);
    });
  }
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

/** Two regression tasks that pull the shared parameters in opposite directions (b's target is −a's). */
function conflictingData(rows: number) {
  const x = normals(rows * 4, 5);
  const xs = Array.from({ length: rows }, (_, r) => x.slice(r * 4, r * 4 + 4));
  const ya = xs.map((row) => row[0] + 0.5 * row[1] * row[2]);
  const tasks: ResolvedTask[] = [
    { name: 'a', type: 'regression', outputs: 1 },
    { name: 'b', type: 'regression', outputs: 1 },
  ];
  return arrayDataset(tasks, { x: xs, labels: { a: ya, b: ya.map((v) => -2 * v) } });
}

/** The trainer of a two-task model on conflicting data, one batch of all rows, and each task's own gradient of every parameter (before any step). */
function setUp(weighting: string, modelConfig: Record<string, unknown>) {
  const dataset = conflictingData(24);
  const cfg = config({
    data: { source: 'synthetic', generator: 'mmoe', samples: 400, inputDim: 4, validationSplit: 0.25 },
    loss: { weighting },
    optimizer: { name: 'sgd', learningRate: 0.1 },
    model: { taskUnits: [], activation: 'tanh', ...modelConfig },
  });
  const trainer = new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
  const batch = makeBatch(dataset.train, dataset.inputDim, dataset.tasks, Int32Array.from({ length: 24 }, (_, i) => i));
  const params = trainer.model.parameters();
  const own = dataset.tasks.map((task, k) => {
    const { value, grads } = tf.variableGrads(() => taskLoss(task, trainer.model.forward(batch.x, { training: false }).outputs[k], batch.tasks[k]), params.map((p) => p.variable));
    value.dispose();
    return new Map(params.map((p) => [p.name, grads[p.variable.name] ?? tf.zerosLike(p.variable)]));
  });
  const before = new Map(params.map((p) => [p.name, p.variable.clone()]));
  const step = () => trainer.trainStep(batch, { step: 1, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1 }, 1, false);
  return { trainer, batch, params, own, before, step };
}

function flatGradients(own: Map<string, tf.Tensor>[], names: string[]): Float32Array[] {
  return own.map((grads) => Float32Array.from(names.flatMap((name) => Array.from(grads.get(name)!.dataSync()))));
}

function named(params: Parameter[], pattern: RegExp): string[] {
  return params.filter((p) => pattern.test(p.name)).map((p) => p.name);
}

/** Task-specific parameters under a gradient method: each moves by −lr × the gradient of the only task that reads it. */
const ownParameters: { label: string; model: Record<string, unknown>; own: RegExp; shared: RegExp }[] = [
  { label: 'MMoE gates', model: { architecture: 'routing', experts: 3, expertUnits: [5] }, own: /^gates\//, shared: /^expert\d\// },
  { label: 'mixture attention', model: { architecture: 'soft', attention: 'mixture', sharedUnits: [5] }, own: /^attention\//, shared: /^tower\// },
  { label: 'the last cross-stitch matrix', model: { architecture: 'cross-stitch', sharedUnits: [5] }, own: /^stitch0$/, shared: /^tower\// },
];

describe('under gradient methods a task’s own parameters get its own plain gradient', () => {
  for (const weighting of ['pcgrad', 'mgda', 'cagrad'] as const) {
    for (const { label, model, own: ownPattern, shared: sharedPattern } of ownParameters) {
      it(`${weighting}: ${label} move by −lr × their own task’s gradient`, () => {
        const { params, own, before, step } = setUp(weighting, model);
        // The case that matters: the tasks conflict on what they share (PCGrad then projects, MGDA and CAGrad reweight).
        const [ga, gb] = flatGradients(own, named(params, sharedPattern));
        assert.ok(dot(ga, gb) < 0, 'precondition: the tasks conflict on the shared parameters');
        step();
        for (const p of params.filter((q) => ownPattern.test(q.name))) {
          // Each value belongs to one task: the sum of the two own gradients is that task's gradient there.
          const expected = tf.tidy(() => tf.sub(before.get(p.name)!, tf.mul(tf.add(own[0].get(p.name)!, own[1].get(p.name)!), 0.1)));
          assert.ok(maxDiff(p.variable, expected) < 1e-6, `${p.name} differs by ${maxDiff(p.variable, expected)}`);
        }
      });
    }
  }

  it('mgda on MMoE: the experts move by −lr (α₁ g₁ + α₂ g₂), α from the two-task closed form on the experts’ gradients alone', () => {
    const { params, own, before, step } = setUp('mgda', { architecture: 'routing', experts: 3, expertUnits: [5] });
    const experts = named(params, /^expert\d\//);
    const [g1, g2] = flatGradients(own, experts);
    // α₁ = clip(((g₂ − g₁)·g₂) / ‖g₁ − g₂‖², 0, 1) (Sener & Koltun 2018, two tasks), in float64.
    const diff = g1.map((v, i) => v - g2[i]);
    const alpha = Math.min(1, Math.max(0, (dot(g2, g2) - dot(g1, g2)) / dot(diff, diff)));
    assert.ok(alpha > 0.01 && alpha < 0.99, `precondition: an interior solution (α₁ = ${alpha})`);
    step();
    for (const name of experts) {
      const p = params.find((q) => q.name === name)!;
      const expected = tf.tidy(() => tf.sub(before.get(name)!, tf.mul(tf.add(tf.mul(own[0].get(name)!, alpha), tf.mul(own[1].get(name)!, 1 - alpha)), 0.1)));
      assert.ok(maxDiff(p.variable, expected) < 1e-5, `${name} differs by ${maxDiff(p.variable, expected)}`);
    }
  });
});

describe('the conflict cosine is measured on the shared parameters only', () => {
  for (const { label, model, shared: sharedPattern } of ownParameters) {
    it(`${label.replace(/^.*?(MMoE|mixture|cross-stitch).*$/, '$1')}: equals the cosine over ${String(sharedPattern)} alone`, () => {
      const { trainer, batch, params, own } = setUp('equal', model);
      const [ga, gb] = flatGradients(own, named(params, sharedPattern));
      const expected = dot(ga, gb) / Math.sqrt(dot(ga, ga) * dot(gb, gb));
      const conflict = trainer.gradientConflict(batch, 1);
      assert.ok(Math.abs(conflict[0][1] - expected) < 1e-5, `cosine ${conflict[0][1]}, over the shared parameters ${expected}`);
    });
  }
});
