/**
 * The extension's run manager against a real forked worker (dist/worker.js, run `npm run build` first)
 * on a tiny config: start → records → completed, stop, kill -9, queueing, re-attach after a simulated
 * host restart, dead-pid detection, rejection and the backend probe. Stop escalation needs a worker that
 * ignores stop requests, which the real one never does, so that case uses test/fixtures/fake-worker.cjs.
 */
import { installNativePackage, moduleSearchPaths, nativeBackendsDirectory } from '../../src/extension/backends/nativeBackends';
import { packFakeGpuPackage } from '../helpers/fakeNativePackage';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { MetricRecord, RunInfo } from '../../src/training/run/records';
import { RunManager, type RunManagerOptions } from '../../src/extension/runs/runManager';
import { createWorkerLauncher } from '../../src/extension/runs/workerProcess';
import { readRunInfo } from '../../src/training/run/runDirectory';
import { EXITED_WHILE_CLOSED } from '../../src/extension/runs/policies';
import { processStartTicks } from '../../src/training/run/processIdentity';
import { PYTHON } from '../../scripts/ensure-python';

const root = path.resolve(__dirname, '../..');
const realWorker = path.join(root, 'dist/worker.js');
const fakeWorker = path.join(root, 'test/fixtures/fake-worker.cjs');
// The real worker is the point of these tests; the fake only stands in where it is not built yet.
const useReal = existsSync(realWorker) && process.env.MTL_TEST_FAKE_WORKER !== '1';
const workerPath = useReal ? realWorker : fakeWorker;
if (!useReal) console.warn(`extension-run-manager: ${realWorker} missing, using the fake worker`);

const managers: RunManager[] = [];
const pids = new Set<number>();
let workspace: string;

after(async () => {
  for (const manager of managers) manager.dispose();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (workspace) await fs.rm(workspace, { recursive: true, force: true });
});

async function setup(): Promise<{ runsDir: string; config: (epochs: number, name?: string) => Promise<string> }> {
  workspace ??= await fs.mkdtemp(path.join(os.tmpdir(), 'mtl-manager-'));
  const runsDir = await fs.mkdtemp(path.join(workspace, 'runs-'));
  const config = async (epochs: number, name = 'tiny') => {
    const file = path.join(workspace, `${name}-${epochs}.mtl.json`);
    const text = `// tiny test experiment
{
  "name": "${name}",
  "seed": 7,
  "data": { "source": "synthetic", "generator": "mmoe", "samples": 200, "inputDim": 8, "validationSplit": 0.2 },
  "tasks": [ { "name": "t1", "type": "regression" }, { "name": "t2", "type": "classification", "classes": 3 } ],
  "model": { "architecture": "hard", "sharedUnits": [8], "taskUnits": [4] },
  "training": { "epochs": ${epochs}, "batchSize": 16, "evalEvery": 5 },
  "backend": "cpu"
}
`;
    await fs.writeFile(file, text);
    return file;
  };
  return { runsDir, config };
}

function manager(runsDir: string, options: Partial<RunManagerOptions> & { env?: NodeJS.ProcessEnv; worker?: string } = {}): RunManager {
  const launch = createWorkerLauncher(() => ({ workerPath: options.worker ?? workerPath, cwd: workspace, env: options.env }));
  const m = new RunManager({
    launch: (purpose) => {
      const handle = launch(purpose);
      if (handle.pid) pids.add(handle.pid);
      return handle;
    },
    runsDirectories: () => [runsDir],
    maxConcurrentRuns: () => 1,
    pollIntervalMs: 100,
    ...options,
  });
  managers.push(m);
  return m;
}

/** Resolves when `predicate` holds for a run of `m`, checked on every change. */
function waitFor(m: RunManager, predicate: (info: RunInfo) => boolean, timeoutMs = 60_000): Promise<RunInfo> {
  return new Promise((resolve, reject) => {
    const check = () => m.list().find((run) => predicate(run.info))?.info;
    const found = check();
    if (found) return resolve(found);
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`timed out; runs: ${JSON.stringify(m.list().map((r) => [r.info.id, r.info.status]))}`));
    }, timeoutMs);
    const subscription = m.onDidChangeRuns(() => {
      const info = check();
      if (info) {
        clearTimeout(timer);
        subscription.dispose();
        resolve(info);
      }
    });
  });
}

/** Live records per run; `offsetsOf` keeps where each one said it ends in metrics.jsonl. */
const offsetsOf = new WeakMap<Map<string, MetricRecord[]>, Map<string, number[]>>();
function collect(m: RunManager): Map<string, MetricRecord[]> {
  const byRun = new Map<string, MetricRecord[]>();
  const offsets = new Map<string, number[]>();
  offsetsOf.set(byRun, offsets);
  m.onDidAppendRecords(({ runId, records, offsets: ends }) => {
    byRun.set(runId, [...(byRun.get(runId) ?? []), ...records]);
    offsets.set(runId, [...(offsets.get(runId) ?? []), ...ends]);
  });
  return byRun;
}

/** Each live record's offset is the end of its own line in metrics.jsonl (checked against the file's bytes). */
async function assertOffsetsMatchFile(streamed: Map<string, MetricRecord[]>, runId: string, runDir: string): Promise<void> {
  const bytes = await fs.readFile(path.join(runDir, 'metrics.jsonl'));
  const live = streamed.get(runId) ?? [];
  const ends = offsetsOf.get(streamed)!.get(runId) ?? [];
  assert.equal(ends.length, live.length, 'one offset per live record');
  const lineEnds = [...bytes.entries()].filter(([, b]) => b === 0x0a).map(([i]) => i + 1);
  ends.forEach((end, i) => {
    const at = lineEnds.indexOf(end);
    assert.ok(at >= 0, `offset ${end} is the end of a line`);
    const start = at === 0 ? 0 : lineEnds[at - 1]!;
    assert.deepEqual(JSON.parse(bytes.subarray(start, end).toString('utf8')), live[i], `record ${i} is the line that ends at ${end}`);
  });
}

function firstTrainRecord(m: RunManager): Promise<string> {
  return new Promise((resolve) => {
    const subscription = m.onDidAppendRecords(({ runId, records }) => {
      if (records.some((r) => r.kind === 'train')) {
        subscription.dispose();
        resolve(runId);
      }
    });
  });
}

test('start → records stream over IPC → completed, and the streamed records are the ones on disk', async () => {
  const { runsDir, config } = await setup();
  const m = manager(runsDir);
  const streamed = collect(m);
  const queued = m.start({ configPath: await config(1), runsDir });
  const run = await queued.started;
  assert.ok(run, 'the worker started the run');
  assert.equal(run.info.status, 'running');
  const final = await waitFor(m, (info) => info.id === run.info.id && info.status === 'completed');
  assert.ok(final.summary, 'a completed run has a summary');
  const { records: onDisk, offset } = await m.readRecords(run.info.id);
  const live = streamed.get(run.info.id) ?? [];
  assert.ok(live.some((r) => r.kind === 'train'), 'train records arrived live');
  // Everything that arrived live is on disk in the same order (the file may hold records written before `started`).
  assert.deepEqual(onDisk.slice(onDisk.length - live.length), live);
  await assertOffsetsMatchFile(streamed, run.info.id, run.runDir);
  assert.equal(offset, (await fs.stat(path.join(run.runDir, 'metrics.jsonl'))).size, 'the history read reaches the end of a finished file');
  const disk = await readRunInfo(run.runDir);
  assert.ok(disk.ok && disk.info.status === 'completed');
  await waitUntil(() => !m.isLive(run.info.id));
});

test('stop → the worker checkpoints and ends with status stopped', async () => {
  const { runsDir, config } = await setup();
  const m = manager(runsDir);
  const started = firstTrainRecord(m);
  m.start({ configPath: await config(400), runsDir });
  const runId = await started;
  await m.stop(runId);
  const info = m.get(runId)!.info;
  assert.equal(info.status, 'stopped');
  assert.ok(info.step > 0 && info.step < info.totalSteps, `stopped part way (${info.step} / ${info.totalSteps})`);
  if (useReal) assert.ok(existsSync(path.join(m.get(runId)!.runDir, 'checkpoint')), 'checkpoint written');
});

test('resume: a stopped run continues in its own directory to completed, and the resume is recorded', async () => {
  const { runsDir, config } = await setup();
  const m = manager(runsDir);
  const started = firstTrainRecord(m);
  m.start({ configPath: await config(30, 'resumable'), runsDir });
  const runId = await started;
  await m.stop(runId);
  assert.equal(m.get(runId)!.info.status, 'stopped');
  const stoppedAt = m.get(runId)!.info.step;
  const streamed = collect(m);
  const resumed = await m.resume(runId).started;
  assert.equal(resumed?.info.id, runId, 'same run, same directory');
  const final = await waitFor(m, (i) => i.id === runId && i.status === 'completed', 120_000);
  assert.equal(final.step, final.totalSteps);
  const live = streamed.get(runId) ?? [];
  assert.ok(live.some((r) => r.kind === 'train' && r.step > stoppedAt), 'records after the stop point arrived live');
  if (useReal) {
    const { records } = await m.readRecords(runId);
    assert.ok(records.some((r) => r.kind === 'event' && r.code === 'resumed'), 'metrics.jsonl records the resume');
  }
  assert.throws(() => m.resume(runId), /completed/);
});

test('kill -9 → failed, naming the signal and quoting worker.log; a crash event fires', async () => {
  const { runsDir, config } = await setup();
  const m = manager(runsDir);
  const crashes: string[] = [];
  m.onDidCrash(({ message }) => crashes.push(message));
  const started = firstTrainRecord(m);
  m.start({ configPath: await config(400), runsDir });
  const runId = await started;
  process.kill(m.get(runId)!.info.pid!, 'SIGKILL');
  const info = await waitFor(m, (i) => i.id === runId && i.status === 'failed');
  assert.match(info.error!.message, /killed by SIGKILL/);
  assert.match(info.error!.message, /Last lines of worker\.log:\n/);
  assert.ok(info.step > 0 && info.error!.step === info.step, 'the failure names the step reached');
  assert.equal(crashes.length, 1);
  const disk = await readRunInfo(m.get(runId)!.runDir);
  assert.ok(disk.ok && disk.info.status === 'failed' && /SIGKILL/.test(disk.info.error!.message), 'the extension wrote run.json');
});

test('runs beyond maxConcurrentRuns wait in the queue and start when the running one ends', async () => {
  const { runsDir, config } = await setup();
  const m = manager(runsDir);
  const first = m.start({ configPath: await config(1, 'first'), runsDir });
  const second = m.start({ configPath: await config(1, 'second'), runsDir });
  assert.deepEqual(m.queue().map((q) => [q.label, q.state]), [['first-1', 'launching'], ['second-1', 'queued']]);
  const firstRun = (await first.started)!;
  assert.equal(m.queue()[0]!.state, 'queued', 'the second waits while the first trains');
  const secondRun = (await second.started)!;
  const firstInfo = m.get(firstRun.info.id)!.info;
  assert.equal(firstInfo.status, 'completed', 'the second started only after the first finished');
  await waitFor(m, (i) => i.id === secondRun.info.id && i.status === 'completed');
});

test('a queued request can be cancelled before it launches; stopAll stops the running one', async () => {
  const { runsDir, config } = await setup();
  const m = manager(runsDir);
  const started = firstTrainRecord(m);
  m.start({ configPath: await config(400, 'long'), runsDir });
  const waiting = m.start({ configPath: await config(1, 'waiting'), runsDir });
  const runId = await started;
  assert.equal(waiting.state, 'queued');
  assert.ok(m.cancelQueued(waiting.ticket));
  assert.equal(await waiting.started, undefined, 'a cancelled request resolves without a run');
  assert.deepEqual(m.queue(), []);
  await m.stopAll();
  assert.equal(m.get(runId)!.info.status, 'stopped');
  assert.deepEqual((await fs.readdir(runsDir)).filter((d) => d.startsWith('waiting')), [], 'the cancelled run never started');
});

test('re-attach after a simulated host restart: the worker keeps training, the new host follows it from disk', async () => {
  const { runsDir, config } = await setup();
  const first = manager(runsDir);
  const started = firstTrainRecord(first);
  first.start({ configPath: await config(60), runsDir });
  const runId = await started;
  first.dispose(); // the window reloads: IPC is gone, the worker is not stopped

  const second = manager(runsDir);
  const streamed = collect(second);
  await second.refresh();
  assert.equal(second.get(runId)?.info.status, 'running');
  assert.ok(second.isLive(runId), 'followed by tailing');
  const running = second.get(runId)!.info;
  if (process.platform === 'linux') assert.equal(running.processStartTicks, processStartTicks(running.pid!), 'run.json records the worker’s own start tick beside its pid');
  const final = await waitFor(second, (i) => i.id === runId && i.status === 'completed', 120_000);
  assert.equal(final.status, 'completed');
  const live = streamed.get(runId) ?? [];
  assert.ok(live.length > 0, 'records arrived by tailing metrics.jsonl');
  const { records: onDisk } = await second.readRecords(runId);
  assert.deepEqual(onDisk.slice(onDisk.length - live.length), live, 'tailed records are the file\'s last records, none twice');
  await assertOffsetsMatchFile(streamed, runId, second.get(runId)!.runDir);
});

test('stopping a re-attached run (no IPC) sends SIGTERM, and the worker stops cleanly', async () => {
  const { runsDir, config } = await setup();
  const first = manager(runsDir);
  const started = firstTrainRecord(first);
  first.start({ configPath: await config(400, 'orphan'), runsDir });
  const runId = await started;
  first.dispose();
  const second = manager(runsDir);
  const log: string[] = [];
  second.onDidLog(({ message }) => log.push(message));
  await second.refresh();
  assert.ok(second.isLive(runId));
  await second.stop(runId);
  const info = second.get(runId)!.info;
  assert.equal(info.status, 'stopped', log.join('\n'));
  assert.ok(!log.some((l) => /SIGKILL/.test(l)), 'no escalation was needed');
});

test('a run whose worker died while VS Code was closed is marked failed on the next scan', async () => {
  const { runsDir } = await setup();
  const runDir = path.join(runsDir, 'ghost-20250101-000000-0000');
  await fs.mkdir(runDir);
  const dead = spawnSync(process.execPath, ['-e', '0']).pid; // a pid that no longer exists
  const info: RunInfo = {
    version: 1, id: 'ghost-20250101-000000-0000', name: 'ghost', experimentFile: null, status: 'running', createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: '2025-01-01T00:00:00.000Z', endedAt: null, backend: 'cpu', pid: dead, step: 12, totalSteps: 100, overrides: [], error: null, summary: null,
  };
  await fs.writeFile(path.join(runDir, 'run.json'), JSON.stringify(info));
  const m = manager(runsDir);
  await m.refresh();
  const marked = m.get(info.id)!.info;
  assert.equal(marked.status, 'failed');
  assert.equal(marked.error!.message, EXITED_WHILE_CLOSED);
  const disk = await readRunInfo(runDir);
  assert.ok(disk.ok && disk.info.status === 'failed' && disk.info.error!.message === EXITED_WHILE_CLOSED);
});

test('concurrent rescans follow a live run once, and each of its new records arrives once', async () => {
  // A run "owned" by a live process that is not this host's worker: this test process itself (pid and
  // start tick match, so the manager follows it by tailing). Rescans overlap in practice (a file watcher
  // event, window focus, the first scan); each one deciding on its own to follow the run would tail it twice.
  const { runsDir } = await setup();
  const id = 'live-20250101-000000-0000';
  const runDir = path.join(runsDir, id);
  await fs.mkdir(runDir);
  const info: RunInfo = {
    version: 1, id, name: 'live', experimentFile: null, status: 'running', createdAt: '2025-01-01T00:00:00.000Z', startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: null, backend: 'cpu', pid: process.pid, processStartTicks: processStartTicks(process.pid), step: 2, totalSteps: 10, overrides: [], error: null, summary: null,
  };
  await fs.writeFile(path.join(runDir, 'run.json'), JSON.stringify(info));
  const train = (step: number): MetricRecord => ({ kind: 'train', step, epoch: 0, time: step, losses: { a: 1 / step }, totalLoss: 1 / step, weights: { a: 1 }, samplesPerSecond: 100 });
  const metrics = path.join(runDir, 'metrics.jsonl');
  await fs.writeFile(metrics, [train(1), train(2)].map((r) => JSON.stringify(r) + '\n').join(''));

  const m = manager(runsDir);
  const log: string[] = [];
  m.onDidLog(({ message }) => log.push(message));
  const streamed = collect(m);
  await Promise.all([m.refresh(), m.refresh(), m.refresh()]);
  assert.ok(m.isLive(id), 'followed by tailing');
  assert.equal(log.filter((line) => line.startsWith(`following run ${id}`)).length, 1, `one decision to follow the run:\n${log.join('\n')}`);

  // The run goes on: new records, and more overlapping rescans meanwhile.
  for (let step = 3; step <= 10; step++) {
    await fs.appendFile(metrics, JSON.stringify(train(step)) + '\n');
    if (step % 3 === 0) void m.refresh();
  }
  await fs.writeFile(path.join(runDir, 'run.json'), JSON.stringify({ ...info, status: 'completed', step: 10, endedAt: '2025-01-01T00:01:00.000Z', pid: null }));
  await waitFor(m, (i) => i.id === id && i.status === 'completed', 10_000);
  const steps = (streamed.get(id) ?? []).map((r) => r.step);
  assert.deepEqual(steps, [3, 4, 5, 6, 7, 8, 9, 10], 'each new record exactly once, in order');
});

test('a bad config is rejected by the worker and nothing is written', async () => {
  const { runsDir } = await setup();
  const m = manager(runsDir);
  const rejections: string[] = [];
  m.onDidReject(({ message }) => rejections.push(message));
  const missing = path.join(workspace, 'does-not-exist.mtl.json');
  await assert.rejects(m.start({ configPath: missing, runsDir }).started);
  assert.equal(rejections.length, 1);
  assert.deepEqual(await fs.readdir(runsDir), []);
});

test('stop escalation: a worker that ignores stop gets SIGTERM, then SIGKILL, and is marked failed', async () => {
  const { runsDir, config } = await setup();
  const m = manager(runsDir, { worker: fakeWorker, env: { FAKE_IGNORE_STOP: '1', FAKE_STEPS: '100000', FAKE_STEP_MS: '20' }, stopTimings: { termAfterMs: 300, killAfterMs: 300 } });
  const log: string[] = [];
  m.onDidLog(({ message }) => log.push(message));
  const started = firstTrainRecord(m);
  m.start({ configPath: await config(1, 'stubborn'), runsDir });
  const runId = await started;
  const t0 = Date.now();
  await m.stop(runId);
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 550, `escalated after the timings (${elapsed} ms)`);
  const info = m.get(runId)!.info;
  assert.equal(info.status, 'failed');
  assert.match(info.error!.message, /^did not stop at a step boundary in time after Stop; the worker was killed by SIGKILL/);
  assert.ok(log.some((l) => /sending SIGTERM/.test(l)) && log.some((l) => /sending SIGKILL/.test(l)), log.join('\n'));
});

test('a program experiment (Python logger): Start → records stream live → Stop → the program checkpoints and the run is stopped', { skip: !useReal && 'needs the real worker' }, async () => {
  const { runsDir } = await setup();
  const script = path.join(workspace, 'program_run.py');
  await fs.writeFile(
    script,
    `import sys, time
sys.path.insert(0, ${JSON.stringify(path.join(root, 'python'))})
import mtl_lab
def checkpoint():
    open("program_run.ckpt", "w").write(str(run.step))
run = mtl_lab.open_run(total_steps=100000, on_stop=checkpoint)
step = 0
while True:
    step += 1
    run.train(step, {"t1": 1.0 / step, "t2": 2.0 / step})
    time.sleep(0.005)
`,
  );
  const configPath = path.join(workspace, 'program.mtl.json');
  await fs.writeFile(configPath, JSON.stringify({ name: 'program', tasks: [{ name: 't1', type: 'regression' }, { name: 't2', type: 'regression' }], program: { command: ['python', 'program_run.py'] } }));
  const m = manager(runsDir);
  const streamed = collect(m);
  const started = firstTrainRecord(m);
  m.start({ configPath, runsDir, python: PYTHON });
  const runId = await started;
  await m.stop(runId);
  const { info, runDir } = m.get(runId)!;
  assert.equal(info.status, 'stopped');
  assert.ok(info.step > 0, `step ${info.step}`);
  assert.equal(Number(await fs.readFile(path.join(workspace, 'program_run.ckpt'), 'utf8')), info.step, 'the checkpoint callback ran before the run was marked stopped');
  await assertOffsetsMatchFile(streamed, runId, runDir);
  assert.equal(info.backend, 'python');
});

test('the backend probe lists the backends that load', async () => {
  const { runsDir } = await setup();
  const m = manager(runsDir);
  const backends = await m.probe();
  const cpu = backends.find((b) => b.name === 'cpu');
  assert.ok(cpu?.available, JSON.stringify(backends));
});

test('the worker resolves a GPU package installed into global storage (Install GPU Backend) and says why it does not load', async () => {
  const { runsDir } = await setup();
  const storage = await fs.mkdtemp(path.join(workspace, 'globalStorage-'));
  const directory = nativeBackendsDirectory(storage);
  const installed = await installNativePackage(directory, await packFakeGpuPackage(storage), () => undefined);
  assert.ok(installed.ok);
  const m = manager(runsDir);
  const without = await m.probe([]);
  assert.equal(without.find((b) => b.name === 'tensorflow-gpu')?.detail, 'module not installed');
  const backends = await m.probe(moduleSearchPaths([], storage));
  const gpu = backends.find((b) => b.name === 'tensorflow-gpu');
  assert.deepEqual({ available: gpu?.available, detail: gpu?.detail }, { available: false, detail: 'libcudart.so.11.0 not found' }, JSON.stringify(backends));
  assert.ok(backends.find((b) => b.name === 'cpu')?.available, 'the other backends still load');
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
