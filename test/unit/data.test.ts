import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ExperimentConfig, TaskConfig } from '../../src/training/config/schema';
import { DataError, type Dataset } from '../../src/training/data/dataset';
import { loadDataset } from '../../src/training/data/load';
import { generateMmoe, MMOE_SCALE, quantileThresholds, bucketOf } from '../../src/training/data/synthetic';
import { parseCsv, parseCsvRecords } from '../../src/training/data/csv';
import { readCsvFile } from '../../src/training/data/csvFile';
import { parseJsonl } from '../../src/training/data/jsonl';
import { splitIndices, validationCount } from '../../src/training/data/split';
import { BatchSampler } from '../../src/training/data/sampler';
import type { TabularDataset } from '../../src/training/data/tabular';
import { loadExperimentConfig } from '../../src/training/config/load';
import { orchardCsv, ORCHARD_CSV_PATH } from '../../scripts/make-example-data';

// ---------- helpers ----------

function config(data: Partial<ExperimentConfig['data']>, tasks: TaskConfig[], seed = 42): ExperimentConfig {
  return {
    name: 'test',
    seed,
    data: { source: 'synthetic', validationSplit: 0.2, ...data },
    tasks,
    model: { architecture: 'hard', sharedUnits: [8], taskUnits: [4], activation: 'relu', dropout: 0 },
    loss: { weighting: 'equal' },
    optimizer: { name: 'adam', learningRate: 0.001, weightDecay: 0, clipNorm: null },
    training: { epochs: 1, batchSize: 32, sampling: 'proportional', logEvery: 1, evalEvery: 100, conflictEvery: 0, onNonFinite: 'fail' },
    backend: 'cpu',
  };
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Column `j` of a row-major split. */
function column(split: Dataset['train'], width: number, j: number): number[] {
  return Array.from({ length: split.size }, (_, i) => split.x[i * width + j]);
}

/** Asserts that `promise` rejects with a DataError whose message matches and (optionally) whose configPath is given. */
async function rejectsData(promise: Promise<unknown>, message: RegExp | string, configPath?: (string | number)[]) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    if (configPath) assert.deepEqual(error.configPath, configPath);
    return true;
  });
}

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mtl-data-'));
  mkdirSync(path.join(dir, 'data'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `data/<name>` under the temporary config directory. */
function dataFile(name: string, text: string): string {
  writeFileSync(path.join(dir, 'data', name), text);
  return `data/${name}`;
}

const REG = (target: string, name = target): TaskConfig => ({ name, type: 'regression', target });
const CLS = (target: string, name = target, classes?: number): TaskConfig => ({ name, type: 'classification', target, ...(classes ? { classes } : {}) });

// ---------- synthetic: mmoe ----------

describe('mmoe generator', () => {
  // The sample correlation r of N bivariate-normal pairs with correlation ρ has standard error
  // ≈ (1 − ρ²)/√N. Four standard errors: a correct generator fails with probability < 1e-4, while an
  // off-by-a-square bug (ρ² instead of ρ: 0.64 vs 0.8, 0.04 vs 0.2) is 5–20 standard errors away.
  for (const rho of [0.8, 0.2]) {
    it(`measured correlation of the linear parts ≈ ρ = ${rho} (N = 12000)`, () => {
      const N = 12000;
      const g = generateMmoe({ samples: N, inputDim: 100, tasks: 2, correlation: rho, noise: 0.1, seed: 7 });
      const r = pearson(g.linear[0], g.linear[1]);
      const tolerance = (4 * (1 - rho * rho)) / Math.sqrt(N);
      assert.ok(Math.abs(r - rho) < tolerance, `r = ${r.toFixed(4)}, ρ = ${rho}, tolerance ${tolerance.toFixed(4)}`);
    });
  }

  it('follows the recipe: orthonormal basis, |w_k| = c, cos(w_1, w_2) = ρ, pairs of later tasks ρ², linear part = w·x', () => {
    const rho = 0.6;
    const g = generateMmoe({ samples: 50, inputDim: 20, tasks: 3, correlation: rho, noise: 0.1, seed: 3 });
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, j) => s + v * b[j], 0);
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) assert.ok(Math.abs(dot(g.basis[a], g.basis[b]) - (a === b ? 1 : 0)) < 1e-12);
    for (const w of g.weights) assert.ok(Math.abs(Math.sqrt(dot(w, w)) - MMOE_SCALE) < 1e-12);
    const cos = (a: Float64Array, b: Float64Array) => dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
    assert.ok(Math.abs(cos(g.weights[0], g.weights[1]) - rho) < 1e-12);
    assert.ok(Math.abs(cos(g.weights[0], g.weights[2]) - rho) < 1e-12);
    assert.ok(Math.abs(cos(g.weights[1], g.weights[2]) - rho * rho) < 1e-12);
    for (let i = 0; i < 50; i++) {
      const expected = g.weights[1].reduce((s, w, j) => s + w * g.x[i * 20 + j], 0);
      assert.ok(Math.abs(g.linear[1][i] - expected) < 1e-12);
      // y − (linear + sines) is the noise: small with noise 0.1.
      let clean = g.linear[1][i];
      for (let j = 0; j < 5; j++) clean += Math.sin(g.alpha[j] * g.linear[1][i] + g.beta[j]);
      assert.ok(Math.abs(g.targets[1][i] - clean) < 0.6);
    }
  });

  it('ρ = 1 gives identical tasks up to noise; noise 0 makes them exactly identical', () => {
    const g = generateMmoe({ samples: 200, inputDim: 10, tasks: 2, correlation: 1, noise: 0, seed: 1 });
    for (let i = 0; i < 200; i++) assert.ok(Math.abs(g.targets[0][i] - g.targets[1][i]) < 1e-12);
  });

  it('12000 × 100 is generated well under a second', async () => {
    const start = performance.now();
    await loadDataset(config({ generator: 'mmoe', samples: 12000, inputDim: 100 }, [{ name: 'a', type: 'regression' }, { name: 'b', type: 'classification', classes: 10 }]), dir);
    const ms = performance.now() - start;
    // Typically ~0.1 s; the bound leaves room for a loaded CI machine.
    assert.ok(ms < 1500, `${ms.toFixed(0)} ms`);
  });

  it('quantile buckets are balanced on the training split, thresholds come from it, and regression targets are left as generated', async () => {
    const cfg = config({ generator: 'mmoe', samples: 5000, inputDim: 30, correlation: 0.5 }, [
      { name: 'reg', type: 'regression' },
      { name: 'cls', type: 'classification', classes: 10 },
    ]);
    const d = await loadDataset(cfg, dir);
    assert.equal(d.train.size, 4000);
    assert.equal(d.validation.size, 1000);
    assert.deepEqual(d.tasks.map((t) => [t.name, t.outputs]), [['reg', 1], ['cls', 10]]);

    const counts = new Array(10).fill(0);
    for (const v of d.train.labels.cls.values) counts[v]++;
    assert.deepEqual(counts, new Array(10).fill(400));
    // Validation: same thresholds, so only roughly balanced (binomial: 100 ± 4·√(1000·0.1·0.9) ≈ ±38).
    const validationCounts = new Array(10).fill(0);
    for (const v of d.validation.labels.cls.values) validationCounts[v]++;
    for (const c of validationCounts) assert.ok(Math.abs(c - 100) < 38, `validation bucket count ${c}`);

    const g = generateMmoe({ samples: 5000, inputDim: 30, tasks: 2, correlation: 0.5, noise: 0.1, seed: 42 });
    const rows = splitIndices(5000, 0.2, 42);
    const thresholds = quantileThresholds(g.targets[1], rows.train, 10);
    for (let i = 0; i < rows.validation.length; i++) {
      assert.equal(d.validation.labels.cls.values[i], bucketOf(g.targets[1][rows.validation[i]], thresholds));
    }
    // Regression: the raw y (no standardisation), rounded to float32.
    for (let i = 0; i < 100; i++) assert.equal(d.train.labels.reg.values[i], Math.fround(g.targets[0][rows.train[i]]));
    assert.ok(d.train.labels.reg.mask.every((m) => m === 1));
  });

  it('is deterministic by seed', async () => {
    const tasks: TaskConfig[] = [{ name: 'a', type: 'regression' }, { name: 'b', type: 'classification', classes: 3 }];
    const a = await loadDataset(config({ generator: 'mmoe', samples: 500, inputDim: 8 }, tasks, 5), dir);
    const b = await loadDataset(config({ generator: 'mmoe', samples: 500, inputDim: 8 }, tasks, 5), dir);
    const c = await loadDataset(config({ generator: 'mmoe', samples: 500, inputDim: 8 }, tasks, 6), dir);
    assert.deepEqual(a.train.x, b.train.x);
    assert.deepEqual(a.train.labels, b.train.labels);
    assert.deepEqual(a.validation.labels, b.validation.labels);
    assert.notDeepEqual(a.train.x, c.train.x);
  });

  it('requires classes for synthetic classification, and inputDim ≥ number of tasks', async () => {
    await rejectsData(loadDataset(config({ generator: 'mmoe', samples: 10, inputDim: 4 }, [{ name: 'a', type: 'classification' }]), dir), /^tasks\[0\]\.classes: required/, ['tasks', 0]);
    const three: TaskConfig[] = ['a', 'b', 'c'].map((name) => ({ name, type: 'regression' }));
    await rejectsData(loadDataset(config({ generator: 'mmoe', samples: 10, inputDim: 2 }, three), dir), /^data\.inputDim:/, ['data', 'inputDim']);
  });
});

// ---------- synthetic: random ----------

describe('random generator (the article\'s data)', () => {
  const tasks: TaskConfig[] = [
    { name: 't1', type: 'classification', classes: 10 },
    { name: 't2', type: 'regression' },
  ];
  const cfg = () => config({ generator: 'random', samples: 1000, inputDim: 20, validationSplit: 0.2 }, tasks, 9);

  it('draws a fresh training split each epoch, reproducibly, and caches the current one', async () => {
    const d = await loadDataset(cfg(), dir);
    assert.equal(d.train.size, 800);
    assert.equal(d.validation.size, 200);
    assert.equal(d.trainForEpoch(0), d.train);
    const e1 = d.trainForEpoch(1);
    assert.equal(d.trainForEpoch(1), e1, 'the same epoch is not drawn again');
    const e2 = d.trainForEpoch(2);
    assert.notDeepEqual(e1.x, e2.x);
    assert.notDeepEqual(e1.labels.t1.values, e2.labels.t1.values);
    assert.notDeepEqual(d.train.x, e1.x);

    // A second load (a resumed run) that jumps straight to epoch 2 sees the same data.
    const again = await loadDataset(cfg(), dir);
    assert.deepEqual(again.trainForEpoch(2), e2);
    assert.deepEqual(again.trainForEpoch(1), e1);
    assert.deepEqual(again.validation, d.validation);
  });

  it('has the article\'s distributions: x ~ U[0,1), labels uniform over classes, regression N(0,1)', async () => {
    const d = await loadDataset(cfg(), dir);
    const split = d.trainForEpoch(3);
    assert.ok(split.x.every((v) => v >= 0 && v < 1));
    const mean = Array.from(split.x).reduce((s, v) => s + v, 0) / split.x.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean of x ${mean}`); // SE = 0.29/√16000 ≈ 0.0023
    const counts = new Array(10).fill(0);
    for (const v of split.labels.t1.values) counts[v]++;
    assert.ok(counts.every((c) => c > 40 && c < 120), `class counts ${counts}`); // 80 ± 4.4σ
    const y = split.labels.t2.values;
    const ym = y.reduce((s, v) => s + v, 0) / y.length;
    const yv = y.reduce((s, v) => s + (v - ym) ** 2, 0) / y.length;
    assert.ok(Math.abs(ym) < 0.15 && Math.abs(yv - 1) < 0.2, `mean ${ym}, variance ${yv}`);
  });
});

// ---------- splits ----------

describe('splits', () => {
  it('puts round(n·f) rows in validation but always keeps a training row', () => {
    assert.equal(validationCount(100, 0.2), 20);
    assert.equal(validationCount(12000, 0.2), 2400);
    assert.equal(validationCount(10, 0), 0);
    assert.equal(validationCount(1, 0.9), 0);
    assert.equal(validationCount(2, 0.9), 1);
    const s = splitIndices(50, 0.3, 1);
    assert.equal(s.validation.length, 15);
    assert.deepEqual([...s.train, ...s.validation].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(splitIndices(50, 0.3, 1), s);
    assert.notDeepEqual(splitIndices(50, 0.3, 2), s);
  });
});

// ---------- CSV parser ----------

describe('CSV parser', () => {
  it('handles quoted commas, doubled quotes, line breaks inside quotes, CRLF, BOM and a trailing line break', () => {
    const text = '\uFEFFname,note,value\r\n"Smith, J.","said ""hi""",1\r\nplain,"two\r\nlines",2\r\n"",x,3\r\n';
    const t = parseCsv(text, 'f.csv');
    assert.deepEqual(t.columns, ['name', 'note', 'value']);
    assert.deepEqual(t.rows, [
      ['Smith, J.', 'said "hi"', '1'],
      ['plain', 'two\r\nlines', '2'],
      ['', 'x', '3'],
    ]);
    // The row after the quoted line break starts on line 5.
    assert.deepEqual(t.lines, [2, 3, 5]);
  });

  it('handles LF, no trailing line break, an empty last field, blank lines and a quote inside an unquoted field', () => {
    const t = parseCsv('a,b\n1,\n\n5\'10",2', 'f.csv');
    assert.deepEqual(t.rows, [['1', ''], ['5\'10"', '2']]);
    assert.deepEqual(t.lines, [2, 4]);
  });

  it('accepts lone CR line endings (old Mac files)', () => {
    const t = parseCsv('a,b\r1,"x\ry"\r3,4', 'f.csv');
    assert.deepEqual(t.rows, [['1', 'x\ry'], ['3', '4']]);
    assert.deepEqual(t.lines, [2, 4]);
  });

  it('reports the wrong number of fields with file and line', () => {
    const text = 'a,b,c,d,e\n1,2,3,4,5\n1,2,3,4,5\n"multi\nline",2,3,4,5\n1,2,3,4,5\n1,2,3,4\n';
    assert.throws(() => parseCsv(text, 'data/x.csv'), (e: unknown) => e instanceof DataError && e.message === 'data/x.csv:7: expected 5 fields, got 4' && e.line === 7);
  });

  it('reports an unclosed quote at the line it opens and text after a closing quote', () => {
    assert.throws(() => parseCsv('a,b\n1,2\n"open,3\n4,5\n', 'f.csv'), /f\.csv:3: a quoted field starting here is never closed/);
    assert.throws(() => parseCsv('a,b\n"x"y,2\n', 'f.csv'), /f\.csv:2: unexpected text after the closing quote of field 1/);
    assert.throws(() => parseCsv('a,a\n1,2\n', 'f.csv'), /column "a" appears twice/);
    assert.throws(() => parseCsv('a,,c\n1,2,3\n', 'f.csv'), /f\.csv:1: column 2 of the header has no name/);
  });

  it('skips whitespace-only lines and counts them; keeps a quote inside an unquoted field even when the file also has text after a closing quote', () => {
    assert.deepEqual(parseCsv('a,b\n  \t\n1,2\n', 'f.csv').lines, [3]);
    // csv-parse relaxes both quote rules at once: in a file with a quote inside an unquoted field, text
    // after a closing quote is kept literally (csv.ts says why).
    assert.deepEqual(parseCsv('a,b\n5\'10",1\n"x"y,2\n', 'f.csv').rows, [['5\'10"', '1'], ['"x"y', '2']]);
    assert.throws(() => parseCsv('a,b\n5\'10",2\n"open,3\n', 'f.csv'), /f\.csv:3: a quoted field starting here is never closed/);
    assert.deepEqual(parseCsvRecords('x,y\r\n"1\r\n2",3\r\n\r\n4,5', 'head.csv'), { records: [['x', 'y'], ['1\r\n2', '3'], ['4', '5']], lines: [1, 2, 5] });
  });

  it('streams a file to the same table, lines and errors as the text gives, whatever the chunk size', async () => {
    const texts = [
      '\uFEFFname,note,value\r\n"Smith, J.","said ""hi""",1\r\nplain,"two\r\nlines",2\r\n"",x,3\r\n',
      'a,b\n1,\n\n5\'10",2',
      'a,b\r1,"x\ry"\r3,4',
      'a,b,c,d,e\n1,2,3,4,5\n1,2,3,4,5\n"multi\nline",2,3,4,5\n1,2,3,4,5\n1,2,3,4\n',
      'a,b\n1,2\n"open,3\n4,5\n',
      'a,b\n"x"y,2\n',
      'a,a\n1,2\n',
      'h\u00e9,\u65e5\u672c\n"\u00fc\r\n\u00df",\u20ac\n',
      ' \n\n',
    ];
    const outcome = (run: () => unknown) => {
      try {
        return run();
      } catch (error) {
        return `${(error as DataError).message} @ ${(error as DataError).line}`;
      }
    };
    for (const [k, text] of texts.entries()) {
      const file = path.join(dir, `stream-${k}.csv`);
      writeFileSync(file, text);
      const expected = outcome(() => parseCsv(text, 'f.csv'));
      for (const chunkBytes of [1, 2, 3, 7, 65536]) {
        const streamed = await readCsvFile(file, 'f.csv', { chunkBytes }).then((t) => t, (error: DataError) => `${error.message} @ ${error.line}`);
        assert.deepEqual(streamed, expected, `${JSON.stringify(text)} in chunks of ${chunkBytes} bytes`);
      }
    }
    assert.equal(outcome(() => parseCsv(' \n\n', 'f.csv')), 'f.csv: the file is empty @ undefined');
  });
});

// ---------- tabular loading ----------

describe('tabular data (CSV)', () => {
  const csv = (file: string, tasks: TaskConfig[], extra: Partial<ExperimentConfig['data']> = {}, seed = 42) =>
    config({ source: 'csv', path: file, features: 'auto', validationSplit: 0, ...extra }, tasks, seed);

  it('masks missing labels per task only, infers sorted classes (numerically) and one-hot encodes categories', async () => {
    const file = dataFile(
      'labels.csv',
      ['size,color,price,grade', '1,red,10,10', '2,blue,,9', '3,red,30,NA', '4,"green, light",40,2', '5,blue,50,9'].join('\n'),
    );
    const d = (await loadDataset(csv(file, [REG('price'), CLS('grade')]), dir)) as TabularDataset;
    assert.equal(d.train.size, 5);
    assert.equal(d.validation.size, 0);
    assert.deepEqual(d.featureNames, ['size', 'color=blue', 'color=green, light', 'color=red']);
    assert.equal(d.inputDim, 4);
    const grade = d.tasks[1];
    assert.deepEqual(grade.classLabels, ['2', '9', '10']);
    assert.equal(grade.outputs, 3);

    // validationSplit 0: the train split is the file in shuffled order; map rows back through `size`.
    const byRow = new Map<number, number>();
    const sizes = column(d.train, 4, 0);
    const order = [...sizes].map((s, i) => [s, i]).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
    order.forEach((i, row) => byRow.set(row, i));
    const at = (row: number) => byRow.get(row) as number;
    assert.deepEqual([...[0, 1, 2, 3, 4].map((r) => d.train.labels.price.mask[at(r)])], [1, 0, 1, 1, 1]);
    assert.deepEqual([...[0, 1, 2, 3, 4].map((r) => d.train.labels.grade.mask[at(r)])], [1, 1, 0, 1, 1]);
    assert.equal(d.train.labels.price.values[at(4)], 50);
    assert.equal(d.train.labels.grade.values[at(0)], 2); // "10" is the third class
    assert.equal(d.train.labels.grade.values[at(3)], 0); // "2"
    const oneHot = (row: number) => Array.from(d.train.x.subarray(at(row) * 4 + 1, at(row) * 4 + 4));
    assert.deepEqual(oneHot(0), [0, 0, 1]);
    assert.deepEqual(oneHot(1), [1, 0, 0]);
    assert.deepEqual(oneHot(3), [0, 1, 0]);
  });

  it('standardises numeric features with training-split statistics only', async () => {
    // 20 rows; with validationSplit 0.25 five go to validation. Whatever the split, every training
    // column must have mean 0 and (population) std 1, and validation must use the same transform.
    const rows = ['a,cat,y'];
    for (let i = 0; i < 20; i++) rows.push(`${i * i},${i % 3 === 0 ? 'p' : 'q'},${i}`);
    const file = dataFile('standardise.csv', rows.join('\n'));
    const d = (await loadDataset(csv(file, [REG('y')], { validationSplit: 0.25 }, 3), dir)) as TabularDataset;
    assert.equal(d.train.size, 15);
    const trainA = column(d.train, d.inputDim, 0);
    const mean = trainA.reduce((s, v) => s + v, 0) / trainA.length;
    const variance = trainA.reduce((s, v) => s + (v - mean) ** 2, 0) / trainA.length;
    assert.ok(Math.abs(mean) < 1e-6 && Math.abs(variance - 1) < 1e-5, `mean ${mean}, variance ${variance}`);

    // Recompute the statistics from the raw training values (recovered through y = i).
    const raw = Array.from(d.train.labels.y.values, (i) => i * i);
    const m = raw.reduce((s, v) => s + v, 0) / raw.length;
    const sd = Math.sqrt(raw.reduce((s, v) => s + (v - m) ** 2, 0) / raw.length);
    const encoding = d.encodings[0];
    assert.equal(encoding.kind, 'numeric');
    if (encoding.kind === 'numeric') {
      assert.ok(Math.abs(encoding.mean - m) < 1e-9 && Math.abs(encoding.std - sd) < 1e-9);
    }
    // The whole-file mean differs (the split is not stratified), so using it would fail this check.
    const allMean = Array.from({ length: 20 }, (_, i) => i * i).reduce((s, v) => s + v, 0) / 20;
    assert.notEqual(m, allMean);
    for (let k = 0; k < d.validation.size; k++) {
      const i = d.validation.labels.y.values[k];
      assert.ok(Math.abs(d.validation.x[k * d.inputDim] - (i * i - m) / sd) < 1e-5);
    }
  });

  it('encodes a category seen only in validation as all zeros and a constant column as 0', async () => {
    const rows = ['k,c,y'];
    for (let i = 0; i < 30; i++) rows.push(`7,${i === 0 ? 'rare' : 'common'},${i}`);
    const file = dataFile('unseen.csv', rows.join('\n'));
    // Find a seed whose split puts row 0 in validation.
    let seed = 0;
    while (!splitIndices(30, 0.5, seed).validation.includes(0)) seed++;
    const d = (await loadDataset(csv(file, [REG('y')], { validationSplit: 0.5 }, seed), dir)) as TabularDataset;
    assert.deepEqual(d.featureNames, ['k', 'c=common']);
    const k = Array.from(d.validation.labels.y.values).indexOf(0);
    assert.deepEqual(Array.from(d.validation.x.subarray(k * 2, k * 2 + 2)), [0, 0]);
    assert.ok(column(d.train, 2, 0).every((v) => v === 0), 'constant column: std 0 → 1, centred to 0');
  });

  it('rejects a non-numeric value in a numeric column, naming file, line and column', async () => {
    const file = dataFile('nonnumeric.csv', 'a,b,y\n1,x,1\n2,y,2\n3,z,3\nabc,w,4\n5,v,5\n');
    await assert.rejects(loadDataset(csv(file, [REG('y')]), dir), (e: unknown) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /^data\/nonnumeric\.csv:5: column "a": "abc" is not a number \(the column is numeric in 4 of the 5 rows/);
      assert.match(e.message, /impute/);
      assert.equal(e.line, 5);
      assert.equal(e.column, 'a');
      return true;
    });
    // A regression target must be numeric too.
    const target = dataFile('badtarget.csv', 'a,y\n1,1\n2,two\n');
    await rejectsData(loadDataset(csv(target, [REG('y')]), dir), /^data\/badtarget\.csv:3: column "y": "two" is not a number \(task "y" is a regression task\)$/);
  });

  it('rejects a missing feature value (earliest in the file) unless impute is "mean"', async () => {
    const file = dataFile('missing.csv', 'a,c,y\n1,p,1\n,q,2\n3,,3\n5,p,4\n7,q,5\n9,p,6\n');
    await rejectsData(loadDataset(csv(file, [REG('y')]), dir), /^data\/missing\.csv:3: column "a": missing value \(2 missing or non-numeric feature values in all; set data\.impute to "mean"/);

    const d = (await loadDataset(csv(file, [REG('y')], { impute: 'mean' }), dir)) as TabularDataset;
    assert.deepEqual(d.featureNames, ['a', 'c=p', 'c=q']);
    const enc = d.encodings[0];
    assert.ok(enc.kind === 'numeric' && enc.mean === 5 && enc.imputed === 1);
    const rowOf = (y: number) => Array.from(d.train.labels.y.values).indexOf(y);
    // Row y=2 had no "a": the training mean, i.e. 0 after standardisation. Row y=3 had no "c": all zeros.
    assert.equal(d.train.x[rowOf(2) * 3], 0);
    assert.deepEqual(Array.from(d.train.x.subarray(rowOf(3) * 3 + 1, rowOf(3) * 3 + 3)), [0, 0]);
    assert.ok(Math.abs(d.train.x[rowOf(1) * 3] - (1 - 5) / Math.sqrt(8)) < 1e-6);
  });

  it('treats a mostly non-numeric column as categorical', async () => {
    const file = dataFile('mostlytext.csv', 'a,y\nlow,1\nhigh,2\n3,3\nlow,4\n');
    const d = await loadDataset(csv(file, [REG('y')]), dir);
    assert.deepEqual(d.featureNames, ['a=3', 'a=high', 'a=low']);
  });

  it('rejects an empty file and a header without rows, pointing at data.path', async () => {
    await rejectsData(loadDataset(csv(dataFile('empty.csv', ''), [REG('y')]), dir), 'data/empty.csv: the file is empty', ['data', 'path']);
    await rejectsData(loadDataset(csv(dataFile('blank.csv', '\uFEFF\n\n'), [REG('y')]), dir), 'data/blank.csv: the file is empty', ['data', 'path']);
    await rejectsData(loadDataset(csv(dataFile('header.csv', 'a,y\n'), [REG('y')]), dir), 'data/header.csv: has a header but no data rows', ['data', 'path']);
    await rejectsData(loadDataset(csv('data/nope.csv', [REG('y')]), dir), /^data\.path: file not found: data\/nope\.csv \(resolved to .*nope\.csv\)$/, ['data', 'path']);
  });

  it('names the config key of a target or feature column that does not exist', async () => {
    const file = dataFile('x.csv', 'a,b,c\n1,2,3\n4,5,6\n');
    await rejectsData(loadDataset(csv(file, [REG('c', 't1'), REG('y3', 't2')]), dir), 'tasks[1].target: column "y3" not found in data/x.csv (columns: a, b, c)', ['tasks', 1, 'target']);
    await rejectsData(loadDataset(csv(file, [REG('c')], { features: ['a', 'zz'] }), dir), 'data.features[1]: column "zz" not found in data/x.csv (columns: a, b, c)', ['data', 'features', 1]);
    await rejectsData(loadDataset(csv(file, [REG('c')], { features: ['a', 'c'] }), dir), /^data\.features\[1\]: column "c" is the target of task "c"/, ['data', 'features', 1]);
    await rejectsData(loadDataset(csv(file, [{ name: 't', type: 'regression' }]), dir), /^tasks\[0\]\.target: required for csv data/, ['tasks', 0]);
  });

  it('uses only the listed features', async () => {
    const file = dataFile('listed.csv', 'a,b,c\n1,2,3\n4,5,6\n');
    const d = await loadDataset(csv(file, [REG('c')], { features: ['b'] }), dir);
    assert.deepEqual(d.featureNames, ['b']);
  });

  it('trains on a single row with an empty validation split', async () => {
    const file = dataFile('one.csv', 'a,b,y,k\n1.5,red,2.5,1\n');
    const d = await loadDataset(csv(file, [REG('y'), CLS('k', 'k', 2)], { validationSplit: 0.5 }), dir);
    assert.equal(d.train.size, 1);
    assert.equal(d.validation.size, 0);
    assert.equal(d.validation.x.length, 0);
    assert.deepEqual(Array.from(d.train.x), [0, 1]);
    assert.deepEqual(Array.from(d.train.labels.k.values), [1]);
  });

  it('checks given classes, needs two inferred classes and a training label per task', async () => {
    const file = dataFile('classes.csv', 'a,k,z\n1,0,7\n2,3,\n3,1,\n4,1,\n');
    const features = { features: ['a'] };
    await rejectsData(loadDataset(csv(file, [CLS('k', 'k', 3)], features), dir), /^data\/classes\.csv:3: column "k": "3" is not a class index \(tasks\[0\]\.classes is 3, so labels must be integers 0 to 2/);
    const ok = await loadDataset(csv(file, [CLS('k', 'k', 4)], features), dir);
    assert.deepEqual(ok.tasks[0].classLabels, ['0', '1', '2', '3']);
    // "z" has one label, in row 0; with a seed that sends row 0 to validation, training has none.
    let seed = 0;
    while (!splitIndices(4, 0.5, seed).validation.includes(0)) seed++;
    await rejectsData(
      loadDataset(csv(file, [REG('k'), REG('z')], { features: ['a'], validationSplit: 0.5 }, seed), dir),
      'tasks[1].target: column "z" has no labels in the training split (2 rows; 1 labelled rows in the whole file) — task "z" cannot be trained',
      ['tasks', 1, 'target'],
    );
    const single = dataFile('single-class.csv', 'a,k\n1,yes\n2,yes\n');
    await rejectsData(loadDataset(csv(single, [CLS('k')]), dir), /^tasks\[0\]\.target: column "k" has only one distinct value \("yes"\)/, ['tasks', 0, 'target']);
    // "1" and "1.0" are one class when all labels are numbers.
    const numeric = dataFile('numeric-classes.csv', 'a,k\n1,1\n2,1.0\n3,2\n');
    assert.deepEqual((await loadDataset(csv(numeric, [CLS('k')]), dir)).tasks[0].classLabels, ['1', '2']);
  });

  it('reports the data file\'s line for a wrong field count', async () => {
    const file = dataFile('fields.csv', 'a,b,c,d,y\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4,5\n1,2,3,4\n');
    await rejectsData(loadDataset(csv(file, [REG('y')]), dir), 'data/fields.csv:7: expected 5 fields, got 4');
  });

  it('is deterministic by seed', async () => {
    const rows = ['a,c,y'];
    for (let i = 0; i < 40; i++) rows.push(`${i},${'pqr'[i % 3]},${i % 5}`);
    const file = dataFile('det.csv', rows.join('\n'));
    const load = (seed: number) => loadDataset(csv(file, [REG('y')], { validationSplit: 0.25 }, seed), dir);
    const [a, b, c] = await Promise.all([load(1), load(1), load(2)]);
    assert.deepEqual(a.train, b.train);
    assert.deepEqual(a.validation, b.validation);
    assert.notDeepEqual(a.train.x, c.train.x);
  });
});

describe('tabular data (JSONL)', () => {
  const jsonl = (file: string, tasks: TaskConfig[], extra: Partial<ExperimentConfig['data']> = {}) =>
    config({ source: 'jsonl', path: file, features: 'auto', validationSplit: 0, ...extra }, tasks);

  it('reads one object per line, skips blank lines, treats absent keys and null as missing', async () => {
    const file = dataFile(
      'rows.jsonl',
      ['{"x": 1, "color": "red", "y": 0.5, "ok": true}', '', '{"x": 2, "color": "blue", "y": null, "ok": false}', '{"x": 3, "color": "red", "ok": true}', '   ', '{"x": 4, "color": "blue", "y": 1.5}', ''].join('\n'),
    );
    const d = await loadDataset(jsonl(file, [REG('y'), CLS('ok')]), dir);
    assert.deepEqual(d.featureNames, ['x', 'color=blue', 'color=red']);
    assert.deepEqual(d.tasks[1].classLabels, ['false', 'true']);
    const labelled = (task: string) => d.train.labels[task].mask.reduce((s, m) => s + m, 0);
    assert.equal(labelled('y'), 2);
    assert.equal(labelled('ok'), 3);
    const t = parseJsonl('\n{"a":1}\n\n{"b":"x"}\n', 'f.jsonl');
    assert.deepEqual(t.columns, ['a', 'b']);
    assert.deepEqual(t.lines, [2, 4]);
  });

  it('reports a bad line with its line number', async () => {
    const file = dataFile('bad.jsonl', '{"x": 1, "y": 2}\n\n{"x": 2, "y": }\n');
    await rejectsData(loadDataset(jsonl(file, [REG('y')]), dir), /^data\/bad\.jsonl:3: not valid JSON/);
    assert.throws(() => parseJsonl('{"a":1}\n[1,2]\n', 'f.jsonl'), /f\.jsonl:2: expected a JSON object/);
    assert.throws(() => parseJsonl('{"a":{"b":1}}\n', 'f.jsonl'), /f\.jsonl:1: column "a" holds an object/);
    await rejectsData(loadDataset(jsonl(dataFile('empty.jsonl', '\n\n'), [REG('y')]), dir), 'data/empty.jsonl: the file is empty', ['data', 'path']);
  });
});

// ---------- sampler ----------

describe('BatchSampler', () => {
  /** A split of `counts.length` tasks where each row is labelled for exactly one task (so a row's index tells which task drew it). */
  function disjointSplit(counts: number[]) {
    const size = counts.reduce((a, b) => a + b, 0);
    const taskOfRow = new Int32Array(size);
    const labels: Record<string, { values: Float32Array; mask: Uint8Array }> = {};
    let row = 0;
    counts.forEach((n, k) => {
      for (let i = 0; i < n; i++) taskOfRow[row + i] = k;
      row += n;
    });
    counts.forEach((_, k) => {
      const mask = new Uint8Array(size);
      for (let r = 0; r < size; r++) mask[r] = taskOfRow[r] === k ? 1 : 0;
      labels[`t${k}`] = { values: new Float32Array(size), mask };
    });
    const tasks = counts.map((_, k) => ({ name: `t${k}`, type: 'regression' as const, outputs: 1 }));
    return { split: { size, x: new Float32Array(size), labels }, tasks, taskOfRow };
  }

  it('proportional: each row exactly once per epoch, batches of batchSize with a shorter last one, deterministic per (seed, epoch)', () => {
    const { split, tasks } = disjointSplit([70, 30]);
    const sampler = new BatchSampler(split, tasks, { batchSize: 32, sampling: 'proportional' }, 11);
    assert.equal(sampler.stepsPerEpoch, 4);
    const batches = sampler.batchesForEpoch(0);
    assert.deepEqual(batches.map((b) => b.length), [32, 32, 32, 4]);
    assert.deepEqual(batches.flatMap((b) => [...b]).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual(new BatchSampler(split, tasks, { batchSize: 32, sampling: 'proportional' }, 11).batchesForEpoch(0), batches);
    assert.notDeepEqual(sampler.batchesForEpoch(1), batches);
    assert.notDeepEqual(new BatchSampler(split, tasks, { batchSize: 32, sampling: 'proportional' }, 12).batchesForEpoch(0), batches);
    assert.deepEqual(sampler.taskProbabilities, [0.7, 0.3]);
  });

  for (const [sampling, temperature] of [['temperature', 2], ['temperature', 1], ['uniform', undefined]] as const) {
    it(`${sampling}${temperature ? ` T=${temperature}` : ''}: empirical task frequencies match p_k ∝ n_k^(1/T)`, () => {
      const counts = [800, 150, 50];
      const { split, tasks, taskOfRow } = disjointSplit(counts);
      const sampler = new BatchSampler(split, tasks, { batchSize: 64, sampling, samplingTemperature: temperature }, 5);
      const exponent = sampling === 'uniform' ? 0 : 1 / (temperature as number);
      const weights = counts.map((n) => n ** exponent);
      const expected = weights.map((w) => w / weights.reduce((a, b) => a + b, 0));
      sampler.taskProbabilities.forEach((p, k) => assert.ok(Math.abs(p - expected[k]) < 1e-12));
      assert.equal(sampler.stepsPerEpoch, Math.ceil(1000 / 64));

      const seen = [0, 0, 0];
      let draws = 0;
      for (let epoch = 0; epoch < 20; epoch++) {
        const batches = sampler.batchesForEpoch(epoch);
        assert.equal(batches.length, sampler.stepsPerEpoch);
        for (const b of batches) for (const r of b) {
          seen[taskOfRow[r]]++;
          draws++;
        }
      }
      assert.equal(draws, 20000);
      // Binomial standard error √(p(1−p)/N) ≤ 0.0036 at N = 20000; allow four of them.
      seen.forEach((c, k) => {
        const tolerance = 4 * Math.sqrt((expected[k] * (1 - expected[k])) / draws);
        assert.ok(Math.abs(c / draws - expected[k]) < tolerance, `task ${k}: ${(c / draws).toFixed(4)} vs ${expected[k].toFixed(4)}`);
      });
      assert.deepEqual(sampler.batchesForEpoch(3), sampler.batchesForEpoch(3));
    });
  }

  it('never draws a task without labelled rows', () => {
    const { split, tasks, taskOfRow } = disjointSplit([10, 0, 5]);
    const sampler = new BatchSampler(split, tasks, { batchSize: 4, sampling: 'uniform' }, 1);
    assert.deepEqual(sampler.taskProbabilities, [0.5, 0, 0.5]);
    for (let e = 0; e < 50; e++) for (const b of sampler.batchesForEpoch(e)) for (const r of b) assert.ok(r >= 0 && r < 15 && taskOfRow[r] !== 1);
  });
});

// ---------- the committed CSV example ----------

describe('the CSV example (examples/orchard.mtl.json)', () => {
  it('is exactly what scripts/make-example-data.ts generates', () => {
    assert.equal(readFileSync(ORCHARD_CSV_PATH, 'utf8'), orchardCsv());
  });

  it('loads with its config: mixed features, both targets, a few labels masked', async () => {
    const configPath = path.resolve(__dirname, '..', '..', 'examples', 'orchard.mtl.json');
    const { config } = await loadExperimentConfig(configPath);
    const d = (await loadDataset(config, path.dirname(configPath))) as TabularDataset;
    assert.equal(d.rows, 400);
    assert.equal(d.train.size, 320);
    assert.deepEqual(d.encodings.map((e) => e.kind).sort(), ['categorical', 'categorical', 'categorical', 'categorical', 'numeric', 'numeric', 'numeric', 'numeric']);
    assert.ok(d.featureNames.includes('region=Valley, east'));
    assert.deepEqual(d.tasks.map((t) => [t.name, t.type, t.outputs]), [['yield', 'regression', 1], ['grade', 'classification', 3]]);
    assert.deepEqual(d.tasks[1].classLabels, ['A', 'B', 'C']);
    for (const task of ['yield', 'grade']) {
      const missing = [d.train, d.validation].reduce((sum, split) => sum + split.labels[task].mask.filter((m) => m === 0).length, 0);
      assert.ok(missing > 5 && missing < 50, `${task}: ${missing} missing labels`);
    }
  });
});
