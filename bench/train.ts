/**
 * Training throughput benchmark (`npm run bench:train`): steps per second of the article's
 * hard-sharing model (shared Dense + ReLU, linear 10- and 20-class heads, Adam 0.001, softmax
 * cross-entropy, equal weights) on the WebAssembly backend, side by side with
 *   - PyTorch on one thread (bench/torch_reference.py, Debian's python3-torch at /usr/bin/python3),
 *   - the same model written the ordinary TensorFlow.js way (tf.matMul/add/relu, tfjs's own gradients,
 *     tf.train.adam().minimize), same backend,
 *   - our Trainer's full step path (batch building, records, logging every step) vs its bare step.
 *
 * Every implementation is timed in interleaved rounds (A B C … A B C …) so that load from other
 * processes on a shared machine hits them alike. Rates are steps per CPU-second of the measuring
 * process (and, for reference, per wall-clock second); each figure is the median over the rounds,
 * and each ratio the median of the per-round ratios (pairs measured seconds apart share the load).
 *
 * Environment:
 *   BENCH_TORCH_PYTHON   python with torch (default /usr/bin/python3)
 *   BENCH_TORCH_BLAS_DIR a directory holding an optimised libblas.so.3 (e.g. OpenBLAS): adds a second
 *                        PyTorch column run with LD_LIBRARY_PATH pointing there (see BENCHMARKS.md)
 *   BENCH_ROUNDS         rounds per figure (default 5)
 *   BENCH_SIZES          "small", "large" or "small,large" (default both)
 */
import * as tf from '@tensorflow/tfjs-core';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { selectBackend } from '../src/training/backend/select';
import { parseExperimentText } from '../src/training/config/parse';
import type { Dataset, ResolvedTask, Split } from '../src/training/data/dataset';
import { makeBatch, type Batch } from '../src/training/engine/losses';
import { Trainer, type BatchOrder, type StepResult } from '../src/training/engine/trainer';
import { glorotUniform } from '../src/training/models/dense';
import { Rng } from '../src/training/random/rng';
import type { MetricRecord, RunInfo, TrainRecord } from '../src/training/run/records';
import { RunDirectoryWriter } from '../src/training/run/runDirectory';
import { benchWebgpu } from './webgpu';

interface Size {
  name: 'small' | 'large';
  inputs: number;
  hidden: number;
  batch: number;
  /** Seconds per timed round of one implementation. */
  seconds: number;
}

const SIZES: Size[] = [
  { name: 'small', inputs: 100, hidden: 50, batch: 32, seconds: 0.3 },
  { name: 'large', inputs: 512, hidden: 1024, batch: 256, seconds: 0.8 },
];
const CLASSES = [10, 20];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const BARE = 'ours (bare step)';
const TRAINER_LOG = 'ours (Trainer, log every step)';
const TRAINER_QUIET = 'ours (Trainer, no train records)';
const PLAIN = 'plain tfjs';
const MATMULS = "ours: the step's matrix products alone";
/** logEvery for "no train records" (only the last step would log). */
const QUIET = 1_000_000_000;
/** Extra short alternating rounds (with / without records) for the logging cost, which is small next to round-to-round noise. */
const LOG_PAIRS = Number(process.env.BENCH_LOG_PAIRS ?? 16);
/** Rows in the benchmark's training split: enough batches that an "epoch" is not trivially cached. */
const BATCHES_PER_EPOCH = 32;

/** Steps per second by the wall clock and by this process's CPU time (robust when other processes compete for the cores). */
interface Rate {
  wall: number;
  cpu: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Runs `step` for at least `seconds` (and `minSteps` steps). */
function timeSteps(step: () => void, seconds: number, minSteps = 2): Rate {
  const start = performance.now();
  const cpuStart = cpuSeconds();
  let steps = 0;
  let elapsed = 0;
  while (elapsed < seconds * 1000 || steps < minSteps) {
    step();
    steps++;
    elapsed = performance.now() - start;
  }
  return { wall: (steps * 1000) / elapsed, cpu: steps / (cpuSeconds() - cpuStart) };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------------------------------------
// Our engine

const TASKS: ResolvedTask[] = CLASSES.map((classes, k) => ({ name: `task${k + 1}`, type: 'classification', outputs: classes, classes }));

function benchDataset(size: Size): Dataset {
  const rng = new Rng(7);
  const rows = size.batch * BATCHES_PER_EPOCH;
  const x = new Float32Array(rows * size.inputs);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const labels: Split['labels'] = {};
  for (const task of TASKS) {
    const values = new Float32Array(rows);
    for (let i = 0; i < rows; i++) values[i] = rng.int(task.outputs);
    labels[task.name] = { values, mask: new Uint8Array(rows).fill(1) };
  }
  const train: Split = { size: rows, x, labels };
  // No validation rows: evaluation is not part of a training step's throughput.
  const validation: Split = { size: 0, x: new Float32Array(0), labels: Object.fromEntries(TASKS.map((t) => [t.name, { values: new Float32Array(0), mask: new Uint8Array(0) }])) };
  return { inputDim: size.inputs, featureNames: [], tasks: TASKS, train, validation, trainForEpoch: () => train, describe: 'benchmark data' };
}

function sequentialOrder(size: Size): BatchOrder {
  const batches = Array.from({ length: BATCHES_PER_EPOCH }, (_, b) => Int32Array.from({ length: size.batch }, (_, r) => b * size.batch + r));
  return { stepsPerEpoch: BATCHES_PER_EPOCH, batchesForEpoch: () => batches };
}

function makeTrainer(size: Size, logEvery: number): Trainer {
  const config = parseExperimentText(
    JSON.stringify({
      name: 'bench',
      seed: 1,
      data: { source: 'synthetic', generator: 'random', samples: 1000, inputDim: size.inputs, validationSplit: 0.2 },
      tasks: TASKS.map((t) => ({ name: t.name, type: 'classification', classes: t.classes })),
      model: { architecture: 'hard', sharedUnits: [size.hidden], taskUnits: [] },
      loss: { weighting: 'equal' },
      optimizer: { name: 'adam', learningRate: 0.001, clipNorm: null },
      training: { epochs: 1_000_000, batchSize: size.batch, logEvery, evalEvery: 1_000_000_000 },
      backend: 'wasm',
    }),
    'bench.mtl.json',
  );
  return new Trainer(config, benchDataset(size), sequentialOrder(size));
}

/** The bare step: the Trainer's own step function on a fixed batch (no batch building, no records). */
function oursBare(size: Size): { step: () => StepResult; dispose: () => void; trainer: Trainer; batch: Batch } {
  const trainer = makeTrainer(size, 1);
  const dataset = trainer.dataset;
  const batch = makeBatch(dataset.train, dataset.inputDim, dataset.tasks, sequentialOrder(size).batchesForEpoch(0)[0]);
  let step = 0;
  return {
    trainer,
    batch,
    step: () => {
      step++;
      return trainer.trainStep(batch, { step, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1 }, step, false);
    },
    dispose: () => tf.dispose([batch.x, ...batch.tasks.map((t) => t.target)]),
  };
}

/**
 * The Trainer's full path (`run()`): batch building from the split, records, the run directory's
 * metrics.jsonl writer, yielding to the event loop as the worker does. Each round runs `run()` until
 * its stop hook fires, then the next round resumes from the same position. Rounds with and without
 * train records run on the same Trainer (its `training.logEvery` is switched between rounds), so the
 * difference between them is the logging alone.
 */
class OursTrainerRun {
  readonly trainer: Trainer;
  private readonly writer: RunDirectoryWriter;
  private readonly dir: string;
  records = 0;

  constructor(size: Size) {
    this.trainer = makeTrainer(size, 1);
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-bench-'));
    const info = { id: 'bench', name: 'bench', status: 'running' } as unknown as RunInfo;
    this.writer = RunDirectoryWriter.create(this.dir, info, {});
  }

  async round(seconds: number, logEvery: number, minSteps = 2): Promise<Rate> {
    this.trainer.config.training.logEvery = logEvery;
    const startStep = this.trainer.position.step;
    const start = performance.now();
    const cpuStart = cpuSeconds();
    await this.trainer.run({
      onRecord: (r: MetricRecord) => {
        this.records++;
        this.writer.append(r);
      },
      shouldStop: () => performance.now() - start >= seconds * 1000 && this.trainer.position.step - startStep >= minSteps,
      yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
    });
    const steps = this.trainer.position.step - startStep;
    return { wall: (steps * 1000) / (performance.now() - start), cpu: steps / (cpuSeconds() - cpuStart) };
  }

  /**
   * CPU milliseconds per train record for the logging work alone — building the record as the Trainer
   * does, and the run directory writer (JSON, appends to metrics.jsonl) — from a real step's result.
   * Deterministic enough to compare with a step's time where the paired rounds are too noisy.
   */
  recordCostMs(result: StepResult, records: number): number {
    const trainRecord = (this.trainer as unknown as { trainRecord?(step: number, epoch: number, r: StepResult, sps: number, c: undefined): TrainRecord }).trainRecord;
    if (!trainRecord) return NaN; // an engine from before the record builder was its own method
    const build = trainRecord.bind(this.trainer);
    const start = cpuSeconds();
    for (let i = 0; i < records; i++) this.writer.append(build(i + 1, 0, result, 12345, undefined));
    this.writer.flush();
    return ((cpuSeconds() - start) * 1000) / records;
  }

  dispose(): void {
    this.writer.flush();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The matrix products of one step alone, as our engine runs them (forward x·W, then per layer
 * transpose(x)·dz and dz·transpose(W); no dx for the first layer): what a step would cost if every
 * other kernel and all bookkeeping were free.
 */
function matmulsOnly(size: Size): { step: () => void; dispose: () => void } {
  const r = (shape: [number, number], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor2D;
  const x = r([size.batch, size.inputs], 1);
  const w1 = r([size.inputs, size.hidden], 2);
  const h = r([size.batch, size.hidden], 3);
  const dz1 = r([size.batch, size.hidden], 4);
  const heads = CLASSES.map((c, k) => ({ w: r([size.hidden, c], 10 + k), dz: r([size.batch, c], 20 + k) }));
  return {
    step: () =>
      tf.tidy(() => {
        tf.matMul(x, w1);
        for (const head of heads) tf.matMul(h, head.w);
        tf.matMul(tf.transpose(x), dz1);
        for (const head of heads) {
          tf.matMul(tf.transpose(h), head.dz);
          tf.matMul(head.dz, tf.transpose(head.w));
        }
      }),
    dispose: () => tf.dispose([x, w1, h, dz1, ...heads.flatMap((hd) => [hd.w, hd.dz])]),
  };
}

// ---------------------------------------------------------------------------------------------
// The ordinary TensorFlow.js way

function plainTfjs(size: Size): { step: () => void; dispose: () => void } {
  const rng = new Rng(3);
  const v = (values: Float32Array, shape: number[]) => tf.variable(tf.tensor(values, shape));
  const w1 = v(glorotUniform(rng, size.inputs, size.hidden), [size.inputs, size.hidden]);
  const b1 = tf.variable(tf.zeros([size.hidden]));
  const heads = CLASSES.map((c) => ({ w: v(glorotUniform(rng, size.hidden, c), [size.hidden, c]), b: tf.variable(tf.zeros([c])) }));
  const x = tf.randomUniform([size.batch, size.inputs], 0, 1, 'float32', 11);
  const targets = CLASSES.map((c, k) => tf.oneHot(tf.randomUniform([size.batch], 0, c, 'int32', 12 + k) as tf.Tensor1D, c));
  // tfjs's default ε is 1e-7; PyTorch's (and ours) is 1e-8.
  const optimizer = tf.train.adam(0.001, 0.9, 0.999, 1e-8);
  return {
    step: () => {
      const cost = optimizer.minimize(() => {
        const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
        const losses = heads.map((head, k) => tf.losses.softmaxCrossEntropy(targets[k], tf.add(tf.matMul(h, head.w), head.b)));
        return tf.addN(losses) as tf.Scalar;
      }, true);
      cost!.dataSync();
      cost!.dispose();
    },
    dispose: () => {
      optimizer.dispose();
      tf.dispose([w1, b1, x, ...targets, ...heads.flatMap((h) => [h.w, h.b])]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PyTorch (child process, JSON lines)

interface TorchInfo {
  torch: string;
  blas: string;
  libblas: string;
  threads: number;
  /** "cuda" or "cpu" (`--device cuda` asks for CUDA). */
  device: string;
}

class TorchReference {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly queue: ((line: string) => void)[] = [];
  private stderr = '';
  info!: TorchInfo;

  constructor(python: string, env: NodeJS.ProcessEnv, args: string[] = []) {
    this.child = spawn(python, [path.join(__dirname, 'torch_reference.py'), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    // A missing interpreter (ENOENT) arrives as an 'error' event; report it as the process ending.
    this.child.on('error', (error) => {
      this.stderr += error.message;
      this.child.emit('exit', null);
    });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.queue.shift()?.(line));
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`torch_reference.py exited (${code}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`));
      this.child.once('exit', onExit);
      this.queue.push((line) => {
        this.child.off('exit', onExit);
        resolve(JSON.parse(line) as Record<string, unknown>);
      });
    });
  }

  async start(): Promise<TorchInfo> {
    this.info = (await this.next()) as unknown as TorchInfo;
    return this.info;
  }

  async round(size: Size, seconds: number, minSteps = 2): Promise<Rate> {
    const reply = this.next();
    this.child.stdin.write(JSON.stringify({ inputs: size.inputs, hidden: size.hidden, batch: size.batch, seconds, minSteps }) + '\n');
    const { steps, seconds: elapsed, cpuSeconds: cpu } = (await reply) as { steps: number; seconds: number; cpuSeconds: number };
    return { wall: steps / elapsed, cpu: steps / cpu };
  }

  close(): void {
    this.child.stdin.end(JSON.stringify({ quit: true }) + '\n');
  }
}

async function startTorch(label: string, python: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ label: string; torch: TorchReference } | { label: string; error: string }> {
  try {
    const torch = new TorchReference(python, env, args);
    await torch.start();
    return { label, torch };
  } catch (error) {
    return { label, error: (error as Error).message };
  }
}

// ---------------------------------------------------------------------------------------------
// Where the time goes

interface KernelProfile {
  kernels: number;
  byName: [string, number, number][];
  matmulMs: number;
  totalKernelMs: number;
  /** Wall-clock time per step while profiling (kernel times are wall-clock too; the profiler adds a little). */
  stepMs: number;
}

/**
 * Kernels per step and the time inside them, from tfjs's profiler over a few steps. Only registered
 * kernels count: tf.profile also lists op scopes and customGrad wrappers ("forward"), which contain
 * kernels and would be counted twice.
 */
async function profileStep(step: () => void, steps = 5): Promise<KernelProfile> {
  const wallStart = performance.now();
  const info = await tf.profile(() => {
    for (let i = 0; i < steps; i++) step();
  });
  const stepMs = (performance.now() - wallStart) / steps;
  const backendName = tf.getBackend();
  const byName = new Map<string, [number, number]>();
  let total = 0;
  let matmul = 0;
  let kernels = 0;
  for (const k of info.kernels) {
    if (!tf.getKernel(k.name, backendName)) continue;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const entry = byName.get(k.name) ?? [0, 0];
    entry[0]++;
    entry[1] += ms;
    byName.set(k.name, entry);
    kernels++;
    total += ms;
    if (/MatMul/i.test(k.name)) matmul += ms;
  }
  return {
    kernels: kernels / steps,
    byName: [...byName.entries()].map(([n, [c, ms]]): [string, number, number] => [n, c / steps, ms / steps]).sort((a, b) => b[2] - a[2]),
    matmulMs: matmul / steps,
    totalKernelMs: total / steps,
    stepMs,
  };
}

// ---------------------------------------------------------------------------------------------

function machine(): Record<string, string> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const flags = /flags\s*:\s*(.*)/.exec(cpuinfo)?.[1].split(' ') ?? [];
  const simd = ['avx2', 'fma', 'avx512f'].filter((f) => flags.includes(f)).join(' ');
  const pkg = (name: string) => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  return {
    cpu: `${model} (${simd || 'no AVX2'})`,
    cores: String(os.cpus().length),
    load: os.loadavg().map((l) => l.toFixed(1)).join(' '),
    node: process.version,
    tfjs: `tfjs-core ${pkg('@tensorflow/tfjs-core')}, tfjs-backend-wasm ${pkg('@tensorflow/tfjs-backend-wasm')}`,
    date: new Date().toISOString(),
  };
}

function fmt(v: number | undefined, digits = 1): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return v >= 100 ? v.toFixed(0) : v.toFixed(digits);
}

async function main(): Promise<void> {
  const backend = await selectBackend('wasm');
  const wasm = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
  const threads = wasm.wasm?.tfjs?.getThreadsCount?.() ?? 1;
  const m = machine();
  console.log(`# Training throughput — ${m.date}`);
  console.log(`machine: ${m.cpu}, ${m.cores} cores (load average ${m.load}), Node ${m.node}, ${m.tfjs}`);
  console.log(`backend: ${backend.message}; wasm threads: ${threads}`);

  const python = process.env.BENCH_TORCH_PYTHON ?? '/usr/bin/python3';
  const torchRuns = [await startTorch('PyTorch', python, { ...process.env, OMP_NUM_THREADS: '1' })];
  const blasDir = process.env.BENCH_TORCH_BLAS_DIR;
  if (blasDir) {
    torchRuns.push(await startTorch('PyTorch+OpenBLAS', python, { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', LD_LIBRARY_PATH: blasDir }));
  }
  for (const t of torchRuns) {
    if ('error' in t) {
      console.log(`${t.label}: not available (${t.error}).`);
      console.log(`  Install Debian's PyTorch with: apt-get install python3-torch   (then rerun; it is used as /usr/bin/python3)`);
    } else {
      console.log(`${t.label}: torch ${t.torch.info.torch}, ${t.torch.info.blas}, libblas ${t.torch.info.libblas}, threads ${t.torch.info.threads}`);
    }
  }

  const wanted = (process.env.BENCH_SIZES ?? 'small,large').split(',');
  const results: Record<string, Record<string, number>> = {};
  const started = performance.now();
  for (const size of SIZES.filter((s) => wanted.includes(s.name))) {
    const bare = oursBare(size);
    const trainer = new OursTrainerRun(size);
    const plain = plainTfjs(size);
    const matmuls = matmulsOnly(size);
    // Warm-up, one round's time each: V8 needs a few hundred small steps to optimise the hot paths
    // (with 5 warm-up steps the first timed round came out 3–5× slow), plus wasm memory growth and
    // torch's allocator.
    timeSteps(bare.step, size.seconds);
    timeSteps(matmuls.step, size.seconds / 2);
    timeSteps(plain.step, size.seconds);
    await trainer.round(size.seconds / 2, 1, 5);
    await trainer.round(size.seconds / 2, QUIET, 5);
    for (const t of torchRuns) if ('torch' in t) await t.torch.round(size, size.seconds / 2, 3);

    const samples: Record<string, Rate[]> = {};
    const add = (k: string, v: Rate) => (samples[k] ??= []).push(v);
    for (let r = 0; r < ROUNDS; r++) {
      add(BARE, timeSteps(bare.step, size.seconds));
      add(TRAINER_LOG, await trainer.round(size.seconds, 1));
      add(TRAINER_QUIET, await trainer.round(size.seconds, QUIET));
      add(MATMULS, timeSteps(matmuls.step, size.seconds / 2));
      add(PLAIN, timeSteps(plain.step, size.seconds));
      for (const t of torchRuns) if ('torch' in t) add(t.label, await t.torch.round(size, size.seconds));
    }
    const cpu: Record<string, number> = {};
    const wall: Record<string, number> = {};
    for (const [k, v] of Object.entries(samples)) {
      cpu[k] = median(v.map((x) => x.cpu));
      wall[k] = median(v.map((x) => x.wall));
    }
    results[size.name] = { ...Object.fromEntries(Object.entries(cpu).map(([k, v]) => [`${k} [cpu]`, v])), ...Object.fromEntries(Object.entries(wall).map(([k, v]) => [`${k} [wall]`, v])) };

    const prof = await profileStep(bare.step, size.name === 'small' ? 50 : 5);
    console.log(`\n## ${size.name}: ${size.inputs} inputs, ${size.hidden} hidden, batch ${size.batch} (median of ${ROUNDS} interleaved rounds of ≥ ${size.seconds} s)`);
    console.log('steps/s by CPU time (steps per CPU-second of the process: robust to other load) and by the wall clock.\n');
    console.log('| implementation | steps/s (CPU) | ms/step (CPU) | steps/s (wall) | rounds, CPU steps/s |');
    console.log('|---|---:|---:|---:|---|');
    for (const [k, v] of Object.entries(samples)) console.log(`| ${k} | ${fmt(cpu[k])} | ${fmt(1000 / cpu[k], 2)} | ${fmt(wall[k])} | ${v.map((x) => fmt(x.cpu)).join(', ')} |`);
    const pairedRatio = (a: string, b: string, kind: keyof Rate = 'cpu') => median(samples[a].map((x, r) => x[kind] / samples[b][r][kind]));
    console.log('\n| ratio (median of per-round ratios) | bare step (CPU) | Trainer, log every step (CPU) | bare step (wall) |');
    console.log('|---|---:|---:|---:|');
    const ratios: Record<string, number> = {};
    for (const ref of [PLAIN, ...torchRuns.filter((t) => 'torch' in t).map((t) => t.label)]) {
      ratios[`ours/${ref}`] = pairedRatio(BARE, ref);
      ratios[`ours Trainer/${ref}`] = pairedRatio(TRAINER_LOG, ref);
      console.log(`| ours / ${ref} | ${fmt(ratios[`ours/${ref}`], 2)}× | ${fmt(ratios[`ours Trainer/${ref}`], 2)}× | ${fmt(pairedRatio(BARE, ref, 'wall'), 2)}× |`);
    }
    // The logging cost from the main rounds plus LOG_PAIRS short extra pairs, alternating which goes first.
    const logRatios = samples[TRAINER_LOG].map((x, r) => x.cpu / samples[TRAINER_QUIET][r].cpu);
    for (let r = 0; r < LOG_PAIRS; r++) {
      const first = r % 2 === 0 ? 1 : QUIET;
      const a = await trainer.round(size.seconds / 2, first);
      const b = await trainer.round(size.seconds / 2, first === 1 ? QUIET : 1);
      logRatios.push(first === 1 ? a.cpu / b.cpu : b.cpu / a.cpu);
    }
    const sortedLog = [...logRatios].sort((x, y) => x - y);
    const quartile = (q: number) => 1 - sortedLog[Math.round(q * (sortedLog.length - 1))];
    const logCost = 1 - median(logRatios);
    const stepResult = bare.trainer.trainStep(bare.batch, { step: 1, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1 }, 1, false);
    const recordMs = median([0, 1, 2].map(() => trainer.recordCostMs(stepResult, size.name === 'small' ? 5000 : 500)));
    const matmulShare = pairedRatio(BARE, MATMULS);
    const trainerCost = 1 - pairedRatio(TRAINER_QUIET, BARE);
    ratios.logCost = logCost;
    ratios.recordMs = recordMs;
    ratios.matmulShare = matmulShare;
    ratios.trainerCost = trainerCost;
    Object.assign(results[size.name], ratios);
    console.log(
      `\nlogging every step costs ${(logCost * 100).toFixed(1)} % of throughput (Trainer with vs without train records, CPU time, median of ${logRatios.length} paired rounds; ` +
        `interquartile range ${(quartile(0.75) * 100).toFixed(1)} … ${(quartile(0.25) * 100).toFixed(1)} %); ` +
        `the Trainer's own overhead (batch building, bookkeeping) over the bare step: ${(trainerCost * 100).toFixed(1)} %`,
    );
    console.log(
      `logging measured directly: ${fmt(recordMs * 1000, 2)} µs CPU per train record (build + serialise + append to metrics.jsonl) = ` +
        `${((recordMs / (1000 / cpu[TRAINER_LOG])) * 100).toFixed(2)} % of a ${fmt(1000 / cpu[TRAINER_LOG], 3)} ms Trainer step`,
    );
    console.log(`the step's matrix products alone take ${(matmulShare * 100).toFixed(0)} % of the bare step's CPU time (median of per-round ratios)`);
    const pct = (x: number) => `${((x / prof.stepMs) * 100).toFixed(0)} %`;
    console.log(
      `kernels per bare step: ${prof.kernels}. While profiling (wall clock), a step took ${fmt(prof.stepMs, 3)} ms: ${fmt(prof.totalKernelMs, 3)} ms (${pct(prof.totalKernelMs)}) inside kernels, ` +
        `of which matmul ${fmt(prof.matmulMs, 3)} ms (${pct(prof.matmulMs)}); the rest is tfjs engine bookkeeping, the gradient tape and our JavaScript.`,
    );
    console.log(`  per step by kernel (count, ms): ${prof.byName.map(([n, c, ms]) => `${n} ${c} ${ms.toFixed(3)}`).join('; ')}`);
    Object.assign(results[size.name], { kernels: prof.kernels, kernelMs: prof.totalKernelMs, matmulMs: prof.matmulMs });

    bare.dispose();
    plain.dispose();
    matmuls.dispose();
    trainer.dispose();
  }
  for (const t of torchRuns) if ('torch' in t) t.torch.close();
  results.webgpu = await benchWebgpu({
    sizes: SIZES.filter((s) => wanted.includes(s.name)),
    rounds: ROUNDS,
    bare: (size) => {
      const bare = oursBare(size as Size);
      return { step: bare.step, losses: () => bare.step().lossValues, dispose: bare.dispose };
    },
    wallRate: (step, seconds) => timeSteps(step, seconds).wall,
    torch: async () => {
      const t = await startTorch('PyTorch', python, process.env, ['--device', 'cuda']);
      if ('error' in t) return undefined;
      return { label: `PyTorch ${t.torch.info.device}`, round: async (size, seconds) => (await t.torch.round(size as Size, seconds)).wall, close: () => t.torch.close() };
    },
  });
  console.log(`\nbenchmark took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  console.log('\nJSON ' + JSON.stringify({ machine: m, threads, results }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
