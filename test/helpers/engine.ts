/** Test helpers: resolved configs from partial objects, in-memory datasets, a trainer run collecting records, and a numbers check. */
import assert from 'node:assert/strict';
import { parseExperimentText } from '../../src/training/config/parse';
import type { ExperimentConfig } from '../../src/training/config/schema';
import type { Dataset, ResolvedTask, Split } from '../../src/training/data/dataset';
import { BatchSampler } from '../../src/training/data/sampler';
import { Trainer, type TrainOutcome } from '../../src/training/engine/trainer';
import type { MetricRecord } from '../../src/training/run/records';

export function config(partial: Record<string, unknown>): ExperimentConfig {
  const base = {
    name: 'test',
    seed: 7,
    data: { source: 'synthetic', generator: 'mmoe', samples: 400, inputDim: 8, validationSplit: 0.25 },
    tasks: [
      { name: 'a', type: 'regression' },
      { name: 'b', type: 'regression' },
    ],
    model: { architecture: 'hard', sharedUnits: [16], taskUnits: [8] },
    training: { epochs: 2, batchSize: 32, evalEvery: 1000 },
    backend: 'cpu',
  };
  const merged: Record<string, unknown> = { ...base, ...partial };
  for (const key of ['data', 'model', 'training', 'loss', 'optimizer'] as const) {
    if (partial[key] && (base as Record<string, unknown>)[key]) merged[key] = { ...((base as Record<string, unknown>)[key] as object), ...(partial[key] as object) };
  }
  return parseExperimentText(JSON.stringify(merged), 'test.mtl.json');
}

/** The model section of a text config (CSV with a text column) with these model settings. */
export function transformerConfig(model: Record<string, unknown>): ExperimentConfig['model'] {
  const text = { name: 't', data: { source: 'csv', path: 'x.csv', text: 't' }, tasks: [{ name: 'a', type: 'regression', target: 'a' }], model: { architecture: 'transformer', ...model } };
  return parseExperimentText(JSON.stringify(text), 'x.mtl.json').model;
}

/** A dataset from plain arrays: `x[i]` rows, `labels[task][i]` (null = missing). */
export function arrayDataset(
  tasks: ResolvedTask[],
  train: { x: number[][]; labels: Record<string, (number | null)[]> },
  validation?: { x: number[][]; labels: Record<string, (number | null)[]> },
): Dataset {
  const toSplit = (s: { x: number[][]; labels: Record<string, (number | null)[]> }): Split => ({
    size: s.x.length,
    x: Float32Array.from(s.x.flat()),
    labels: Object.fromEntries(
      tasks.map((t) => [t.name, { values: Float32Array.from(s.labels[t.name].map((v) => v ?? 0)), mask: Uint8Array.from(s.labels[t.name].map((v) => (v === null ? 0 : 1))) }]),
    ),
  });
  const trainSplit = toSplit(train);
  const validationSplit = validation ? toSplit(validation) : { size: 0, x: new Float32Array(0), labels: Object.fromEntries(tasks.map((t) => [t.name, { values: new Float32Array(0), mask: new Uint8Array(0) }])) };
  return {
    inputDim: train.x[0].length,
    featureNames: train.x[0].map((_, i) => `x${i}`),
    tasks,
    train: trainSplit,
    validation: validationSplit,
    trainForEpoch: () => trainSplit,
    describe: 'in-memory test data',
  };
}

export async function train(cfg: ExperimentConfig, dataset: Dataset, shouldStop: (step: number) => boolean = () => false): Promise<{ trainer: Trainer; records: MetricRecord[]; outcome: TrainOutcome }> {
  const trainer = new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
  const records: MetricRecord[] = [];
  const outcome = await trainer.run({ onRecord: (r) => records.push(r), shouldStop: () => shouldStop(trainer.position.step) });
  return { trainer, records, outcome };
}

/** Normal draws from a seeded generator (Box–Muller on a tiny LCG), for data the tests build themselves. */
export function normals(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

/** Asserts two vectors agree entry by entry within `tol` (absolute), naming both when they do not. */
export function assertClose(actual: readonly number[], expected: readonly number[], tol: number): void {
  assert.ok(actual.length === expected.length && actual.every((v, k) => Math.abs(v - expected[k]) <= tol), `${actual} vs ${expected}`);
}
