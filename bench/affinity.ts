/**
 * The cost of measuring inter-task affinity (training.affinityEvery, docs/methods.md): the affinity-pairs example
 * (K = 4 tasks) trained with affinity off, every 25 and every 5 steps (the example logs every 5th step; affinity is
 * measured on logged steps), in this process on the WebAssembly backend, in alternating rounds so that a change in
 * the machine's load hits every setting alike. The reference is the same run with affinity off, measured in the same
 * rounds.
 *
 *   node --import tsx bench/affinity.ts [rounds=3] [epochs=20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runExperiment } from '../src/training/run/runExperiment';

const root = path.resolve(__dirname, '..');
const EXAMPLE = path.join(root, 'examples', 'affinity-pairs.mtl.json');
const SETTINGS = [0, 25, 5] as const;

async function timedRun(runsDir: string, every: number, epochs: number): Promise<{ steps: number; seconds: number }> {
  const start = process.hrtime.bigint();
  const result = await runExperiment(
    { configPath: EXAMPLE, runsDir, overrides: [`training.affinityEvery=${every}`, `training.epochs=${epochs}`, 'training.evalEvery=100000'], backend: 'wasm' },
    { shouldStop: () => false },
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.info?.status !== 'completed') throw new Error(`affinityEvery ${every}: the run ended ${result.info?.status}: ${result.info?.error?.message ?? ''}`);
  return { steps: result.info.step, seconds };
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const epochs = Number(process.argv[3] ?? 20);
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'mtl-bench-affinity-'));
  const rates = new Map<number, number[]>(SETTINGS.map((s) => [s, []]));
  try {
    await timedRun(runsDir, 0, 1); // warm-up: the backend's compilation and the first kernels
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? SETTINGS : [...SETTINGS].reverse();
      for (const every of order) {
        const { steps, seconds } = await timedRun(runsDir, every, epochs);
        rates.get(every)!.push(steps / seconds);
      }
    }
  } finally {
    rmSync(runsDir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const off = median(rates.get(0)!);
  console.log(`affinity-pairs (K = 4), ${epochs} epochs, WebAssembly, ${rounds} alternating rounds; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const every of SETTINGS) {
    const r = rates.get(every)!;
    const label = every === 0 ? 'affinity off (reference)' : `affinityEvery ${every}`;
    console.log(`${label.padEnd(26)} ${r.map((x) => x.toFixed(0)).join(' / ')} steps/s; median ${median(r).toFixed(0)}, ${(off / median(r)).toFixed(2)}× the time of a step without`);
  }
}

void main();
