/**
 * The "multilabel" task type: sigmoid cross-entropy per label with unlabelled rows masked (checked against
 * the textbook formula −[t·log σ(z) + (1 − t)·log(1 − σ(z))] written out here, on every loss path), micro-
 * and macro-F1 on hand-counted cases, label lists read from a file, positioned config errors, and a small
 * model that learns two labels.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { diagnoseExperimentText, formatDiagnostic } from '../../src/training/config';
import { DataError, type ResolvedTask, type Split } from '../../src/training/data/dataset';
import { loadDataset } from '../../src/training/data/load';
import { hasFusedKernels } from '../../src/training/engine/fusedKernels';
import { makeBatch, taskLoss, taskLosses } from '../../src/training/engine/losses';
import { f1Scores, TaskMetricAccumulator } from '../../src/training/engine/metrics';
import { deltaM, headlineMetric, headlineTitle } from '../../src/training/evaluation/deltaM';
import { parseExperimentText } from '../../src/training/config/parse';
import { train } from '../helpers/engine';
import { useUnfusedBackend } from '../helpers/unfusedBackend';

/** The textbook binary cross-entropy of one logit, in doubles: −[t·log σ(z) + (1 − t)·log(1 − σ(z))]. */
function bce(z: number, t: number): number {
  const s = 1 / (1 + Math.exp(-z));
  return -(t * Math.log(s) + (1 - t) * Math.log(1 - s));
}

/** Six rows, three labels; rows 2 and 5 unlabelled (their label sets are ignored). */
const TASK: ResolvedTask = { name: 'tags', type: 'multilabel', outputs: 3, classes: 3, classLabels: ['a', 'b', 'c'] };
const SETS = [
  [1, 0, 1],
  [0, 0, 1],
  [1, 1, 1],
  [0, 1, 0],
  [1, 1, 0],
  [0, 0, 0],
];
const MASK = [1, 1, 0, 1, 1, 0];
const Z = [
  [2.1, -0.7, 0.3],
  [-1.4, 0.2, 3.0],
  [50, -50, 9],
  [0.05, 1.7, -2.2],
  [-0.4, -1.1, 0.9],
  [-80, 80, 0],
];
const split = (): Split => ({
  size: 6,
  x: new Float32Array(6),
  labels: { tags: { values: Float32Array.from(SETS.map((s) => s.reduce((a, b) => a + b, 0))), mask: Uint8Array.from(MASK), sets: Uint8Array.from(SETS.flat()) } },
});

/** Mean over the labelled rows and the labels of the textbook formula. */
function expectedLoss(): number {
  let sum = 0;
  let rows = 0;
  Z.forEach((z, r) => {
    if (!MASK[r]) return;
    rows++;
    z.forEach((v, c) => (sum += bce(v, SETS[r][c])));
  });
  return sum / (rows * 3);
}

/** d loss / d z = (σ(z) − t)·mask / (labelled rows · labels). */
function expectedGradient(): number[][] {
  return Z.map((z, r) => z.map((v, c) => (MASK[r] ? (1 / (1 + Math.exp(-v)) - SETS[r][c]) / (4 * 3) : 0)));
}

const paths = [
  { name: 'fused kernel on wasm', setup: () => selectBackend('wasm'), fused: true },
  { name: 'fused kernel on cpu', setup: () => selectBackend('cpu'), fused: true },
  { name: 'stock tfjs ops (native backends)', setup: () => useUnfusedBackend(), fused: false },
];

for (const p of paths) {
  describe(`multilabel loss: ${p.name}`, () => {
    before(async () => {
      await p.setup();
      assert.equal(hasFusedKernels(), p.fused);
    });

    it('equals the textbook sigmoid cross-entropy over labelled rows, and its gradient (σ(z) − t)/(n·C)', () => {
      tf.tidy(() => {
        const batch = makeBatch(split(), 1, [TASK], [0, 1, 2, 3, 4, 5]);
        assert.equal(batch.tasks[0].count, 4);
        const z = tf.tensor2d(Z);
        const value = taskLoss(TASK, z, batch.tasks[0]).dataSync()[0];
        assert.ok(Math.abs(value - expectedLoss()) < 1e-6, `${value} vs ${expectedLoss()}`);
        const [g] = tf.grads((zz: tf.Tensor) => tf.sum(taskLosses([TASK], [zz as tf.Tensor2D], batch.tasks)))([z]);
        const grad = g.arraySync() as number[][];
        expectedGradient().forEach((row, r) => row.forEach((v, c) => assert.ok(Math.abs(grad[r][c] - v) < 1e-6, `row ${r} label ${c}: ${grad[r][c]} vs ${v}`)));
      });
    });

    it('stays finite for huge logits (log(1 + e^(−|z|)), not log σ)', () => {
      tf.tidy(() => {
        const batch = makeBatch({ size: 1, x: new Float32Array(1), labels: { tags: { values: new Float32Array([1]), mask: new Uint8Array([1]), sets: new Uint8Array([1, 0, 0]) } } }, 1, [TASK], [0]);
        // Labels (1, 0, 0), logits (−1000, 1000, −1000): losses 1000, 1000, ≈0 → mean 666.67.
        const value = taskLoss(TASK, tf.tensor2d([[-1000, 1000, -1000]]), batch.tasks[0]).dataSync()[0];
        assert.ok(Math.abs(value - 2000 / 3) < 1e-2, `got ${value}`);
      });
    });
  });
}

describe('multilabel F1', () => {
  /** Per-label TP, FP, FN of predictions (logit > 0) against truth, counted here by hand-written loops. */
  it('micro- and macro-F1 on a hand-counted case', () => {
    // Label 0: TP 2, FP 1, FN 0 → F1 4/5. Label 1: TP 0, FP 0, FN 2 → F1 0. Label 2: TP 1, FP 1, FN 1 → F1 1/2.
    // micro: 2·3 / (2·3 + 2 + 3) = 6/11. macro: (0.8 + 0 + 0.5)/3 = 13/30.
    const s = f1Scores([2, 0, 1], [1, 0, 1], [0, 2, 1]);
    assert.ok(Math.abs(s.microF1 - 6 / 11) < 1e-12);
    assert.ok(Math.abs(s.macroF1 - 13 / 30) < 1e-12);
  });

  it('a label never present and never predicted is left out of macro-F1; one predicted but never present scores 0', () => {
    // Label 0 perfect (F1 1); label 1 has no positives and no predictions (no F1: left out); label 2 has no
    // positives but one false positive (F1 0).
    const s = f1Scores([3, 0, 0], [0, 0, 1], [0, 0, 0]);
    assert.ok(Math.abs(s.macroF1 - 0.5) < 1e-12, `${s.macroF1}`);
    assert.ok(Math.abs(s.microF1 - 6 / 7) < 1e-12, `${s.microF1}`);
    // Nothing present, nothing predicted: 0, not NaN.
    assert.deepEqual(f1Scores([0, 0], [0, 0], [0, 0]), { microF1: 0, macroF1: 0 });
  });

  it('the validation accumulator: loss as the formula, F1 from the logits\' signs, unlabelled rows skipped, in chunks', () => {
    const acc = new TaskMetricAccumulator(TASK);
    const labels = split().labels.tags;
    // Two chunks of three rows, as evaluation batches arrive.
    acc.add(Float32Array.from(Z.slice(0, 3).flat()), labels, 0, 3);
    acc.add(Float32Array.from(Z.slice(3).flat()), labels, 3, 3);
    const m = acc.result()!;
    assert.ok(Math.abs(m.loss - expectedLoss()) < 1e-6);
    // Labelled rows 0, 1, 3, 4. Predictions (z > 0): [1,0,1], [0,1,1], [1,1,0], [0,0,1]; truth [1,0,1], [0,0,1], [0,1,0], [1,1,0].
    // Label a: TP 1 (row 0), FP 1 (row 3), FN 1 (row 4) → 2/4. Label b: TP 1 (row 3), FP 1 (row 1), FN 1 (row 4) → 2/4.
    // Label c: TP 2 (rows 0, 1), FP 1 (row 4), FN 0 → 4/5. micro: 2·4 / (8 + 3 + 2) = 8/13; macro (0.5 + 0.5 + 0.8)/3 = 0.6.
    assert.ok(Math.abs(m.microF1! - 8 / 13) < 1e-12, `${m.microF1}`);
    assert.ok(Math.abs(m.macroF1! - 0.6) < 1e-12, `${m.macroF1}`);
    assert.equal(m.accuracy, undefined);
  });

  it('micro-F1 is the headline metric (Δm), higher is better', () => {
    assert.deepEqual(headlineMetric('multilabel'), { metric: 'microF1', higherIsBetter: true });
    assert.equal(headlineTitle('multilabel'), 'micro-F1 (%) ↑');
    // Δm over a multilabel and a regression task: (+20 % + (−(1.1 − 1)/1 = −10 %)) / 2 = +5 %.
    const tasks = [{ name: 'tags', type: 'multilabel' as const }, { name: 'y', type: 'regression' as const }];
    const value = deltaM(tasks, { tags: { loss: 1, microF1: 0.6, macroF1: 0.1 }, y: { loss: 1, rmse: 1.1 } }, { tags: { loss: 1, microF1: 0.5, macroF1: 0.9 }, y: { loss: 1, rmse: 1 } });
    assert.ok(Math.abs(value - 5) < 1e-9, `${value}`);
  });
});

describe('multilabel labels from a file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mtl-multilabel-'));
    mkdirSync(path.join(dir, 'data'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A config file's text parsed (defaults filled in), for a data file under `dir`. */
  const parsed = (c: Record<string, unknown>) => parseExperimentText(JSON.stringify({ name: 'm', seed: 7, backend: 'cpu', ...c }), path.join(dir, 'm.mtl.json'));
  const cfg = (file: string) =>
    parsed({ data: { source: file.endsWith('.csv') ? 'csv' : 'jsonl', path: `data/${file}`, validationSplit: 0 }, tasks: [{ name: 'tags', type: 'multilabel', target: 'tags' }] });

  it('comma-separated lists (CSV quoted, JSONL strings): sorted distinct labels, one 0/1 row each, missing cells masked', async () => {
    writeFileSync(path.join(dir, 'data', 'm.csv'), 'x,tags\n1,"python, shell"\n2,\n3,c\n4,"shell,c,shell"\n');
    writeFileSync(path.join(dir, 'data', 'm.jsonl'), ['{"x":1,"tags":"python, shell"}', '{"x":2,"tags":null}', '{"x":3,"tags":"c"}', '{"x":4,"tags":"shell,c,shell"}'].join('\n'));
    for (const file of ['m.csv', 'm.jsonl']) {
      const d = await loadDataset(cfg(file), dir);
      assert.deepEqual(d.tasks[0], { name: 'tags', type: 'multilabel', outputs: 3, classes: 3, classLabels: ['c', 'python', 'shell'] });
      // The split shuffles rows: look each row up by its feature x (standardised, so by rank).
      const labels = d.train.labels.tags;
      const xs = [...d.train.x];
      const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
      const rowOf = (k: number) => order[k];
      const set = (i: number) => [...labels.sets!.subarray(i * 3, i * 3 + 3)];
      assert.deepEqual(set(rowOf(0)), [0, 1, 1]);
      assert.equal(labels.mask[rowOf(1)], 0);
      assert.deepEqual(set(rowOf(2)), [1, 0, 0]);
      assert.deepEqual(set(rowOf(3)), [1, 0, 1]);
      assert.deepEqual(order.map((i) => labels.mask[i]), [1, 0, 1, 1]);
    }
  });

  it('a column with fewer than two labels is an error at the task\'s target', async () => {
    writeFileSync(path.join(dir, 'data', 'one.csv'), 'x,tags\n1,a\n2,"a,a"\n');
    await assert.rejects(loadDataset(cfg('one.csv'), dir), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.equal(e.message, 'tasks[0].target: column "tags" has only one distinct label ("a"); a multilabel task needs at least 2');
      assert.deepEqual(e.configPath, ['tasks', 0, 'target']);
      return true;
    });
  });

  it('learns two independent labels of a small tabular set (micro-F1 > 0.9)', async () => {
    // Label "p" when x0 > 0, label "q" when x1 > 0 (rows with neither are missing: an empty list).
    const rows = ['x0,x1,tags'];
    let s = 12345;
    const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
    for (let i = 0; i < 600; i++) {
      const [a, b] = [u(), u()];
      rows.push(`${a.toFixed(4)},${b.toFixed(4)},"${[a > 0 ? 'p' : '', b > 0 ? 'q' : ''].filter(Boolean).join(',')}"`);
    }
    writeFileSync(path.join(dir, 'data', 'learn.csv'), rows.join('\n'));
    const c = parsed({
      data: { source: 'csv', path: 'data/learn.csv', validationSplit: 0.25 },
      tasks: [{ name: 'tags', type: 'multilabel', target: 'tags' }],
      model: { architecture: 'hard', sharedUnits: [16], taskUnits: [] },
      optimizer: { name: 'adam', learningRate: 0.03 },
      training: { epochs: 30, batchSize: 32, evalEvery: 100000 },
    });
    const d = await loadDataset(c, dir);
    const { records } = await train(c, d);
    const last = records.filter((r) => r.kind === 'eval').at(-1)!;
    assert.ok(last.kind === 'eval');
    const m = last.metrics.tags;
    assert.ok(m.microF1! > 0.9 && m.macroF1! > 0.9, JSON.stringify(m));
  });
});

describe('multilabel config errors', () => {
  const FILE = 'experiments/m.mtl.json';
  const pos = (source: string, target: string) => {
    const before = source.slice(0, source.indexOf(target)).split('\n');
    return `${before.length}:${before[before.length - 1].length + 1}`;
  };

  it('on synthetic data: positioned at the task\'s type', () => {
    const source = '{\n  "name": "m",\n  "data": { "source": "synthetic" },\n  "tasks": [\n    { "name": "a", "type": "multilabel" }\n  ]\n}';
    const problems = diagnoseExperimentText(source, FILE).map(formatDiagnostic);
    assert.deepEqual(problems, [`${FILE}:${pos(source, '"multilabel"')}: tasks[0].type: a "multilabel" task needs a data file (data.source "csv" or "jsonl"): the synthetic generators draw one label per example`]);
  });

  it('"classes" on a multilabel task: only used by classification', () => {
    const source = '{\n  "name": "m",\n  "data": { "source": "csv", "path": "x.csv" },\n  "tasks": [\n    { "name": "a", "type": "multilabel", "target": "t", "classes": 4 }\n  ]\n}';
    const problems = diagnoseExperimentText(source, FILE).map(formatDiagnostic);
    assert.deepEqual(problems, [`${FILE}:${pos(source, '4 }')}: tasks[0].classes: only used by type "classification"`]);
  });
});
