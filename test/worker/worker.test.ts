/**
 * The real worker (dist/worker.js, as the extension forks it) and the real CLI (dist/cli.js) on tiny
 * configs: complete, stop and resume (records equal an uninterrupted run), SIGTERM, kill -9, NaN, bad input.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseWorkerMessage, PROTOCOL_VERSION, type WorkerMessage } from '../../src/training/protocol';
import type { MetricRecord, RunInfo } from '../../src/training/run/records';
import { readRecords, readRunInfo } from '../../src/training/run/runDirectory';

const root = path.resolve(__dirname, '../..');
const workerJs = path.join(root, 'dist/worker.js');
const cliJs = path.join(root, 'dist/cli.js');
let tmp: string;

before(() => {
  assert.ok(existsSync(workerJs) && existsSync(cliJs), 'dist/worker.js and dist/cli.js must be built first (npm run build)');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mtl-worker-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function writeConfig(name: string, config: Record<string, unknown>): string {
  const file = path.join(tmp, `${name}.mtl.json`);
  writeFileSync(file, JSON.stringify({ name, seed: 3, backend: 'wasm', ...config }, null, 2));
  return file;
}

const tinyConfig = (epochs: number) => ({
  data: { source: 'synthetic', generator: 'mmoe', samples: 640, inputDim: 12, validationSplit: 0.25 },
  tasks: [
    { name: 'reg', type: 'regression' },
    { name: 'cls', type: 'classification', classes: 3 },
  ],
  model: { architecture: 'soft', attention: 'mixture', sharedUnits: [16], taskUnits: [8], dropout: 0.1 },
  loss: { weighting: 'rlw' },
  optimizer: { name: 'adam', learningRate: 0.01 },
  training: { epochs, batchSize: 16, logEvery: 1, evalEvery: 7 },
});

interface WorkerRun {
  child: ChildProcess;
  messages: WorkerMessage[];
  records: MetricRecord[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first records batch whose last step is ≥ step. */
  reached(step: number): Promise<void>;
}

function startWorker(request: { configPath?: string; resumeDir?: string }): WorkerRun {
  const child = fork(workerJs, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const messages: WorkerMessage[] = [];
  const records: MetricRecord[] = [];
  const waiters: { step: number; resolve: () => void }[] = [];
  child.on('message', (raw) => {
    const m = parseWorkerMessage(raw);
    assert.ok(m, `invalid worker message ${JSON.stringify(raw).slice(0, 200)}`);
    messages.push(m);
    if (m.type === 'records') {
      records.push(...m.records);
      const last = m.records.filter((r) => r.kind === 'train').pop();
      for (const w of waiters.filter((w) => last && last.step >= w.step)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.send({ type: 'start', protocol: PROTOCOL_VERSION, request: { runsDir: path.join(tmp, 'runs'), overrides: [], ...request } });
  return { child, messages, records, exit, reached: (step) => new Promise((resolve) => waiters.push({ step, resolve })) };
}

function runDirOf(run: WorkerRun): string {
  const started = run.messages.find((m) => m.type === 'started');
  assert.ok(started && started.type === 'started');
  return started.runDir;
}

/** Train and eval records without what legitimately differs between two runs (wall time, throughput). */
function comparable(records: MetricRecord[]): unknown[] {
  return records
    .filter((r) => r.kind !== 'event')
    .map((r) => {
      const { time: _t, ...rest } = r as MetricRecord & { samplesPerSecond?: number };
      if ('samplesPerSecond' in rest) delete (rest as { samplesPerSecond?: number }).samplesPerSecond;
      return rest;
    });
}

describe('the forked worker', () => {
  let uninterrupted: MetricRecord[];

  it('runs to completion, streaming exactly the records it writes', async () => {
    const run = startWorker({ configPath: writeConfig('complete', tinyConfig(4)) });
    const { code } = await run.exit;
    assert.equal(code, 0);
    const runDir = runDirOf(run);
    const info = readRunInfo(runDir)!;
    assert.equal(info.status, 'completed');
    assert.equal(info.backend, 'wasm');
    assert.equal(info.pid, null);
    assert.equal(info.step, info.totalSteps);
    assert.equal(info.totalSteps, 4 * Math.ceil(480 / 16));
    assert.ok(info.summary && info.summary.metrics.reg.rmse! > 0 && info.summary.metrics.cls.accuracy! >= 0);
    const onDisk = readRecords(runDir);
    assert.deepEqual(run.records, onDisk);
    // Each streamed record says where its line ends in metrics.jsonl: the file's newlines, in order.
    const bytes = readFileSync(path.join(runDir, 'metrics.jsonl'));
    const lineEnds = [...bytes.entries()].filter(([, b]) => b === 0x0a).map(([i]) => i + 1);
    assert.deepEqual(run.messages.flatMap((m) => (m.type === 'records' ? m.offsets : [])), lineEnds);
    const backend = onDisk.find((r) => r.kind === 'event' && r.code === 'backend-selected');
    assert.ok(backend && backend.kind === 'event' && /^backend wasm \(WebAssembly/.test(backend.message), JSON.stringify(backend));
    const trains = onDisk.filter((r) => r.kind === 'train');
    assert.equal(trains.length, info.totalSteps);
    const first = trains[0];
    assert.ok(first.kind === 'train' && first.attention && first.attention.reg.length === 2, 'mixture attention: a row of 2 towers per task');
    const final = run.messages.filter((m) => m.type === 'status').pop();
    assert.ok(final && final.type === 'status' && final.info.status === 'completed');
    uninterrupted = onDisk;
  });

  it('stops on IPC stop at a step boundary with a checkpoint, and resuming reproduces the uninterrupted records', async () => {
    const configPath = writeConfig('complete', tinyConfig(4));
    const run = startWorker({ configPath });
    await run.reached(10);
    run.child.send({ type: 'stop', protocol: PROTOCOL_VERSION });
    assert.equal((await run.exit).code, 0);
    const runDir = runDirOf(run);
    const stopped = readRunInfo(runDir)!;
    assert.equal(stopped.status, 'stopped');
    assert.ok(stopped.step >= 10 && stopped.step < stopped.totalSteps, `stopped at ${stopped.step}`);
    assert.ok(existsSync(path.join(runDir, 'checkpoint', 'state.json')));
    const before = readRecords(runDir);
    assert.ok(before.some((r) => r.kind === 'event' && r.code === 'stopped'));
    assert.equal(Math.max(...before.filter((r) => r.kind === 'train').map((r) => r.step)), stopped.step);

    const resumed = startWorker({ resumeDir: runDir });
    assert.equal((await resumed.exit).code, 0);
    const info = readRunInfo(runDir)!;
    assert.equal(info.status, 'completed');
    const all = readRecords(runDir);
    assert.ok(all.some((r) => r.kind === 'event' && r.code === 'resumed'));
    assert.deepEqual(comparable(all), comparable(uninterrupted));
  });

  it('SIGTERM stops cleanly too', async () => {
    const run = startWorker({ configPath: writeConfig('sigterm', tinyConfig(20)) });
    await run.reached(5);
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
    assert.equal(readRunInfo(runDirOf(run))!.status, 'stopped');
  });

  it('keeps training when the host disconnects (a window reload), and the files hold the whole run', async () => {
    const run = startWorker({ configPath: writeConfig('orphan', tinyConfig(3)) });
    await run.reached(3);
    const runDir = runDirOf(run);
    run.child.disconnect();
    assert.equal((await run.exit).code, 0);
    const info = readRunInfo(runDir)!;
    assert.equal(info.status, 'completed');
    assert.equal(readRecords(runDir).filter((r) => r.kind === 'train').length, info.totalSteps);
  });

  it('kill -9 leaves a readable run directory (status still running, records intact)', async () => {
    const run = startWorker({ configPath: writeConfig('killed', tinyConfig(20)) });
    await run.reached(5);
    run.child.kill('SIGKILL');
    const { signal } = await run.exit;
    assert.equal(signal, 'SIGKILL');
    const runDir = runDirOf(run);
    const info = readRunInfo(runDir)!;
    assert.equal(info.status, 'running', 'nobody wrote a final status: the extension marks it failed');
    // Simulate the crash landing mid-write: a torn last line is skipped, never fatal.
    appendFileSync(path.join(runDir, 'metrics.jsonl'), '{"kind":"train","step":99');
    const records = readRecords(runDir);
    assert.ok(records.length >= 5);
    assert.ok(records.every((r) => r.kind !== 'train' || r.step < 99));
  });

  it('rejects a bad config with exit code 2 and a positioned message, writing nothing', async () => {
    const file = path.join(tmp, 'bad.mtl.json');
    writeFileSync(file, '{\n  "name": "bad",\n  "tasks": [{ "name": "t", "type": "regression" }],\n  "model": { "architecture": "deep" }\n}\n');
    const run = startWorker({ configPath: file });
    const { code } = await run.exit;
    assert.equal(code, 2);
    const rejected = run.messages.find((m) => m.type === 'rejected');
    assert.ok(rejected && rejected.type === 'rejected');
    assert.match(rejected.message, /bad\.mtl\.json:4:30: model\.architecture: expected one of "hard", "soft", "routing", "cross-stitch"/);
    assert.ok(!existsSync(path.join(tmp, 'runs', 'bad')));
  });
});

describe('non-finite losses', () => {
  function nanConfig(onNonFinite: 'fail' | 'skip-batch'): string {
    // Row 5's target overflows float32 when squared: the batch holding it has an infinite loss.
    const rows = ['x1,x2,y,c'];
    for (let i = 0; i < 40; i++) rows.push(`${i % 7},${(i * 3) % 5},${i === 5 ? '1e30' : i % 4},${i % 2 ? 'a' : 'b'}`);
    writeFileSync(path.join(tmp, `nan-${onNonFinite}.csv`), rows.join('\n') + '\n');
    return writeConfig(`nan-${onNonFinite}`, {
      data: { source: 'csv', path: `nan-${onNonFinite}.csv`, validationSplit: 0 },
      tasks: [
        { name: 'y', type: 'regression', target: 'y' },
        { name: 'c', type: 'classification', target: 'c' },
      ],
      model: { architecture: 'hard', sharedUnits: [4], taskUnits: [] },
      training: { epochs: 2, batchSize: 8, onNonFinite },
    });
  }

  it('fails the run naming the step and the task', async () => {
    const run = startWorker({ configPath: nanConfig('fail') });
    assert.equal((await run.exit).code, 1);
    const info = readRunInfo(runDirOf(run))!;
    assert.equal(info.status, 'failed');
    assert.match(info.error!.message, /loss of task "y" is (Infinity|NaN) at step \d+/);
    assert.ok(info.error!.step! >= 1);
    assert.ok(readRecords(runDirOf(run)).some((r) => r.kind === 'event' && r.code === 'loss-not-finite' && r.level === 'error'));
  });

  it('skips the batch with an event when configured', async () => {
    const run = startWorker({ configPath: nanConfig('skip-batch') });
    assert.equal((await run.exit).code, 0);
    const runDir = runDirOf(run);
    assert.equal(readRunInfo(runDir)!.status, 'completed');
    const skipped = readRecords(runDir).filter((r) => r.kind === 'event' && r.code === 'batch-skipped');
    assert.equal(skipped.length, 2, 'the bad row is in one batch per epoch');
  });
});

describe('the mtl-lab CLI', () => {
  function cli(args: string[], options: { onStderr?: (s: string, child: ChildProcess) => void } = {}) {
    const child = spawn(process.execPath, [cliJs, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      options.onStderr?.(stderr, child);
    });
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  }

  it('train: exit 0 and a final per-task table; runs and export read the directory', async () => {
    const configPath = writeConfig('cli', { ...tinyConfig(1), model: { architecture: 'routing', experts: 3, sharedUnits: [8], taskUnits: [4] } });
    const r = await cli(['train', configPath, '--set', 'training.epochs=2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const info = JSON.parse(r.stdout) as RunInfo & { runDir: string };
    assert.equal(info.status, 'completed');
    assert.deepEqual(info.overrides, ['training.epochs=2']);
    assert.equal(info.totalSteps, 2 * 30);
    const gates = readRecords(info.runDir).find((x) => x.kind === 'train');
    assert.ok(gates && gates.kind === 'train' && gates.gates?.cls.length === 3);
    const plain = await cli(['train', configPath]);
    assert.equal(plain.code, 0);
    assert.match(plain.stdout, /task\s+val loss\s+accuracy\s+RMSE\s+MAE/);
    assert.match(plain.stdout, /^cls\s/m);
    const runs = await cli(['runs']);
    assert.match(runs.stdout, /cli-\d{8}-\d{6}-[0-9a-f]{4}\s+completed/);
    const csv = await cli(['export', info.runDir, '--csv']);
    const [header, ...lines] = csv.stdout.trim().split('\n');
    assert.match(header, /^step,epoch,time,totalLoss,samplesPerSecond,.*loss\/cls.*val\/reg\/rmse/);
    assert.equal(lines.length, 60);
  });

  it('sweep: one run per combination, first key slowest, each with its values; a bad combination stops it before any run', async () => {
    const runsDir = path.join(tmp, 'sweep-runs');
    const configPath = writeConfig('sweep', {
      ...tinyConfig(1),
      training: { epochs: 1, batchSize: 64, logEvery: 5, evalEvery: 100 },
      sweep: { 'loss.weighting': ['equal', 'gradnorm'], 'optimizer.learningRate': [0.01, 0.001] },
    });
    const r = await cli(['sweep', configPath, '--runs-dir', runsDir, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as (RunInfo & { runDir: string })[];
    assert.deepEqual(runs.map((x) => x.overrides), [
      ['loss.weighting="equal"', 'optimizer.learningRate=0.01'],
      ['loss.weighting="equal"', 'optimizer.learningRate=0.001'],
      ['loss.weighting="gradnorm"', 'optimizer.learningRate=0.01'],
      ['loss.weighting="gradnorm"', 'optimizer.learningRate=0.001'],
    ]);
    for (const run of runs) {
      assert.equal(run.status, 'completed');
      const resolved = JSON.parse(readFileSync(path.join(run.runDir, 'config.json'), 'utf8'));
      assert.deepEqual([resolved.loss.weighting, resolved.optimizer.learningRate], [JSON.parse(run.overrides[0].split('=')[1]), Number(run.overrides[1].split('=')[1])], 'the run trained with its values');
    }
    const table = await cli(['runs', '--runs-dir', runsDir]);
    assert.equal(table.stdout.trim().split('\n').length, 2 + 4, 'four run directories');
    // Each value is valid alone, the combination is not: nothing trains.
    const bad = writeConfig('badsweep', { ...tinyConfig(1), model: { architecture: 'soft', sharedUnits: [16], taskUnits: [8] }, sweep: { 'model.architecture': ['hard', 'soft'], 'model.attention': ['scalar'] } });
    const b = await cli(['sweep', bad, '--runs-dir', path.join(tmp, 'bad-runs')]);
    assert.equal(b.code, 2, b.stdout + b.stderr);
    assert.match(b.stderr, /badsweep\.mtl\.json:\d+:\d+: sweep\["model\.attention"\]\[0\]: model\.architecture = hard, model\.attention = scalar: model\.attention: only used by architecture "soft"/);
    assert.ok(!existsSync(path.join(tmp, 'bad-runs')), 'no run directory');
    const none = await cli(['sweep', writeConfig('nosweep', tinyConfig(1))]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no "sweep" section/);
  });

  it('bad input: exit 2 with file:line:col and the JSON path', async () => {
    const file = path.join(tmp, 'typo.mtl.json');
    writeFileSync(file, '{\n  "name": "typo",\n  "tasks": [{ "name": "t", "type": "regression" }],\n  "optimizer": { "learningRate": -1 }\n}\n');
    const r = await cli(['train', 'typo.mtl.json']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^typo\.mtl\.json:4:34: optimizer\.learningRate: /m);
    const v = await cli(['validate', 'typo.mtl.json', '--set', 'optimizer.learningRate=0.1']);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /ok/);
  });

  it('Ctrl+C: a clean stop with a checkpoint, exit 130, then --resume completes', async () => {
    const configPath = writeConfig('sigint', tinyConfig(30));
    let sent = false;
    const r = await cli(['train', configPath], {
      onStderr: (s, child) => {
        if (!sent && /step \d+\/\d+ \([1-9]0%\)/.test(s)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.equal(r.code, 130, r.stderr);
    const resumeCommand = /mtl-lab train --resume (\S+)/.exec(r.stdout);
    assert.ok(resumeCommand, r.stdout);
    const resumed = await cli(['train', '--resume', resumeCommand[1]]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(readRunInfo(path.resolve(tmp, resumeCommand[1]))!.status, 'completed');
  });
});
