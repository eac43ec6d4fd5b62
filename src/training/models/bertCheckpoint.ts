/**
 * `model.init` with `"format": "bert"`: a Hugging Face BERT checkpoint (safetensors, the names of
 * `BertModel` / `BertForPreTraining`, with or without the `bert.` prefix) mapped onto the Transformer trunk.
 *
 * | checkpoint tensor                                        | trunk parameter                          |
 * |----------------------------------------------------------|------------------------------------------|
 * | embeddings.word_embeddings.weight `[V, d]`               | embedding/tokens                         |
 * | embeddings.position_embeddings.weight `[P, d]` (first T rows) + token_type_embeddings.weight row 0 | embedding/positions |
 * | embeddings.LayerNorm.{weight,bias}                       | embedding-norm/{gamma,beta}              |
 * | encoder.layer.i.attention.self.{query,key,value}.{weight,bias} | block i/attention/{query,key,value}/{w,b} |
 * | encoder.layer.i.attention.output.dense.{weight,bias}     | block i/attention/output/{w,b}           |
 * | encoder.layer.i.attention.output.LayerNorm.{weight,bias} | block i/norm1/{gamma,beta}               |
 * | encoder.layer.i.intermediate.dense.{weight,bias}         | block i/ff1/{w,b}                        |
 * | encoder.layer.i.output.dense.{weight,bias}               | block i/ff2/{w,b}                        |
 * | encoder.layer.i.output.LayerNorm.{weight,bias}           | block i/norm2/{gamma,beta}               |
 *
 * PyTorch's Linear weights are `[out, in]`, the trunk's `[in, out]`: transposed. Every text is one segment, so
 * the token-type embedding of type 0 is added to every position row (the sum BERT computes for each token).
 * LayerNorm weights written as `gamma` / `beta` (checkpoints converted from TensorFlow) are read too. Anything
 * else (the pooler, the MLM and next-sentence heads, `position_ids`, layers beyond `model.layers`) is left out
 * and listed as ignored. A missing or mis-shaped tensor is an error naming the tensor and both shapes.
 */
import type { SafetensorsFile } from './safetensors';

/** The trunk the checkpoint must fit: the resolved model settings and the data's sizes. */
export interface TrunkShape {
  /** The tokenizer's vocabulary size. */
  vocabSize: number;
  /** Tokens per example (data.tokenizer.maxLength): the position rows used. */
  positions: number;
  dModel: number;
  layers: number;
  feedForwardUnits: number;
}

/** The trunk's initial values, by parameter name, and what was read and left out. */
export interface PretrainedTrunk {
  file: string;
  values: Map<string, Float32Array>;
  /** Checkpoint tensors that were mapped onto the trunk. */
  loaded: string[];
  /** Checkpoint tensors left out. */
  ignored: string[];
}

/** A checkpoint that does not fit the trunk; `setting` is the config key to change, where one is at fault. */
export class CheckpointError extends Error {
  constructor(
    message: string,
    readonly setting?: string[],
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

export function bertTrunk(checkpoint: SafetensorsFile, trunk: TrunkShape): PretrainedTrunk {
  const prefix = checkpoint.has('bert.embeddings.word_embeddings.weight') ? 'bert.' : '';
  const file = checkpoint.file;
  const loaded = new Set<string>();
  const values = new Map<string, Float32Array>();
  const { dModel: d, feedForwardUnits: ff } = trunk;

  /** A tensor's values, its shape checked against `expected` (the checkpoint's layout), `why` naming the sizes. */
  const read = (name: string, expected: number[], why: string): Float32Array => {
    const full = [`${prefix}${name}`, `${prefix}${name.replace(/\.weight$/, '.gamma').replace(/\.bias$/, '.beta')}`].find((n) => checkpoint.has(n));
    if (full === undefined) {
      const hint = layerHint(checkpoint, prefix, name);
      throw new CheckpointError(`${file}: no tensor "${prefix}${name}" (a BERT checkpoint has it${hint})`, hint ? ['model', 'layers'] : undefined);
    }
    const shape = checkpoint.entries.get(full)!.shape;
    if (shapeText(shape) !== shapeText(expected)) throw new CheckpointError(`${file}: tensor "${full}" has shape ${shapeText(shape)}, the trunk needs ${shapeText(expected)} (${why})`);
    loaded.add(full);
    return checkpoint.float32(full);
  };
  const linear = (name: string, target: string, inputs: number, outputs: number, why: string) => {
    values.set(`${target}/w`, transpose(read(`${name}.weight`, [outputs, inputs], why), outputs, inputs));
    values.set(`${target}/b`, read(`${name}.bias`, [outputs], why.split(' × ')[0]));
  };
  const norm = (name: string, target: string) => {
    values.set(`${target}/gamma`, read(`${name}.weight`, [d], 'model.dModel'));
    values.set(`${target}/beta`, read(`${name}.bias`, [d], 'model.dModel'));
  };

  values.set('embedding/tokens', tokenTable(checkpoint, prefix, trunk, read));
  values.set('embedding/positions', positionTable(checkpoint, prefix, trunk, read, loaded));
  norm('embeddings.LayerNorm', 'embedding-norm');
  for (let i = 0; i < trunk.layers; i++) {
    const [from, to] = [`encoder.layer.${i}`, `block${i}`];
    for (const part of ['query', 'key', 'value']) linear(`${from}.attention.self.${part}`, `${to}/attention/${part}`, d, d, 'model.dModel × model.dModel');
    linear(`${from}.attention.output.dense`, `${to}/attention/output`, d, d, 'model.dModel × model.dModel');
    norm(`${from}.attention.output.LayerNorm`, `${to}/norm1`);
    linear(`${from}.intermediate.dense`, `${to}/ff1`, d, ff, 'model.feedForwardUnits × model.dModel');
    linear(`${from}.output.dense`, `${to}/ff2`, ff, d, 'model.dModel × model.feedForwardUnits');
    norm(`${from}.output.LayerNorm`, `${to}/norm2`);
  }
  return { file, values, loaded: [...loaded], ignored: checkpoint.names.filter((n) => !loaded.has(n)) };
}

type Read = (name: string, expected: number[], why: string) => Float32Array;

/** The word embeddings: one row per token id of the tokenizer, so the vocabulary sizes must agree. */
function tokenTable(checkpoint: SafetensorsFile, prefix: string, trunk: TrunkShape, read: Read): Float32Array {
  const name = `${prefix}embeddings.word_embeddings.weight`;
  const shape = checkpoint.entries.get(name)?.shape;
  if (shape && shape.length === 2 && shape[1] === trunk.dModel && shape[0] !== trunk.vocabSize) {
    throw new CheckpointError(`${checkpoint.file}: tensor "${name}" has ${shape[0]} rows (the checkpoint's vocabulary), the tokenizer has ${trunk.vocabSize} tokens: use the tokenizer.json that came with the checkpoint`, ['data', 'tokenizer', 'path']);
  }
  return read('embeddings.word_embeddings.weight', [trunk.vocabSize, trunk.dModel], 'the tokenizer\'s vocabulary × model.dModel');
}

/** The first `positions` position rows, each plus the type-0 token-type row when the checkpoint has one. */
function positionTable(checkpoint: SafetensorsFile, prefix: string, trunk: TrunkShape, read: Read, loaded: Set<string>): Float32Array {
  const { positions, dModel: d } = trunk;
  const name = `${prefix}embeddings.position_embeddings.weight`;
  const shape = checkpoint.entries.get(name)?.shape;
  const rows = shape?.length === 2 && shape[1] === d ? shape[0] : positions;
  if (rows < positions) throw new CheckpointError(`${checkpoint.file}: tensor "${name}" has ${rows} positions, fewer than the ${positions} tokens of an example: lower data.tokenizer.maxLength to at most ${rows}`, ['data', 'tokenizer', 'maxLength']);
  const table = read('embeddings.position_embeddings.weight', [rows, d], 'positions × model.dModel').slice(0, positions * d);
  const typeName = `${prefix}embeddings.token_type_embeddings.weight`;
  const types = checkpoint.entries.get(typeName);
  if (types) {
    if (types.shape.length !== 2 || types.shape[1] !== d) throw new CheckpointError(`${checkpoint.file}: tensor "${typeName}" has shape ${shapeText(types.shape)}, the trunk needs [types, ${d}] (model.dModel)`);
    const typeZero = checkpoint.float32(typeName).subarray(0, d);
    for (let p = 0; p < positions; p++) for (let j = 0; j < d; j++) table[p * d + j] += typeZero[j];
    loaded.add(typeName);
  }
  return table;
}

/** `[rows, cols]` row-major → `[cols, rows]`. */
function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** For a missing layer: how many layers the checkpoint has (model.layers may be too many). */
function layerHint(checkpoint: SafetensorsFile, prefix: string, name: string): string {
  const layer = /^encoder\.layer\.(\d+)\./.exec(name);
  if (!layer) return '';
  const pattern = new RegExp(`^${prefix.replace('.', '\\.')}encoder\\.layer\\.(\\d+)\\.`);
  const count = new Set(checkpoint.names.map((n) => pattern.exec(n)?.[1]).filter((i) => i !== undefined)).size;
  return Number(layer[1]) < count ? '' : `; the checkpoint has ${count} layers, model.layers asks for at least ${Number(layer[1]) + 1}`;
}
