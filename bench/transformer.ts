/**
 * Transformer training throughput (`npm run bench:transformer`): tokens per CPU-second training the same encoder
 * (d = 128, 2 pre-LN layers, 4 heads, 64 tokens, batch 32, vocabulary 8000, mean pooling, one 10-class head,
 * Adam) with our Trainer on the WebAssembly backend and with PyTorch on one thread (bench/transformer_reference.py,
 * Debian's python3-torch). Rounds alternate (ours, PyTorch, ours, …) so load from other processes hits both
 * alike; each figure is the median over the rounds. CPU time, not wall time: on a shared machine the wall clock
 * mostly measures the neighbours.
 *
 * Environment: BENCH_TORCH_PYTHON (default /usr/bin/python3), BENCH_TORCH_BLAS_DIR (a directory with an optimised
 * libblas.so.3, e.g. OpenBLAS: PyTorch is run a second time with it, as in bench/train.ts), BENCH_ROUNDS (default
 * 3), BENCH_STEPS (default 5).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { selectBackend } from '../src/training/backend/select';
import { BATCH, benchEncoder, D, HEADS, LAYERS, TOKENS, VOCAB } from './transformerEncoder';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STEPS = Number(process.env.BENCH_STEPS ?? 5);
const PYTHON = process.env.BENCH_TORCH_PYTHON ?? '/usr/bin/python3';
const BLAS_DIR = process.env.BENCH_TORCH_BLAS_DIR;

/** Tokens per CPU-second of STEPS training steps of our Trainer (after one warm-up step). */
function ours(encoder: ReturnType<typeof benchEncoder>): number {
  encoder.step(0);
  const start = process.cpuUsage();
  for (let s = 1; s <= STEPS; s++) encoder.step(s);
  const used = process.cpuUsage(start);
  return (STEPS * BATCH * TOKENS) / ((used.user + used.system) / 1e6);
}

function torch(blasDir?: string): number {
  const script = path.join(__dirname, 'transformer_reference.py');
  // One thread on both sides: torch.set_num_threads(1) does not reach OpenBLAS's own pthread pool, whose idle
  // threads spin and would be charged to PyTorch's CPU time.
  const oneThread = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  const env = blasDir ? { ...oneThread, LD_LIBRARY_PATH: blasDir } : oneThread;
  const out = JSON.parse(execFileSync(PYTHON, [script, ...[D, LAYERS, HEADS, TOKENS, BATCH, VOCAB, STEPS].map(String)], { encoding: 'utf8', env })) as { steps: number; cpu: number };
  return (out.steps * BATCH * TOKENS) / out.cpu;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

(async () => {
  const backend = await selectBackend('wasm');
  const encoder = benchEncoder();
  const [ourRates, torchRates, blasRates] = [[] as number[], [] as number[], [] as number[]];
  for (let r = 0; r < ROUNDS; r++) {
    ourRates.push(ours(encoder));
    torchRates.push(torch());
    if (BLAS_DIR) blasRates.push(torch(BLAS_DIR));
    console.log(`round ${r + 1}: ours ${ourRates[r].toFixed(0)} tokens/CPU-s, PyTorch ${torchRates[r].toFixed(0)}${BLAS_DIR ? `, PyTorch+BLAS ${blasRates[r].toFixed(0)}` : ''}`);
  }
  const ratio = (theirs: number[]) => median(ourRates) / median(theirs);
  console.log(`${backend.message}; d=${D}, ${LAYERS} layers, ${HEADS} heads, ${TOKENS} tokens, batch ${BATCH}: ours ${median(ourRates).toFixed(0)} tokens/CPU-s`);
  console.log(`PyTorch (1 thread) ${median(torchRates).toFixed(0)}: ours / PyTorch ${ratio(torchRates).toFixed(2)}×`);
  if (BLAS_DIR) console.log(`PyTorch + ${BLAS_DIR} ${median(blasRates).toFixed(0)}: ours / PyTorch+BLAS ${ratio(blasRates).toFixed(2)}×`);
})();
