/**
 * The transposed-matmul trap on tfjs-wasm (docs/DEVELOPERS.md): the same product computed with
 * `tf.matMul`'s transpose flags and with an explicit `tf.transpose` followed by an untransposed
 * matmul, at the shapes of the article model's gradients. CPU time per product (median of rounds).
 *
 *   node --import tsx bench/matmul-transpose.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/training/backend/select';

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function timeIt(f: () => void, budgetMs: number): number {
  f();
  const start = cpuMs();
  let n = 0;
  while (cpuMs() - start < budgetMs || n < 2) {
    f();
    n++;
  }
  return (cpuMs() - start) / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

interface Case {
  what: string;
  /** a, b as stored; the product wanted is op(a)·op(b). */
  a: [number, number];
  b: [number, number];
  transposeA: boolean;
  transposeB: boolean;
}

// dW = xᵀ·dz and dx = dz·Wᵀ of the shared layer and a head, at both benchmark sizes.
const CASES: Case[] = [
  { what: 'large, shared dW = xᵀ·dz', a: [256, 512], b: [256, 1024], transposeA: true, transposeB: false },
  { what: 'large, head dW = hᵀ·dz', a: [256, 1024], b: [256, 20], transposeA: true, transposeB: false },
  { what: 'large, head dx = dz·Wᵀ', a: [256, 20], b: [1024, 20], transposeA: false, transposeB: true },
  { what: 'large, hidden dx = dz·Wᵀ (512×1024 W)', a: [256, 1024], b: [512, 1024], transposeA: false, transposeB: true },
  { what: 'small, shared dW = xᵀ·dz', a: [32, 100], b: [32, 50], transposeA: true, transposeB: false },
  { what: 'small, head dW = hᵀ·dz', a: [32, 50], b: [32, 20], transposeA: true, transposeB: false },
  { what: 'small, head dx = dz·Wᵀ', a: [32, 20], b: [50, 20], transposeA: false, transposeB: true },
];

async function main(): Promise<void> {
  await selectBackend((process.argv[2] as 'wasm' | 'cpu' | undefined) ?? 'wasm');
  const rounds = 3;
  console.log(`backend ${tf.getBackend()}; CPU ms per product, median of ${rounds} rounds\n`);
  console.log('| product | shapes | flags | explicit transpose + matmul | untransposed forward-style product, same FLOPs | flags / explicit |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const c of CASES) {
    const a = tf.randomNormal(c.a, 0, 1, 'float32', 1);
    const b = tf.randomNormal(c.b, 0, 1, 'float32', 2);
    // The same product with operands stored the way it needs them: the speed an untransposed product gets.
    const aPlain = c.transposeA ? tf.transpose(a) : a;
    const bPlain = c.transposeB ? tf.transpose(b) : b;
    // Multiply-adds: rows of op(a) × inner dimension × columns of op(b).
    const [rows, inner] = c.transposeA ? [c.a[1], c.a[0]] : c.a;
    const cols = c.transposeB ? c.b[0] : c.b[1];
    const m = rows * inner * cols;
    const budget = m > 1e7 ? 600 : 200;
    const flags: number[] = [];
    const explicit: number[] = [];
    const plain: number[] = [];
    for (let r = 0; r < rounds; r++) {
      flags.push(timeIt(() => tf.tidy(() => void tf.matMul(a, b, c.transposeA, c.transposeB).dataSync()), budget));
      explicit.push(timeIt(() => tf.tidy(() => void tf.matMul(c.transposeA ? tf.transpose(a) : a, c.transposeB ? tf.transpose(b) : b).dataSync()), budget));
      plain.push(timeIt(() => tf.tidy(() => void tf.matMul(aPlain, bPlain).dataSync()), budget));
    }
    const gflops = (ms: number) => `${((2 * m) / (ms * 1e6)).toFixed(1)} GFLOP/s`;
    const f = median(flags);
    const e = median(explicit);
    const p = median(plain);
    const flagName = c.transposeA ? 'transposeA' : 'transposeB';
    console.log(`| ${c.what} | [${c.a}]·[${c.b}] | ${flagName}: ${f.toFixed(3)} ms (${gflops(f)}) | ${e.toFixed(3)} ms (${gflops(e)}) | ${p.toFixed(3)} ms (${gflops(p)}) | ${(f / e).toFixed(1)}× |`);
    tf.dispose([a, b, aPlain, bPlain]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
