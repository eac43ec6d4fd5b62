/**
 * Checkpoints: every tensor that matters (model and weighting parameters, optimiser slots) in one
 * binary file, and the position, optimiser step count and weighting state in `state.json`. Written to
 * a temporary directory and renamed into place, so a crash mid-write never leaves a half checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Trainer, TrainerPosition } from './trainer';

const STATE_FILE = 'state.json';
const TENSOR_FILE = 'tensors.bin';

interface TensorEntry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

interface CheckpointState {
  version: 1;
  position: TrainerPosition;
  optimizerIterations: number;
  weighting: unknown;
  tensors: TensorEntry[];
}

function namedTensors(trainer: Trainer): Map<string, tf.Variable> {
  const all = new Map<string, tf.Variable>();
  for (const p of trainer.params) all.set(`param/${p.name}`, p.variable);
  for (const [key, v] of trainer.optimizer.slots()) all.set(`slot/${key}`, v);
  return all;
}

export function saveCheckpoint(trainer: Trainer, dir: string): void {
  const tensors = namedTensors(trainer);
  const entries: TensorEntry[] = [];
  let total = 0;
  for (const [name, v] of tensors) {
    entries.push({ name, shape: v.shape, offset: total, length: v.size });
    total += v.size;
  }
  const data = new Float32Array(total);
  for (const e of entries) data.set(tensors.get(e.name)!.dataSync() as Float32Array, e.offset);
  const state: CheckpointState = {
    version: 1,
    position: trainer.position,
    optimizerIterations: trainer.optimizer.iterations,
    weighting: trainer.weighting.getState?.() ?? null,
    tensors: entries,
  };
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(path.join(tmp, TENSOR_FILE), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  writeFileSync(path.join(tmp, STATE_FILE), JSON.stringify(state, null, 1));
  const old = `${dir}.old-${process.pid}`;
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}

export function hasCheckpoint(dir: string): boolean {
  return existsSync(path.join(dir, STATE_FILE)) && existsSync(path.join(dir, TENSOR_FILE));
}

/** Restores a trainer built from the same resolved config; throws if the checkpoint does not fit it. */
export function loadCheckpoint(trainer: Trainer, dir: string): void {
  const state = JSON.parse(readFileSync(path.join(dir, STATE_FILE), 'utf8')) as CheckpointState;
  if (state.version !== 1) throw new Error(`checkpoint ${dir}: unsupported version ${String(state.version)}`);
  const buf = readFileSync(path.join(dir, TENSOR_FILE));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const tensors = namedTensors(trainer);
  const byName = new Map(state.tensors.map((e) => [e.name, e]));
  for (const [name, v] of tensors) {
    const e = byName.get(name);
    if (!e) throw new Error(`checkpoint ${dir}: no tensor "${name}" (the config changed since the run started?)`);
    if (e.shape.join('x') !== v.shape.join('x')) throw new Error(`checkpoint ${dir}: "${name}" has shape [${e.shape}], the model expects [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(data.subarray(e.offset, e.offset + e.length), e.shape)));
  }
  trainer.position = { ...state.position };
  trainer.optimizer.iterations = state.optimizerIterations;
  trainer.weighting.setState?.(state.weighting);
}
