/**
 * `model.init` with a BERT checkpoint (models/bertCheckpoint.ts, models/pretrained.ts):
 * - a tiny BERT written in PyTorch with Hugging Face's module names (test/reference/bert_encoder.py, random
 *   weights, exact GELU, LayerNorm ε 1e-12) is saved by a hand-written safetensors writer in F32, F16 and BF16,
 *   with and without the `bert.` prefix, beside a pooler, an MLM head and position_ids; loaded onto the trunk,
 *   the final token states and their mean over the non-padding tokens equal PyTorch's within 1e-4;
 * - every tensor that does not fit is an error naming it and both shapes; a vocabulary other than the
 *   tokenizer's, too few positions, too many layers and an unreadable file name the setting at fault;
 * - the config asks for the checkpoint's tokenizer.json and post-LN blocks.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { diagnoseExperimentText, formatDiagnostic, parseExperimentText } from '../../src/training/config';
import type { Dataset, ResolvedTask } from '../../src/training/data/dataset';
import { CheckpointError, bertTrunk } from '../../src/training/models/bertCheckpoint';
import { loadPretrainedTrunk } from '../../src/training/models/pretrained';
import { createModel } from '../../src/training/models/registry';
import { SafetensorsFile } from '../../src/training/models/safetensors';
import type { TransformerModel } from '../../src/training/models/transformerModel';
import { rngFor } from '../../src/training/random/rng';
import { assertClose, transformerConfig } from '../helpers/engine';
import { bertTensors, randomTensor, safetensorsBytes, type RawTensor } from '../helpers/safetensors';

const PYTHON = '/usr/bin/python3';
const REFERENCE = path.join(__dirname, '..', 'reference', 'bert_encoder.py');
const dir = mkdtempSync(path.join(tmpdir(), 'bert-init-'));

const sizes = { vocab: 30, d: 8, heads: 2, ff: 12, layers: 2, positions: 16, types: 2 };
// Three texts of 6 tokens ([CLS] … [SEP], then padding), the last one unpadded.
const ids = [
  [2, 5, 6, 7, 3, 0],
  [2, 9, 3, 0, 0, 0],
  [2, 11, 29, 17, 8, 3],
];
const T = ids[0].length;
const tasks: ResolvedTask[] = [{ name: 'a', type: 'classification', outputs: 3, classes: 3 }];
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

interface Reference {
  states: number[][][];
  mean: number[][];
  names: string[];
  file: string;
}

const cases = [
  { dtype: 'F32', prefix: 'bert.' },
  { dtype: 'F16', prefix: '' },
  { dtype: 'BF16', prefix: 'bert.' },
] as const;

function torchReference(dtype: string, prefix: string): Reference {
  const file = path.join(dir, `${dtype}.safetensors`);
  const spec = { ...sizes, seed: 7, ids, path: file, dtype, prefix };
  return { ...(JSON.parse(execFileSync(PYTHON, [REFERENCE], { input: JSON.stringify(spec), encoding: 'utf8' })) as Omit<Reference, 'file'>), file };
}

const trunkShape = { vocabSize: sizes.vocab, positions: T, dModel: sizes.d, layers: sizes.layers, feedForwardUnits: sizes.ff };

function pretrainedModel(values: ReadonlyMap<string, Float32Array>, layers = sizes.layers): TransformerModel {
  const config = transformerConfig({ norm: 'post', dModel: sizes.d, heads: sizes.heads, feedForwardUnits: sizes.ff, layers, pooling: 'mean', taskUnits: [4] });
  return createModel({ config, inputDim: T, vocabSize: sizes.vocab, tasks, rng: rngFor(1, 'init'), pretrained: values }) as TransformerModel;
}

describe('model.init: a BERT checkpoint against the PyTorch module it came from', () => {
  const references = new Map<string, Reference>();
  before(() => {
    for (const { dtype, prefix } of cases) references.set(dtype, torchReference(dtype, prefix));
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`the trunk's token states and mean-pooled states equal PyTorch's BERT (F32, F16, BF16; ${backend})`, async () => {
      await selectBackend(backend);
      for (const { dtype, prefix } of cases) {
        const reference = references.get(dtype)!;
        const trunk = bertTrunk(SafetensorsFile.read(readFileSync(reference.file), reference.file), trunkShape);
        assert.deepEqual(trunk.ignored.sort(), [`${prefix}embeddings.position_ids`, `${prefix}pooler.dense.bias`, `${prefix}pooler.dense.weight`, 'cls.predictions.bias', 'cls.predictions.transform.dense.weight'].sort());
        assert.equal(trunk.loaded.length, 5 + 16 * sizes.layers);
        const model = pretrainedModel(trunk.values);
        const x = tf.tensor2d(ids, [ids.length, T]);
        const { states } = model.encode(x, { training: false });
        assertClose([...states.dataSync()], flat(reference.states), 1e-4);
        const pooled = (model as unknown as { pool(s: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D }).pool(states, x);
        assertClose([...pooled.dataSync()], flat(reference.mean), 1e-4);
      }
    });
  }

  it('a randomly initialised trunk does not match (the comparison has teeth)', async () => {
    await selectBackend('cpu');
    const random = createModel({ config: transformerConfig({ norm: 'post', dModel: sizes.d, heads: sizes.heads, feedForwardUnits: sizes.ff, layers: sizes.layers, taskUnits: [4] }), inputDim: T, vocabSize: sizes.vocab, tasks, rng: rngFor(1, 'init') }) as TransformerModel;
    const states = [...random.encode(tf.tensor2d(ids, [ids.length, T]), { training: false }).states.dataSync()];
    const expected = flat(references.get('F32')!.states);
    assert.ok(states.some((v, i) => Math.abs(v - expected[i]) > 0.1));
  });
});

const fileOf = (tensors: Record<string, RawTensor>) => SafetensorsFile.read(safetensorsBytes(tensors), 'm.safetensors');

const refuses = (fn: () => unknown, message: string, setting?: string[]) =>
  assert.throws(fn, (error: Error) => {
    assert.ok(error instanceof CheckpointError, error.message);
    assert.equal(error.message, message);
    assert.deepEqual(error.setting, setting);
    return true;
  });

describe('model.init: checkpoints that do not fit', () => {
  const good = bertTensors({ vocab: 30, d: 8, ff: 12, layers: 2, positions: 16 });

  it('maps the first model.layers layers and lists the rest as ignored', () => {
    const trunk = bertTrunk(fileOf(good), { ...trunkShape, layers: 1 });
    assert.ok(trunk.ignored.includes('bert.encoder.layer.1.output.dense.weight'));
    assert.ok(!trunk.values.has('block1/ff2/w'));
    // [out, in] → [in, out]: the trunk's ff1 kernel is the transpose of intermediate.dense.weight.
    const w = fileOf(good).float32('bert.encoder.layer.0.intermediate.dense.weight');
    const kernel = trunk.values.get('block0/ff1/w')!;
    for (let o = 0; o < 12; o++) for (let i = 0; i < 8; i++) assert.equal(kernel[i * 12 + o], w[o * 8 + i]);
  });

  it('a missing tensor, a mis-shaped one, another vocabulary, too few positions, too many layers', () => {
    const { ['bert.encoder.layer.1.attention.self.key.bias']: _dropped, ...missing } = good;
    refuses(() => bertTrunk(fileOf(missing), trunkShape), 'm.safetensors: no tensor "bert.encoder.layer.1.attention.self.key.bias" (a BERT checkpoint has it)');
    refuses(
      () => bertTrunk(fileOf({ ...good, 'bert.encoder.layer.0.intermediate.dense.weight': randomTensor([16, 8], 1) }), trunkShape),
      'm.safetensors: tensor "bert.encoder.layer.0.intermediate.dense.weight" has shape [16, 8], the trunk needs [12, 8] (model.feedForwardUnits × model.dModel)',
    );
    refuses(() => bertTrunk(fileOf(good), { ...trunkShape, dModel: 16 }), 'm.safetensors: tensor "bert.embeddings.word_embeddings.weight" has shape [30, 8], the trunk needs [30, 16] (the tokenizer\'s vocabulary × model.dModel)');
    refuses(() => bertTrunk(fileOf(good), { ...trunkShape, vocabSize: 31 }), 'm.safetensors: tensor "bert.embeddings.word_embeddings.weight" has 30 rows (the checkpoint\'s vocabulary), the tokenizer has 31 tokens: use the tokenizer.json that came with the checkpoint', ['data', 'tokenizer', 'path']);
    refuses(() => bertTrunk(fileOf(good), { ...trunkShape, positions: 20 }), 'm.safetensors: tensor "bert.embeddings.position_embeddings.weight" has 16 positions, fewer than the 20 tokens of an example: lower data.tokenizer.maxLength to at most 16', ['data', 'tokenizer', 'maxLength']);
    refuses(() => bertTrunk(fileOf(good), { ...trunkShape, layers: 3 }), 'm.safetensors: no tensor "bert.encoder.layer.2.attention.self.query.weight" (a BERT checkpoint has it; the checkpoint has 2 layers, model.layers asks for at least 3)', ['model', 'layers']);
  });

  it('a file that is missing or not safetensors is an error at model.init.path, naming the file', () => {
    const text = (file: string) => JSON.stringify({
      name: 'b',
      data: { source: 'jsonl', path: 'x.jsonl', text: 't', tokenizer: { path: 'tokenizer.json' } },
      tasks: [{ name: 'a', type: 'regression', target: 'a' }],
      model: { architecture: 'transformer', norm: 'post', init: { path: file, format: 'bert' } },
    });
    const dataset = { vocabSize: 30, inputDim: T } as Dataset;
    writeFileSync(path.join(dir, 'broken.safetensors'), '{"not": "safetensors"}');
    const load = (file: string) => () => loadPretrainedTrunk(parseExperimentText(text(file), 'b.mtl.json'), dir, dataset);
    refuses(load('absent.safetensors'), 'absent.safetensors: cannot be read (ENOENT)', ['model', 'init', 'path']);
    assert.throws(load('broken.safetensors'), (e: CheckpointError) => e.message.startsWith('broken.safetensors: not a safetensors file: the header length') && e.setting?.join('.') === 'model.init.path');
    writeFileSync(path.join(dir, 'good.safetensors'), safetensorsBytes(bertTensors({ vocab: 30, d: 64, ff: 256, layers: 2, positions: 8 })));
    const trunk = loadPretrainedTrunk(parseExperimentText(text('good.safetensors'), 'b.mtl.json'), dir, dataset)!;
    assert.equal(trunk.file, 'good.safetensors');
    assert.deepEqual(trunk.ignored, ['bert.pooler.dense.weight', 'bert.pooler.dense.bias']);
  });

  it('the config asks for the checkpoint\'s tokenizer.json and post-LN blocks', () => {
    const problems = (data: object, model: object) =>
      diagnoseExperimentText(
        JSON.stringify({ name: 'b', data: { source: 'jsonl', path: 'x.jsonl', text: 't', ...data }, tasks: [{ name: 'a', type: 'regression', target: 'a' }], model: { architecture: 'transformer', init: { path: 'm.safetensors', format: 'bert' }, ...model } }, null, 2),
        'b.mtl.json',
      ).map(formatDiagnostic);
    assert.deepEqual(problems({}, { norm: 'post' }), ['b.mtl.json:17:13: model.init: a pretrained encoder reads the token ids of its own tokenizer: set data.tokenizer.path to the checkpoint\'s tokenizer.json']);
    assert.deepEqual(problems({ tokenizer: { path: 'tokenizer.json' } }, {}), ['b.mtl.json:20:13: model.init: a BERT checkpoint is post-LayerNorm: set model.norm to "post"']);
    assert.deepEqual(problems({ tokenizer: { path: 'tokenizer.json' } }, { norm: 'post' }), []);
    assert.deepEqual(problems({ tokenizer: { path: 'tokenizer.json' } }, { norm: 'post', init: { path: 'm.safetensors' } }), [], '"format" defaults to "bert"');
    assert.match(problems({ tokenizer: { path: 'tokenizer.json' } }, { norm: 'post', init: { path: 'm.safetensors', format: 'gpt' } })[0], /model\.init\.format: expected one of "bert"/);
  });
});
