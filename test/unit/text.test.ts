/**
 * Text data: the WordPiece trainer against a result worked out by hand, its tokenizer.json run by
 * @huggingface/tokenizers, the text dataset (CSV, .csv.gz, JSONL; ids stored as Int32Array, [CLS] … [SEP],
 * cut and padded), and every bad input as a positioned error.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Tokenizer } from '@huggingface/tokenizers';
import { analyseExperimentText, formatDiagnostic } from '../../src/training/config';
import { DataError } from '../../src/training/data/dataset';
import { loadDataset } from '../../src/training/data/load';
import { splitIndices } from '../../src/training/data/split';
import { TextTokenizer } from '../../src/training/data/textTokenizer';
import { trainWordPiece, wordPieceJson } from '../../src/training/data/wordpiece';
import { runExperiment } from '../../src/training/run/runExperiment';
import { InputError } from '../../src/training/run/runInputs';
import { parseExperimentText } from '../../src/training/config/parse';

describe('WordPiece trainer', () => {
  // By hand: words hug×3, pug, pun → symbols h ##u ##g | p ##u ##g | p ##u ##n. Pair counts: (##u,##g) 4,
  // (h,##u) 3, (p,##u) 2, (##u,##n) 1 → merge ##ug; then (h,##ug) 3 → merge hug; every other pair occurs once.
  const corpus = ['hug hug hug pug pun'];
  const expected = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '##g', '##n', '##u', 'h', 'p', '##ug', 'hug'];

  it('learns the merges worked out by hand, and stops at vocabSize', () => {
    assert.deepEqual(trainWordPiece(corpus, { vocabSize: 100, lowercase: true }), expected);
    assert.deepEqual(trainWordPiece(corpus, { vocabSize: 11, lowercase: true }), expected.slice(0, 11));
  });

  it('its tokenizer.json, written and read back, gives the same ids in the library; unknown characters and empty text', () => {
    const json = JSON.parse(JSON.stringify(wordPieceJson(expected, true))) as Record<string, unknown>;
    const library = new Tokenizer(json, {});
    // [CLS] hug | p ##u ##n | p ##ug | [UNK] for "!" (not in the alphabet) | [SEP]
    assert.deepEqual(library.encode('Hug pun pug!').ids, [2, 11, 9, 7, 6, 9, 10, 1, 3]);
    const ours = new TextTokenizer(json, 'tokenizer.json', 16);
    assert.deepEqual(ours.encode('Hug pun pug!'), [2, 11, 9, 7, 6, 9, 10, 1, 3]);
    assert.deepEqual(ours.encode(''), [2, 3]);
    assert.deepEqual(ours.encode('zzz'), [2, 1, 3]);
    // Cut at the end to maxLength, [SEP] kept.
    assert.deepEqual(new TextTokenizer(json, 'tokenizer.json', 4).encode('hug pun'), [2, 11, 9, 3]);
    assert.equal(library.decode([11, 9, 7, 6]), 'hug pun');
  });
});

function tempDir(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mtl-text-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

const csv = ['description,kind,score', ...Array.from({ length: 20 }, (_, i) => `"${i % 2 ? 'a text editor' : 'a web browser'} ${i}",${i % 2 ? 'editor' : 'browser'},${i}`)].join('\n');

/** A config with these settings (no synthetic defaults to clash with). */
const config = (partial: Record<string, unknown>) => parseExperimentText(JSON.stringify({ name: 'text', seed: 7, training: { epochs: 1 }, backend: 'cpu', ...partial }), 'test.mtl.json');

function textConfig(data: Record<string, unknown>) {
  return config({
    data: { source: 'csv', path: 'd.csv', text: 'description', tokenizer: { vocabSize: 40, maxLength: 6 }, validationSplit: 0.25, ...data },
    tasks: [
      { name: 'kind', type: 'classification', target: 'kind' },
      { name: 'score', type: 'regression', target: 'score' },
    ],
    model: { architecture: 'transformer', dModel: 8, heads: 2 },
  });
}

describe('text data', () => {
  it('CSV, .csv.gz and JSONL give the same Int32 token ids: [CLS] … [SEP], cut to maxLength and padded with 0', async () => {
    const jsonl = csv.split('\n').slice(1).map((line) => {
      const [, text, kind, score] = /^"(.*)",(\w+),(\d+)$/.exec(line)!;
      return JSON.stringify({ description: text, kind, score: Number(score) });
    });
    const dir = tempDir({ 'd.csv': csv, 'd.csv.gz': gzipSync(csv), 'd.jsonl': jsonl.join('\n') });
    const plain = await loadDataset(textConfig({}), dir);
    const gz = await loadDataset(textConfig({ path: 'd.csv.gz' }), dir);
    const fromJsonl = await loadDataset(textConfig({ source: 'jsonl', path: 'd.jsonl' }), dir);
    assert.ok(plain.train.x instanceof Int32Array);
    assert.equal(plain.inputDim, 6);
    assert.deepEqual(gz.train.x, plain.train.x);
    assert.deepEqual(fromJsonl.train.x, plain.train.x);
    assert.equal(plain.train.size, 15);
    const tokens = plain.tokenizer!;
    for (let r = 0; r < plain.train.size; r++) {
      const row = [...plain.train.x.subarray(r * 6, r * 6 + 6)];
      const text = tokens.tokens(row.filter((id) => id !== 0));
      assert.equal(text[0], '[CLS]');
      assert.equal(text[text.length - 1], '[SEP]');
    }
    // "a text editor 7": [CLS] a text editor 7 [SEP] fills 6; "a web browser 10" is cut: [CLS] a web browser 1 [SEP] or shorter.
    assert.ok(plain.vocabSize! <= 40 && plain.vocabSize! > 5);
    assert.deepEqual(plain.tasks[0].classLabels, ['browser', 'editor']);
  });

  it('the tokenizer is trained on the training split only', async () => {
    // Only row 0 holds "zebra"; with a validation split of 0.5 and seed 1 it lands in validation (checked
    // below), so its "z" is unknown to the tokenizer and the word encodes as [UNK].
    const rows = ['description,kind', 'zebra,x', ...Array.from({ length: 9 }, (_, i) => `cat ${i},${i % 2 ? 'x' : 'y'}`)];
    const dir = tempDir({ 'd.csv': rows.join('\n') });
    assert.ok(splitIndices(10, 0.5, 1).validation.includes(0));
    const data = await loadDataset(config({ seed: 1, data: { source: 'csv', path: 'd.csv', text: 'description', validationSplit: 0.5 }, tasks: [{ name: 'kind', type: 'classification', target: 'kind' }], model: { architecture: 'transformer', dModel: 8, heads: 2 } }), dir);
    const encoded = data.tokenizer!.encode('zebra');
    const inValidation = [...data.validation.x].includes(1); // [UNK]
    assert.equal(encoded[1], 1, 'zebra is unknown');
    assert.ok(inValidation, 'the zebra row is in validation');
  });

  it('bad input: positioned errors', async () => {
    const dir = tempDir({ 'd.csv': csv, 'empty.csv': 'description,kind,score\nfine,editor,1\n,editor,2\nok,browser,3\n', 'bad.json': '{\n  "model": {,\n}', 'nopad.json': JSON.stringify(wordPieceJson(['[UNK]', '[PAD]', 'a'], true)) });
    const fails = async (data: Record<string, unknown>, pattern: RegExp, configPath?: (string | number)[]) => {
      await assert.rejects(loadDataset(textConfig(data), dir), (error: unknown) => {
        assert.ok(error instanceof DataError);
        assert.match(error.message, pattern);
        if (configPath) assert.deepEqual(error.configPath, configPath);
        return true;
      });
    };
    await fails({ text: 'body' }, /^data\.text: column "body" not found in d\.csv \(columns: description, kind, score\)$/, ['data', 'text']);
    await fails({ text: ['description', 'body'] }, /^data\.text\[1\]: column "body" not found/, ['data', 'text', 1]);
    await fails({ path: 'empty.csv' }, /^empty\.csv:3: column "description": empty text \(set data\.dropEmptyText to drop such rows\)$/, ['data', 'text']);
    await fails({ tokenizer: { path: 'bad.json' } }, /^data\.tokenizer\.path: bad\.json:2:13: not valid JSON/, ['data', 'tokenizer', 'path']);
    await fails({ tokenizer: { path: 'nopad.json' } }, /"\[PAD\]" must have id 0/);
    await fails({ tokenizer: { path: 'missing.json' } }, /^data\.tokenizer\.path: missing\.json: cannot be read \(ENOENT\)$/);
    const dropped = await loadDataset(textConfig({ path: 'empty.csv', dropEmptyText: true, validationSplit: 0 }), dir);
    assert.equal(dropped.train.size, 2);
  });

  it('a bad text column stops a run before anything is written: the error points into the config', async () => {
    const dir = tempDir({ 'd.csv': csv });
    const experiment = { name: 'bad', data: { source: 'csv', path: 'd.csv', text: 'body' }, tasks: [{ name: 'kind', type: 'classification', target: 'kind' }], model: { architecture: 'transformer', dModel: 8, heads: 2 }, backend: 'cpu' };
    const configPath = path.join(dir, 'bad.mtl.json');
    writeFileSync(configPath, JSON.stringify(experiment, null, 2));
    const runsDir = path.join(dir, 'runs');
    await assert.rejects(runExperiment({ configPath, runsDir }, { shouldStop: () => false }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /bad\.mtl\.json:6:13: data\.text: column "body" not found in d\.csv/);
      return true;
    });
    assert.equal(existsSync(runsDir), false, 'no run directory');
  });

  it('config checks: text and the transformer go together; the vocabulary holds the special tokens', () => {
    const problems = (cfg: Record<string, unknown>) => analyseExperimentText(JSON.stringify(cfg), 'x.mtl.json').diagnostics.map(formatDiagnostic).map((d) => d.replace(/^x\.mtl\.json:\d+:\d+: /, ''));
    const base = { name: 'x', tasks: [{ name: 'a', type: 'regression', target: 'a' }] };
    assert.deepEqual(problems({ ...base, data: { source: 'csv', path: 'd.csv' }, model: { architecture: 'transformer' } }), ['model.architecture: "transformer" reads text: name the text column(s) in data.text (CSV / JSON Lines data)']);
    assert.deepEqual(problems({ ...base, data: { source: 'csv', path: 'd.csv', text: 't' }, model: { architecture: 'hard' } }), ['data.text: text is read by model.architecture "transformer", not "hard"']);
    assert.deepEqual(problems({ ...base, data: { source: 'csv', path: 'd.csv', text: 't', features: ['b'], tokenizer: { vocabSize: 4 } }, model: { architecture: 'transformer', dModel: 10, heads: 4 } }), [
      'data.features: not used with data.text (the text is the only input)',
      'data.tokenizer.vocabSize: must be ≥ 6, got 4',
      'model.heads: 10 units do not split into 4 heads (model.dModel must be a multiple of model.heads)',
    ]);
    // The defaults, as a run's resolved config.json holds them (resuming a text run reads it back).
    assert.deepEqual(problems({ ...base, data: { source: 'csv', path: 'd.csv', text: 't', features: 'auto', impute: 'none' }, model: { architecture: 'transformer' } }), []);
  });
});
