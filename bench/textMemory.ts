/**
 * Peak memory of training on the shipped Debian dataset (examples/debian-hard-sharing.mtl.json): what the worker
 * does — load the data (parse, split, train the WordPiece tokenizer, tokenise), then train — each scenario in a
 * fresh Node process so that its peak resident set (VmHWM, /proc/self/status) is that run's alone.
 *
 *   node --import tsx bench/textMemory.ts [steps=150]
 *
 * Scenarios: the whole file (63 692 texts) and its first quarter, each at batch 32 and 128, `steps` training
 * steps and one validation pass each on the WebAssembly backend. Each child prints the resident set and the
 * peak after loading and after training, the bytes of the tokenised splits and label arrays, the live tensors
 * and the WebAssembly heap.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

const root = path.resolve(__dirname, '..');
const EXAMPLE = path.join(root, 'examples', 'debian-hard-sharing.mtl.json');

/** VmRSS and VmHWM of this process, and the V8 heap in use, in MB. */
function memory(): { rss: number; peak: number; heap: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024, heap: process.memoryUsage().heapUsed / 2 ** 20 };
}

async function child(rows: string, batch: number, steps: number): Promise<void> {
  const { selectBackend } = await import('../src/training/backend/select');
  const { loadExperimentConfig } = await import('../src/training/config/load');
  const { loadDataset } = await import('../src/training/data/load');
  const { BatchSampler } = await import('../src/training/data/sampler');
  const { Trainer } = await import('../src/training/engine/trainer');
  const tf = await import('@tensorflow/tfjs-core');
  await selectBackend('wasm');
  const overrides = [`training.batchSize=${batch}`, 'training.evalEvery=100000'];
  if (rows !== 'all') overrides.push(`data.path=${JSON.stringify(rows)}`);
  const { config } = await loadExperimentConfig(EXAMPLE, overrides);
  const start = memory();
  const dataset = await loadDataset(config, path.dirname(EXAMPLE));
  (globalThis as { gc?: () => void }).gc?.();
  const loaded = memory();
  const splitBytes = (s: typeof dataset.train) => s.x.byteLength + Object.values(s.labels).reduce((n, l) => n + l.values.byteLength + l.mask.byteLength + (l.sets?.byteLength ?? 0), 0);
  const trainer = new Trainer(config, dataset, new BatchSampler(dataset.train, dataset.tasks, config.training, config.seed));
  const tensors: number[] = [];
  await trainer.run({ onRecord: () => {}, shouldStop: () => (tensors.push(tf.memory().numTensors), trainer.position.step >= steps) });
  // One validation pass, as every evalEvery steps and epoch end (whether or not the steps reached one).
  trainer.evaluate(dataset.validation);
  (globalThis as { gc?: () => void }).gc?.();
  const trained = memory();
  console.log(
    JSON.stringify({
      texts: dataset.train.size + dataset.validation.size,
      batch,
      steps: trainer.position.step,
      tokenArray: dataset.train.x.constructor.name,
      dataMB: (splitBytes(dataset.train) + splitBytes(dataset.validation)) / 2 ** 20,
      startRss: start.rss,
      loadedRss: loaded.rss,
      loadedHeap: loaded.heap,
      trainedHeap: trained.heap,
      loadPeak: loaded.peak,
      trainedRss: trained.rss,
      tensorsAtStep10: tensors[10],
      tensorsAtEnd: tf.memory().numTensors,
      wasmMB: ((tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.byteLength ?? 0) / 2 ** 20,
      peak: trained.peak,
    }),
  );
}

function parent(steps: number): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-text-memory-'));
  try {
    const lines = gunzipSync(readFileSync(path.join(root, 'examples', 'data', 'debian-packages.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean);
    const quarter = path.join(dir, 'quarter.jsonl');
    writeFileSync(quarter, lines.slice(0, Math.round(lines.length / 4)).join('\n') + '\n');
    console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${new Date().toISOString()}`);
    console.log('| texts | batch | steps | token ids | data arrays (MB) | V8 heap after load (MB) | RSS after load (MB) | peak while loading (MB) | tensors (step 10 → end) | wasm heap (MB) | RSS after training (MB) | peak (MB) |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const rows of ['all', quarter]) {
      for (const batch of [32, 128]) {
        const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--child', rows, String(batch), String(steps)], { cwd: root, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(r.stderr);
        const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number | string>;
        const f = (v: number | string) => (typeof v === 'number' ? v.toFixed(0) : v);
        console.log(`| ${m.texts} | ${m.batch} | ${m.steps} | ${m.tokenArray} | ${(m.dataMB as number).toFixed(1)} | ${f(m.loadedHeap)} | ${f(m.loadedRss)} | ${f(m.loadPeak)} | ${m.tensorsAtStep10} → ${m.tensorsAtEnd} | ${f(m.wasmMB)} | ${f(m.trainedRss)} | ${f(m.peak)} |`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args[0] === '--child') void child(args[1], Number(args[2]), Number(args[3]));
else parent(Number(args[0] ?? 150));
