// Quick profile of one bench/transformer.ts step: kernel time by kernel name (not part of the benchmark suite).
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/training/backend/select';
import { parseExperimentText } from '../src/training/config/parse';
import type { Dataset, ResolvedTask, Split } from '../src/training/data/dataset';
import { BatchSampler } from '../src/training/data/sampler';
import { makeBatch } from '../src/training/engine/losses';
import { Trainer } from '../src/training/engine/trainer';

const [D, LAYERS, HEADS, TOKENS, BATCH, VOCAB] = [128, 2, 4, 64, 32, 8000];
(async () => {
  await selectBackend('wasm');
  const tasks: ResolvedTask[] = [{ name: 'a', type: 'classification', outputs: 10, classes: 10 }];
  const x = Int32Array.from({ length: BATCH * TOKENS }, (_, i) => 1 + ((i * 7919) % (VOCAB - 1)));
  const split: Split = { size: BATCH, x, labels: { a: { values: Float32Array.from({ length: BATCH }, (_, i) => i % 10), mask: new Uint8Array(BATCH).fill(1) } } };
  const data: Dataset = { inputDim: TOKENS, featureNames: [], vocabSize: VOCAB, tasks, train: split, validation: { ...split, size: 0 }, trainForEpoch: () => split, describe: 'random ids' };
  const text = { name: 'bench', data: { source: 'csv', path: 'x.csv', text: 't', tokenizer: { maxLength: TOKENS } }, tasks: [{ name: 'a', type: 'classification', target: 'a' }], model: { architecture: 'transformer', dModel: D, layers: LAYERS, heads: HEADS, feedForwardUnits: 4 * D, taskUnits: [] } };
  const config = parseExperimentText(JSON.stringify(text), 'bench.mtl.json');
  const trainer = new Trainer(config, data, new BatchSampler(data.train, data.tasks, config.training, config.seed));
  const rows = Int32Array.from({ length: BATCH }, (_, i) => i);
  const step = (s: number) => {
    const batch = makeBatch(data.train, TOKENS, data.tasks, rows);
    trainer.trainStep(batch, { step: s, epoch: 0, stepInEpoch: s, stepsPerEpoch: 1 }, s, false);
    batch.x.dispose();
    batch.tasks.forEach((t) => t.target.dispose());
  };
  for (let s = 0; s < 3; s++) step(s);
  const n = Number(process.argv[2] ?? 10);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = 3; s < 3 + n; s++) step(s);
  const cpu = process.cpuUsage(c0);
  console.log(`step: ${((performance.now() - t0) / n).toFixed(1)} ms wall, ${((cpu.user + cpu.system) / 1000 / n).toFixed(1)} ms CPU; ${((n * BATCH * TOKENS) / ((cpu.user + cpu.system) / 1e6)).toFixed(0)} tokens/CPU-s`);
  const prof = await tf.profile(() => step(100));
  const byName = new Map<string, { n: number; ms: number }>();
  let total = 0;
  for (const k of prof.kernels) {
    const e = byName.get(k.name) ?? { n: 0, ms: 0 };
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.n++; e.ms += ms; total += ms;
    byName.set(k.name, e);
  }
  const mm = new Map<string, { n: number; ms: number }>();
  for (const k of prof.kernels.filter((k) => k.name === 'BatchMatMul' || k.name === 'Transpose')) {
    const key = `${k.name} ${k.inputShapes.map((s) => (s ? s.join('x') : '?')).join(' · ')}`;
    const e = mm.get(key) ?? { n: 0, ms: 0 };
    e.n++; e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    mm.set(key, e);
  }
  for (const [k, v] of [...mm.entries()].sort((a, b) => b[1].ms - a[1].ms)) console.log(`${k.padEnd(50)} ${String(v.n).padStart(3)} ${v.ms.toFixed(1).padStart(7)} ms  ${(v.ms / v.n).toFixed(2)} ms each`);
  console.log(`kernels ${prof.kernels.length}, kernel time ${total.toFixed(1)} ms`);
  for (const [k, v] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) console.log(`${k.padEnd(24)} ${String(v.n).padStart(4)} ${v.ms.toFixed(1).padStart(7)} ms ${((100 * v.ms) / total).toFixed(1)}%`);
})();
// (appended) BatchMatMul by shapes
