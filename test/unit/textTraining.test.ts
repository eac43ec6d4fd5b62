/**
 * Text tasks end to end on a small synthetic set where task "alpha" asks whether the word "alpha" occurs and
 * task "beta" whether "beta" does, among filler words at random places: trained with task attention, each
 * task's attention concentrates on its own marker. The trunk has no encoder block here (`layers: 0`): with one,
 * self-attention carries the marker's presence into every token's state, the pooling no longer needs to point
 * at the marker, and it does not (near-uniform weights, ~0.1 each, on this set). And a run on text data keeps its tokenizer as
 * tokenizer.json, which @huggingface/tokenizers loads back with the dataset's ids (on the WebAssembly backend,
 * which frees a step's intermediate tensors before the backward pass reads what it saved).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { Tokenizer } from '@huggingface/tokenizers';
import { selectBackend } from '../../src/training/backend/select';
import { parseExperimentText } from '../../src/training/config/parse';
import { loadDataset } from '../../src/training/data/load';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import { runExperiment } from '../../src/training/run/runExperiment';
import { train } from '../helpers/engine';

const FILLERS = ['the', 'cat', 'sat', 'on', 'mat', 'red', 'sun', 'big', 'dog', 'ran', 'far', 'away', 'old', 'tree', 'blue', 'sky'];

/** `rows` texts of 10 fillers with "alpha" and / or "beta" put in at random places, and the two labels. */
function markerCsv(rows: number, seed: number): string {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const lines = ['text,alpha,beta'];
  for (let r = 0; r < rows; r++) {
    const words = Array.from({ length: 10 }, () => FILLERS[Math.floor(next() * FILLERS.length)]);
    const [a, b] = [next() < 0.5, next() < 0.5];
    if (a) words.splice(Math.floor(next() * (words.length + 1)), 0, 'alpha');
    if (b) words.splice(Math.floor(next() * (words.length + 1)), 0, 'beta');
    lines.push(`${words.join(' ')},${a ? 'yes' : 'no'},${b ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

const experiment = {
  name: 'markers',
  seed: 3,
  data: { source: 'csv', path: 'markers.csv', text: 'text', tokenizer: { vocabSize: 100, maxLength: 20 }, validationSplit: 0.2 },
  tasks: [
    { name: 'alpha', type: 'classification', target: 'alpha' },
    { name: 'beta', type: 'classification', target: 'beta' },
  ],
  model: { architecture: 'transformer', sharing: 'task-attention', dModel: 16, heads: 2, layers: 0, feedForwardUnits: 32, taskUnits: [] },
  optimizer: { learningRate: 0.01 },
  training: { epochs: 15, batchSize: 32, evalEvery: 1000, logEvery: 10 },
  backend: 'cpu',
};

function writeExperiment(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mtl-markers-'));
  writeFileSync(path.join(dir, 'markers.csv'), markerCsv(400, 11));
  writeFileSync(path.join(dir, 'markers.mtl.json'), JSON.stringify(experiment));
  return dir;
}

describe('text tasks on the Transformer', () => {
  before(async () => {
    await selectBackend('cpu');
  });

  it("each task's attention concentrates on its own marker token", async () => {
    const dir = writeExperiment();
    const config = parseExperimentText(JSON.stringify(experiment), 'markers.mtl.json');
    const dataset = await loadDataset(config, dir);
    const tokenizer = dataset.tokenizer!;
    const [alpha, beta] = ['alpha', 'beta'].map((w) => tokenizer.encode(w));
    assert.equal(alpha.length, 3, 'alpha is one token');
    assert.equal(beta.length, 3, 'beta is one token');
    const { trainer } = await train(config, dataset);

    // Validation texts with both markers, one at a time: each task's weight on each marker's position.
    const weights = { alpha: { own: 0, other: 0 }, beta: { own: 0, other: 0 } };
    let count = 0;
    const width = dataset.inputDim;
    for (let r = 0; r < dataset.validation.size; r++) {
      const ids = [...dataset.validation.x.subarray(r * width, (r + 1) * width)];
      const [pa, pb] = [ids.indexOf(alpha[1]), ids.indexOf(beta[1])];
      if (pa < 0 || pb < 0) continue;
      const attention = tf.tidy(() => trainer.model.forward(tf.tensor2d([ids], [1, width]), { training: false }).matrices!['token-attention'].values.arraySync());
      weights.alpha.own += attention[0][pa];
      weights.alpha.other += attention[0][pb];
      weights.beta.own += attention[1][pb];
      weights.beta.other += attention[1][pa];
      count++;
    }
    assert.ok(count >= 10, `${count} validation texts with both markers`);
    for (const task of ['alpha', 'beta'] as const) {
      const own = weights[task].own / count;
      const other = weights[task].other / count;
      // Uniform attention over the 14 tokens would give 0.07 to each marker; here ≈ 0.49 / 0.60 on the own marker, ≈ 0.05 / 0.08 on the other.
      assert.ok(own > 0.4 && own > 5 * other, `task ${task}: ${own.toFixed(3)} on its marker, ${other.toFixed(3)} on the other`);
    }
  });

  it('a run on text data keeps its tokenizer as tokenizer.json, loaded back by the library with the same ids', async () => {
    const dir = writeExperiment();
    const result = await runExperiment({ configPath: path.join(dir, 'markers.mtl.json'), runsDir: path.join(dir, 'runs'), overrides: ['training.epochs=1', 'backend=wasm'] }, { shouldStop: () => false });
    assert.equal(result.info.status, 'completed');
    const saved = new Tokenizer(JSON.parse(readFileSync(path.join(result.runDir, 'tokenizer.json'), 'utf8')) as object, {});
    const dataset = await loadDataset(parseExperimentText(JSON.stringify(experiment), 'markers.mtl.json'), dir);
    for (const text of ['the cat alpha sat', 'beta on the mat', 'unseen zzz words']) assert.deepEqual(saved.encode(text).ids, dataset.tokenizer!.encode(text));

    // The dashboard's token-attention cards: each task's attention over the tokens of the first validation texts, every train record.
    const records = readRecordsSync(result.runDir).filter((r) => r.kind === 'train');
    const first = records[0];
    assert.ok(first.kind === 'train');
    const sample = dataset.samples![0];
    assert.equal(sample.tokens[0], '[CLS]');
    assert.deepEqual(first.matrixInfo?.['token-attention/0']?.columns, sample.tokens.map((token, t) => `${t} ${token}`));
    assert.deepEqual(first.matrixInfo?.['token-attention/0']?.rows, ['alpha', 'beta']);
    for (const record of records) {
      assert.ok(record.kind === 'train');
      for (let i = 0; i < 3; i++) for (const row of record.matrices![`token-attention/${i}`]) assert.ok(Math.abs(row.reduce((a, v) => a + v, 0) - 1) < 1e-3);
    }
  });
});
