// Where a step of bench/transformer.ts's encoder goes on wasm: CPU time per step, then one step's kernel time by
// kernel and, for products and transposes, by shape (not part of the benchmark suite).
//   node --import tsx bench/profile-transformer.ts [steps]
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/training/backend/select';
import { BATCH, benchEncoder, TOKENS } from './transformerEncoder';

(async () => {
  await selectBackend('wasm');
  const { step } = benchEncoder();
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
  for (const k of prof.kernels.filter((k) => /^(BatchMatMul|Transpose|MtlSimd)/.test(k.name))) {
    const key = `${k.name} ${k.inputShapes.map((s) => (s ? s.join('x') : '?')).join(' · ')}`;
    const e = mm.get(key) ?? { n: 0, ms: 0 };
    e.n++; e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    mm.set(key, e);
  }
  for (const [k, v] of [...mm.entries()].sort((a, b) => b[1].ms - a[1].ms)) console.log(`${k.padEnd(50)} ${String(v.n).padStart(3)} ${v.ms.toFixed(1).padStart(7)} ms  ${(v.ms / v.n).toFixed(2)} ms each`);
  // "forward" is a customGrad's wrapper: its time includes the kernels it ran, so the total counts those twice.
  console.log(`kernels ${prof.kernels.length}, kernel time ${total.toFixed(1)} ms`);
  for (const [k, v] of [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) console.log(`${k.padEnd(24)} ${String(v.n).padStart(4)} ${v.ms.toFixed(1).padStart(7)} ms ${((100 * v.ms) / total).toFixed(1)}%`);
})();
// (appended) BatchMatMul by shapes
