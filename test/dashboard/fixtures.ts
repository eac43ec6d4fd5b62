/**
 * Realistic dashboard message streams: synthetic runs (hard / soft / routing, every weighting) turned
 * into records as the engine writes them, then into `init` / `append` messages by the host's own code
 * (RunSeriesStore, runView), so the browser tests feed exactly what the panel would post.
 *   node --import tsx test/dashboard/fixtures.ts [outDir]   writes the streams as JSON for inspection
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricRecord, PositionedRecords, RunInfo } from '../../src/training/run/records';
import { RunDirectoryWriter } from '../../src/training/run/runDirectory';
import { readAllRecords } from '../../src/training/run/metricsTail';
import { RunFeed } from '../../src/extension/dashboard/runFeed';
import type { ExperimentConfig } from '../../src/training/config/schema';
import { rngFor } from '../../src/training/random/rng';
import { RunSeriesStore, newRunCursor, runView, type RunCursor } from '../../src/extension/dashboard/runSeries';
import type { AppendMessage, InitMessage, RunView } from '../../src/webview/protocol';

export interface FixtureRunOptions {
  id: string;
  steps: number;
  totalSteps?: number;
  tasks?: { name: string; type: 'classification' | 'regression' }[];
  architecture?: 'hard' | 'soft' | 'routing';
  weighting?: 'equal' | 'softmax' | 'uncertainty' | 'dwa';
  learningRate?: number;
  seed?: number;
  evalEvery?: number;
  conflictEvery?: number;
  status?: RunInfo['status'];
  /** Step at which a softmax weighting collapses onto one task (emits `weights-collapsed`). */
  collapseAt?: number;
  startTime?: number;
  name?: string;
}

export interface FixtureRun {
  info: RunInfo;
  /** Undefined for a run whose config.json is not an experiment's (a standalone Python run). */
  config: ExperimentConfig | undefined;
  records: MetricRecord[];
}

export function fixtureRun(o: FixtureRunOptions): FixtureRun {
  const tasks = o.tasks ?? [
    { name: 'income', type: 'classification' },
    { name: 'marital', type: 'classification' },
    { name: 'age', type: 'regression' },
  ];
  const architecture = o.architecture ?? 'hard';
  const weighting = o.weighting ?? 'equal';
  const seed = o.seed ?? 1;
  const rng = rngFor(seed, 'dashboard-fixture', o.id.length);
  const start = o.startTime ?? Date.UTC(2025, 0, 1, 12, 0, 0);
  const evalEvery = o.evalEvery ?? 100;
  const towers = tasks.length;
  const experts = 4;
  const records: MetricRecord[] = [{ kind: 'event', step: 0, time: start, level: 'info', code: 'run-started', message: 'run started' }];
  const logits = tasks.map(() => 0);
  const scale = 1 + (seed % 5) * 0.1;
  for (let step = 1; step <= o.steps; step++) {
    const time = start + step * 40 + Math.floor(rng.uniform() * 5);
    const losses: Record<string, number> = {};
    tasks.forEach((t, k) => {
      const base = (t.type === 'classification' ? 0.7 : 1.5) * scale;
      losses[t.name] = base * Math.exp(-step / (300 + 100 * k)) + 0.1 + 0.05 * (rng.uniform() - 0.5);
    });
    let weights: Record<string, number>;
    if (weighting === 'softmax') {
      tasks.forEach((t, k) => (logits[k] -= 0.002 * losses[t.name] * (o.collapseAt !== undefined && step > o.collapseAt * 0.5 ? (k === 0 ? -3 : 1) : 1)));
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const z = e.reduce((a, b) => a + b, 0);
      weights = Object.fromEntries(tasks.map((t, k) => [t.name, e[k] / z]));
    } else if (weighting === 'uncertainty') {
      weights = Object.fromEntries(tasks.map((t, k) => [t.name, 0.5 * Math.exp(-0.3 * Math.log1p(step / (200 + 50 * k)))]));
    } else if (weighting === 'dwa') {
      weights = Object.fromEntries(tasks.map((t, k) => [t.name, 1 + 0.2 * Math.sin(step / 50 + k)]));
    } else {
      weights = Object.fromEntries(tasks.map((t) => [t.name, 1]));
    }
    const totalLoss = tasks.reduce((s, t) => s + weights[t.name] * losses[t.name], 0);
    const record: MetricRecord = { kind: 'train', step, epoch: Math.floor(step / 500), time, losses, totalLoss, weights, samplesPerSecond: 800 + 50 * rng.uniform() };
    if (architecture === 'soft') {
      record.attention = Object.fromEntries(
        tasks.map((t, k) => {
          const raw = Array.from({ length: towers }, (_, j) => (j === k ? 2 + step / 400 : 0.5 + 0.2 * rng.uniform()));
          const z = raw.reduce((a, b) => a + b, 0);
          return [t.name, raw.map((v) => v / z)];
        }),
      );
    }
    if (architecture === 'routing') {
      record.gates = Object.fromEntries(
        tasks.map((t, k) => {
          const raw = Array.from({ length: experts }, (_, j) => Math.exp(((j === k % experts ? 1 : 0) * step) / 300 + 0.3 * rng.uniform()));
          const z = raw.reduce((a, b) => a + b, 0);
          return [t.name, raw.map((v) => v / z)];
        }),
      );
    }
    if (o.conflictEvery && step % o.conflictEvery === 0) {
      record.conflict = tasks.map((_, a) => tasks.map((__, b) => (a === b ? 1 : Math.max(-1, Math.min(1, 0.3 - 0.6 * ((a + b) % 2) + 0.2 * (rng.uniform() - 0.5))))));
    }
    records.push(record);
    if (o.collapseAt === step) {
      records.push({ kind: 'event', step, time, level: 'warning', code: 'weights-collapsed', message: `task "${tasks[0].name}" holds more than 99% of the weight` });
    }
    if (step % evalEvery === 0 || step === o.steps) {
      records.push({
        kind: 'eval',
        step,
        epoch: Math.floor(step / 500),
        time: time + 5,
        split: 'validation',
        metrics: Object.fromEntries(
          tasks.map((t) => [
            t.name,
            t.type === 'classification'
              ? { loss: losses[t.name] * 1.1, accuracy: Math.min(0.99, 0.5 + 0.45 * (1 - Math.exp(-step / 400)) * scale * 0.8) }
              : { loss: losses[t.name] * 1.1, rmse: Math.sqrt(losses[t.name] * 1.1), mae: Math.sqrt(losses[t.name]) * 0.8 },
          ]),
        ),
      });
    }
  }
  const totalSteps = o.totalSteps ?? o.steps;
  const status = o.status ?? (o.steps >= totalSteps ? 'completed' : 'running');
  const lastEval = [...records].reverse().find((r) => r.kind === 'eval');
  const config = {
    name: o.name ?? 'census-mtl',
    seed,
    data: { source: 'synthetic', generator: 'mmoe', samples: 12000, inputDim: 100, correlation: 0.8, noise: 0.1, validationSplit: 0.2 },
    tasks: tasks.map((t) => (t.type === 'classification' ? { ...t, classes: 2 } : t)),
    model: { architecture, sharedUnits: [64], taskUnits: [16], activation: 'relu', dropout: 0, ...(architecture === 'routing' ? { experts, expertUnits: [32] } : {}), ...(architecture === 'soft' ? { attention: 'mixture' } : {}) },
    loss: { weighting },
    optimizer: { name: 'adam', learningRate: o.learningRate ?? 0.001, weightDecay: 0, clipNorm: null },
    training: { epochs: 10, batchSize: 32, sampling: 'proportional', logEvery: 1, evalEvery, conflictEvery: o.conflictEvery ?? 0, earlyStopping: null, onNonFinite: 'fail' },
    backend: 'wasm',
  } as unknown as ExperimentConfig;
  const info: RunInfo = {
    version: 1,
    id: o.id,
    name: o.name ?? 'census-mtl',
    experimentFile: '/work/examples/census.mtl.json',
    status,
    createdAt: new Date(start - 1000).toISOString(),
    startedAt: new Date(start).toISOString(),
    endedAt: status === 'running' ? null : new Date(start + o.steps * 40).toISOString(),
    backend: 'wasm',
    pid: status === 'running' ? 4242 : null,
    step: o.steps,
    totalSteps,
    overrides: [],
    error: status === 'failed' ? { message: 'loss became NaN at step 812', step: 812 } : null,
    summary:
      status === 'completed' && lastEval?.kind === 'eval'
        ? { metrics: lastEval.metrics, stepsPerSecond: 25, backend: 'wasm', steps: o.steps, bestStep: lastEval.step, }
        : null,
  };
  return { info, config, records };
}

/** A host-side view of a set of runs: stores, cursors, and messages as the panel would post them. */
export class FixtureHost {
  readonly stores = new Map<string, RunSeriesStore>();
  readonly cursors = new Map<string, RunCursor>();
  readonly views = new Map<string, RunView>();

  constructor(
    runs: FixtureRun[],
    readonly maxPoints = 2000,
  ) {
    for (const r of runs) {
      const store = new RunSeriesStore(r.info.id, maxPoints, r.config?.tasks.map((t) => t.name) ?? []);
      store.add(r.records);
      this.stores.set(r.info.id, store);
      this.views.set(r.info.id, runView(r.info, r.config));
    }
  }

  init(options: { colors?: Record<string, string>; readOnly?: boolean } = {}): InitMessage {
    const message: InitMessage = {
      type: 'init',
      protocol: 1,
      runs: [...this.views.values()],
      series: [],
      matrices: [],
      events: [],
      colors: options.colors ?? {},
      maxPointsPerSeries: this.maxPoints,
      readOnly: options.readOnly ?? false,
    };
    for (const [id, store] of this.stores) {
      const cursor = newRunCursor();
      this.cursors.set(id, cursor);
      const d = store.deltas(cursor);
      message.series.push(...d.series);
      message.matrices.push(...d.matrices);
      message.events.push(...d.events);
    }
    return message;
  }

  append(runId: string, records: MetricRecord[]): AppendMessage {
    const store = this.stores.get(runId)!;
    store.add(records);
    return this.deltas(runId);
  }

  /** Show a run through its feed (history handed over to live records) instead of a store filled at once. */
  attachFeed(runId: string, feed: RunFeed): void {
    this.stores.set(runId, feed.store);
    this.feeds.set(runId, feed);
  }

  /** A live batch through the run's feed, as the panel receives it; the append it would flush. */
  receive(runId: string, batch: PositionedRecords): AppendMessage {
    this.feeds.get(runId)!.receive(batch);
    return this.deltas(runId);
  }

  private readonly feeds = new Map<string, RunFeed>();

  private deltas(runId: string): AppendMessage {
    const d = this.stores.get(runId)!.deltas(this.cursors.get(runId)!);
    return { type: 'append', series: d.series, matrices: d.matrices, events: d.events };
  }
}

export interface OpenedDuringTraining {
  run: FixtureRun;
  /** The run's feed after the history read, with the records that arrived during the read handed over. */
  feed: RunFeed;
  /** Batches that reached the feed during the history read (already delivered). */
  during: PositionedRecords[];
  /** Batches the worker streams after the dashboard opened (deliver them through `feed`). */
  later: PositionedRecords[];
}

/**
 * A dashboard opened on a run that trains, with records arriving during the history read on purpose: a real
 * RunDirectoryWriter appends the run's records in batches of `batchSize`; the history read sees metrics.jsonl
 * only up to the middle of one batch, cut inside a line (a write in progress); the batches streamed live before
 * the read ended — the one already read whole, the one cut by the read, and newer ones — reach the feed before
 * the history does, as IPC messages do when a run streams fast. `later` holds the rest.
 */
export async function openDuringTraining(run: FixtureRun, options: { batchSize: number; readAtStep: number; arrivedDuringRead: number }): Promise<OpenedDuringTraining> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-handover-'));
  try {
    const batches: PositionedRecords[] = [];
    const writer = RunDirectoryWriter.create(dir, run.info, run.config, (batch) => batches.push(batch));
    const metrics = path.join(writer.runDir, 'metrics.jsonl');
    let seen: string | undefined;
    for (let i = 0; i < run.records.length; i += options.batchSize) {
      for (const record of run.records.slice(i, i + options.batchSize)) writer.append(record);
      writer.flush();
      const last = batches[batches.length - 1]!;
      const readAt = last.records.findIndex((r) => r.kind === 'train' && r.step === options.readAtStep);
      if (readAt >= 0) {
        // What a reader sees while this batch is being written: up to record `readAt`, then half of the next line.
        const bytes = readFileSync(metrics);
        const end = last.offsets[readAt]!;
        seen = path.join(dir, 'as-read.jsonl');
        writeFileSync(seen, bytes.subarray(0, end + Math.floor(((last.offsets[readAt + 1] ?? end) - end) / 2)));
      }
    }
    if (seen === undefined) throw new Error(`no train record at step ${options.readAtStep}`);
    const history = await readAllRecords(seen);
    const cut = batches.findIndex((b) => b.offsets[b.offsets.length - 1]! > history.offset);
    const during = batches.slice(Math.max(0, cut - 1), cut + options.arrivedDuringRead);
    const feed = new RunFeed(new RunSeriesStore(run.info.id, 2000, run.config?.tasks.map((t) => t.name) ?? []));
    for (const batch of during) feed.receive(batch);
    feed.history(history);
    return { run, feed, during, later: batches.slice(cut + options.arrivedDuringRead) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  const out = process.argv[2] ?? 'test-results/dashboard/fixtures';
  mkdirSync(out, { recursive: true });
  const single = fixtureRun({ id: 'soft-softmax-1', steps: 3000, architecture: 'soft', weighting: 'softmax', collapseAt: 2200, conflictEvery: 50 });
  const host = new FixtureHost([single]);
  writeFileSync(path.join(out, 'single-run-init.json'), JSON.stringify(host.init()));
  const compare = new FixtureHost(Array.from({ length: 50 }, (_, i) => fixtureRun({ id: `sweep-${i}`, steps: 500, seed: i, learningRate: [0.01, 0.001, 0.0001][i % 3] })));
  writeFileSync(path.join(out, 'compare-50-init.json'), JSON.stringify(compare.init()));
  console.log(`wrote ${out}`);
}
