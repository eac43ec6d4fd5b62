import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunInfo } from '../../src/training/run/records';
import type { RunSnapshot } from '../../src/extension/dashboard/dataSource';
import { childNodes, rootNodes, type TreeNode, type TreeState } from '../../src/extension/tree/treeModel';
import { configDifferences, escapeMarkdown, runDescription, runTooltipMarkdown, statusBarText } from '../../src/extension/tree/runText';

function run(id: string, overrides: Partial<RunInfo> = {}, config?: unknown): RunSnapshot {
  const info: RunInfo = {
    version: 1, id, name: id.split('-')[0]!, experimentFile: '/ws/exp/a.mtl.json', status: 'completed', createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: '2025-01-01T00:00:00.000Z', endedAt: '2025-01-01T00:01:30.000Z', backend: 'wasm', pid: 1, step: 500, totalSteps: 500, overrides: [],
    error: null, summary: null, ...overrides,
  };
  return { info, runDir: `/ws/mtl-runs/${id}`, config: config as RunSnapshot['config'] };
}

const fileText = `{
  // comment
  "name": "a",
  "tasks": [{ "name": "t1", "type": "regression" }, { "name": "t2", "type": "classification", "classes": 3 }],
  "model": { "architecture": "soft" },
  "optimizer": { "learningRate": 0.01 }
}`;

function state(runs: RunSnapshot[], queue: TreeState['queue'] = []): TreeState {
  return {
    experiments: [{ file: '/ws/exp/a.mtl.json', relativePath: 'exp/a.mtl.json' }, { file: '/ws/b.mtl.json', relativePath: 'b.mtl.json' }],
    runs,
    queue,
    liveStep: (id) => (id === 'a-3' ? 250 : undefined),
    readText: (file) => (file === '/ws/exp/a.mtl.json' ? fileText : undefined),
  };
}

const summary = { metrics: { t1: { loss: 0.2, rmse: 0.447 }, t2: { loss: 0.5, accuracy: 0.8712 } }, stepsPerSecond: 123.4, backend: 'wasm', steps: 500, bestStep: 480 };

test('root: experiments sorted by path with run counts, plus Other runs for orphans', () => {
  const s = state([
    run('a-1', { createdAt: '2025-01-01T00:00:00.000Z' }),
    run('a-3', { status: 'running', createdAt: '2025-01-03T00:00:00.000Z', step: 100 }),
    run('z-1', { experimentFile: '/elsewhere/z.mtl.json' }),
  ]);
  const roots = rootNodes(s);
  assert.deepEqual(roots.map((n) => [n.kind, n.label, n.description, n.collapsible]), [
    ['experiment', 'b', '0 runs', 'collapsed'],
    ['experiment', 'a', 'exp · 2 runs, 1 running', 'collapsed'],
    ['otherRuns', 'Other runs', '1', 'collapsed'],
  ]);
  assert.deepEqual(childNodes(roots[2]!, s).map((n) => n.label), ['1']);
});

test('experiment children: Config, queued requests, then runs newest first with status context values', () => {
  const s = state(
    [
      run('a-1', { status: 'stopped', step: 100 }),
      run('a-3', { status: 'running', createdAt: '2025-01-03T00:00:00.000Z', step: 100 }),
      run('a-2', { status: 'failed', createdAt: '2025-01-02T00:00:00.000Z', error: { message: 'the worker was killed by SIGKILL\nmore' } }),
    ],
    [{ ticket: 7, label: 'a', configPath: '/ws/exp/a.mtl.json', state: 'queued' }],
  );
  const experiment = rootNodes(s).find((n) => n.label === 'a')!;
  const children = childNodes(experiment, s);
  assert.deepEqual(children.map((n) => [n.kind, n.label, n.contextValue, n.description]), [
    ['config', 'Config', 'config', undefined],
    ['queued', 'queued', 'queuedRun', 'waits for a free slot (mtlLab.maxConcurrentRuns)'],
    ['run', '3', 'runningRun', 'step 250 / 500 · 50%'],
    ['run', '2', 'stoppedRun', 'failed: the worker was killed by SIGKILL'],
    ['run', '1', 'stoppedRun', 'stopped at 100 / 500'],
  ]);
});

test('config node: key values with defaults marked, tasks listed', () => {
  const s = state([]);
  const experiment = rootNodes(s).find((n) => n.label === 'a')!;
  const config = childNodes(experiment, s)[0]!;
  const values = childNodes(config, s);
  assert.deepEqual(values.map((n) => [n.label, n.description]), [
    ['architecture', 'soft'],
    ['weighting', 'equal (default)'],
    ['learning rate', '0.01'],
    ['epochs', '10 (default)'],
    ['batch size', '32 (default)'],
    ['backend', 'auto (default)'],
    ['tasks', 't1, t2'],
  ]);
  const tasks = childNodes(values.at(-1) as TreeNode, s);
  assert.deepEqual(tasks.map((n) => [n.label, n.description]), [['t1', 'regression'], ['t2', 'classification · 3 classes']]);
});

test('descriptions: completed shows the headline metric per task', () => {
  assert.equal(runDescription(run('a-1', { summary }).info), 't1 rmse 0.447 · t2 acc 87.1%');
  assert.equal(runDescription(run('a-1').info), 'completed');
  assert.equal(runDescription(run('a-1', { status: 'running', step: 10, totalSteps: 0 }).info), 'step 10');
});

test('tooltip: backend, duration, metrics table, overrides, differences from the file; user text escaped', () => {
  const snapshot = run('a-1', { summary, overrides: ['optimizer.learningRate=0.05'] }, { name: 'a', model: { architecture: 'hard', sharedUnits: [64] }, optimizer: { learningRate: 0.05 }, tasks: [{ name: 't1', type: 'regression' }, { name: 't2', type: 'classification', classes: 3 }] });
  const md = runTooltipMarkdown(snapshot, { experimentConfig: { name: 'a', model: { architecture: 'soft' }, optimizer: { learningRate: 0.01 }, tasks: [{ name: 't1', type: 'regression' }, { name: 't2', type: 'classification', classes: 3 }] } });
  assert.match(md, /^\*\*a\\-1\*\* — completed/);
  assert.match(md, /backend `wasm` · step 500 \/ 500 · 123 steps\/s · took 1m 30s/);
  assert.match(md, /\| task \| loss \| accuracy \| rmse \|/);
  assert.match(md, /\| t2 \| 0\.5 \| 87\.1% \| {2}\|/);
  assert.match(md, /Overrides: `optimizer\.learningRate=0\.05`/);
  assert.match(md, /- `model\.architecture`: `"hard"` in this run, `"soft"` in the file/);
  assert.match(md, /- `optimizer\.learningRate`: `0\.05` in this run, `0\.01` in the file/);
  assert.ok(!/tasks/.test(md.split('Differs')[1] ?? ''), 'equal tasks are not reported');
  assert.equal(escapeMarkdown('a_b*[x](y)'), 'a\\_b\\*\\[x\\]\\(y\\)');
});

test('config differences compare only what the file states, arrays of objects by index', () => {
  assert.deepEqual(configDifferences({ a: 1, b: { c: [1, 2] }, d: 5 }, { a: 1, b: { c: [1, 3] } }), [{ path: 'b.c', run: [1, 2], file: [1, 3] }]);
  assert.deepEqual(configDifferences({ tasks: [{ name: 'x', classes: 2 }] }, { tasks: [{ name: 'x', classes: 3 }] }), [{ path: 'tasks[0].classes', run: 2, file: 3 }]);
  assert.deepEqual(configDifferences({ a: 1 }, { $schema: 'x', a: 1, z: true }), [{ path: 'z', run: undefined, file: true }]);
});

test('status bar: runs and mean progress, queued count', () => {
  assert.equal(statusBarText([], 0), undefined);
  assert.equal(statusBarText([{ step: 45, totalSteps: 100 }], 0), '$(sync~spin) 1 run · 45%');
  assert.equal(statusBarText([{ step: 40, totalSteps: 100 }, { step: 50, totalSteps: 100 }], 1), '$(sync~spin) 2 runs · 45% · 1 queued');
  assert.equal(statusBarText([], 2), '$(clock) 2 queued');
});

test('the tree writes run durations as the dashboard does (one formatDuration, in seconds)', () => {
  const info: RunInfo = {
    version: 1, id: 'exp-1', name: 'exp', experimentFile: null, status: 'completed', createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:00.000Z', endedAt: '2026-01-01T01:02:05.000Z', backend: 'wasm', pid: null, step: 10, totalSteps: 10,
    overrides: [], error: null, summary: null,
  };
  assert.match(runTooltipMarkdown({ info, runDir: '/runs/exp-1', config: undefined }), /took 1h 02m/);
  assert.match(runTooltipMarkdown({ info: { ...info, endedAt: '2026-01-01T00:03:05.000Z' }, runDir: '/runs/exp-1', config: undefined }), /took 3m 05s/);
});
