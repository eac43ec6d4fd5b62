/**
 * Safetensors files built by hand, as the format describes them (8-byte little-endian header length, JSON
 * header, raw little-endian data): the reader's tests and BERT-shaped checkpoints for the `model.init` tests.
 */
import { normals } from './engine';

export interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** The file of `tensors` in the given order (the header may be given as text, to break it). */
export function safetensorsBytes(tensors: Record<string, RawTensor>, header?: string): Uint8Array {
  let at = 0;
  const entries: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(tensors)) {
    entries[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [at, at + t.bytes.length] };
    at += t.bytes.length;
  }
  const json = new TextEncoder().encode(header ?? JSON.stringify(entries));
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let offset = 8 + json.length;
  for (const t of Object.values(tensors)) {
    out.set(t.bytes, offset);
    offset += t.bytes.length;
  }
  return out;
}

/** Little-endian bytes of 16-bit patterns. */
export function u16(...bits: number[]): Uint8Array {
  const b = new Uint8Array(2 * bits.length);
  bits.forEach((v, i) => new DataView(b.buffer).setUint16(2 * i, v, true));
  return b;
}

/** Little-endian bytes of float32 values. */
export function f32(...values: number[]): Uint8Array {
  const b = new Uint8Array(4 * values.length);
  values.forEach((v, i) => new DataView(b.buffer).setFloat32(4 * i, v, true));
  return b;
}

/** An F32 tensor of normal values (σ = 0.1, seeded). */
export const randomTensor = (shape: number[], seed: number): RawTensor => ({ dtype: 'F32', shape, bytes: f32(...normals(shape.reduce((a, b) => a * b, 1), seed).map((v) => 0.1 * v)) });

export interface BertSizes {
  vocab: number;
  d: number;
  ff: number;
  layers: number;
  positions: number;
}

/** Every tensor of a BERT checkpoint (`bert.` names, a pooler too) with random values, PyTorch's layouts. */
export function bertTensors({ vocab, d, ff, layers, positions }: BertSizes): Record<string, RawTensor> {
  const shapes: Record<string, number[]> = {
    'embeddings.word_embeddings.weight': [vocab, d],
    'embeddings.position_embeddings.weight': [positions, d],
    'embeddings.token_type_embeddings.weight': [2, d],
    'embeddings.LayerNorm.weight': [d],
    'embeddings.LayerNorm.bias': [d],
    'pooler.dense.weight': [d, d],
    'pooler.dense.bias': [d],
  };
  for (let i = 0; i < layers; i++) {
    const linear = (name: string, inputs: number, outputs: number) => Object.assign(shapes, { [`${name}.weight`]: [outputs, inputs], [`${name}.bias`]: [outputs] });
    const norm = (name: string) => Object.assign(shapes, { [`${name}.weight`]: [d], [`${name}.bias`]: [d] });
    for (const part of ['query', 'key', 'value']) linear(`encoder.layer.${i}.attention.self.${part}`, d, d);
    linear(`encoder.layer.${i}.attention.output.dense`, d, d);
    norm(`encoder.layer.${i}.attention.output.LayerNorm`);
    linear(`encoder.layer.${i}.intermediate.dense`, d, ff);
    linear(`encoder.layer.${i}.output.dense`, ff, d);
    norm(`encoder.layer.${i}.output.LayerNorm`);
  }
  return Object.fromEntries(Object.entries(shapes).map(([name, shape], k) => [`bert.${name}`, randomTensor(shape, 100 + k)]));
}
