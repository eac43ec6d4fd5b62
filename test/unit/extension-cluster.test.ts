/**
 * Cluster runs in the editor, with a stand-in for VS Code and for the Slurm runner: their scheduler state (polled
 * while any waits or trains), the tree rows and status-bar count built from it, and Stop / Resume / Delete going
 * through the runner (scancel, a new job) instead of the local run manager.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installFakeVscode } from '../helpers/fakeVscode';
import type { RunInfo, RunStatus } from '../../src/training/run/records';
import type { RunBatch, RunnerState, RunRef } from '../../src/training/runner/runner';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSnapshot } from '../../src/extension/dashboard/dataSource';
import type { RunNode } from '../../src/extension/tree/treeModel';

const warnings: string[] = [];
installFakeVscode({
  workspace: {
    isTrusted: true,
    workspaceFolders: [],
    textDocuments: [],
    getWorkspaceFolder: () => undefined,
    asRelativePath: (p: string) => p,
    getConfiguration: () => ({ get: (key: string, dflt: unknown) => (key === 'runner' ? 'slurm' : dflt) }),
  },
  window: {
    showWarningMessage: async (message: string) => void warnings.push(message),
    showErrorMessage: async (message: string) => assert.fail(message),
    showQuickPick: async () => assert.fail('a tree invocation must not ask which run'),
  },
});

const { ClusterRuns } = require('../../src/extension/cluster/clusterRuns') as typeof import('../../src/extension/cluster/clusterRuns');
const { clusterStatusText } = require('../../src/extension/statusBar/clusterStatusBar') as typeof import('../../src/extension/statusBar/clusterStatusBar');
const { runNode } = require('../../src/extension/tree/treeModel') as typeof import('../../src/extension/tree/treeModel');
const { runCommands } = require('../../src/extension/runs/runCommands') as typeof import('../../src/extension/runs/runCommands');
const { startSweep } = require('../../src/extension/sweep/startSweep') as typeof import('../../src/extension/sweep/startSweep');
const { COMMANDS } = require('../../src/extension/commands/commandIds') as typeof import('../../src/extension/commands/commandIds');

function snapshot(id: string, status: RunStatus, arrayTaskId: number | null = 0): RunSnapshot {
  const info = {
    version: 1, id, name: 'grid', experimentFile: null, status, createdAt: '2026-12-02T10:00:00Z', startedAt: null, endedAt: null, backend: null, pid: null,
    cluster: { runner: 'slurm', jobId: '12', arrayTaskId, output: `/runs/.slurm/grid-12_${arrayTaskId}.out`, submittedAt: '' },
    step: 40, totalSteps: 100, overrides: [], error: null, summary: null,
  } as RunInfo;
  return { info, runDir: `/runs/${id}`, config: undefined };
}

function fakeRunner(states: Record<string, RunnerState>) {
  const calls = { polls: 0, cancelled: [] as string[], resumed: [] as string[] };
  const runner = {
    submit: async () => [],
    poll: async (runs: readonly RunRef[]) => {
      calls.polls++;
      return new Map(runs.filter((r) => states[r.info.id]).map((r) => [r.runDir, states[r.info.id]]));
    },
    cancel: async (run: RunRef) => void calls.cancelled.push(run.info.id),
    resume: async (run: RunRef) => {
      calls.resumed.push(run.info.id);
      return run;
    },
    logs: (run: RunRef) => [`${run.runDir}/worker.log`, run.info.cluster!.output],
  };
  return { runner, calls };
}

test('scheduler states: polled for cluster runs only, counted for the status bar, polled again only while one waits or trains', async () => {
  const runs = [snapshot('grid-a', 'running', 0), snapshot('grid-b', 'queued', 1), snapshot('grid-c', 'stopped', 2), { ...snapshot('local', 'running'), info: { ...snapshot('local', 'running').info, cluster: undefined } }];
  const states: Record<string, RunnerState> = {
    'grid-a': { status: 'running', schedulerState: 'RUNNING' },
    'grid-b': { status: 'queued', reason: 'Resources', schedulerState: 'PENDING' },
    'grid-c': { status: 'queued', reason: 'BeginTime', schedulerState: 'PENDING' },
  };
  const { runner, calls } = fakeRunner(states);
  const cluster = new ClusterRuns(() => runs, () => runner, 20);
  let changes = 0;
  cluster.onDidChange(() => changes++);
  await cluster.poll();
  assert.equal(changes, 1);
  assert.deepEqual(cluster.clusterRuns().map((r) => r.info.id), ['grid-a', 'grid-b', 'grid-c']);
  assert.deepEqual(cluster.stateOf('grid-b'), states['grid-b']);
  // grid-c checkpointed before its time limit and waits to be run again: pending, not stopped.
  assert.deepEqual(cluster.counts(), { running: 1, pending: 2 });
  assert.equal(clusterStatusText(cluster.counts()), '$(server) Slurm: 1 running · 2 pending');
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.ok(calls.polls >= 2, 'polled again while runs wait or train');
  for (const id of Object.keys(states)) states[id] = { status: 'completed', schedulerState: 'COMPLETED' };
  await new Promise((resolve) => setTimeout(resolve, 60));
  const settled = calls.polls;
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(calls.polls, settled, 'no polling once every cluster run ended');
  assert.equal(clusterStatusText(cluster.counts()), undefined);
  cluster.dispose();
});

test('Slurm unreachable: the error is kept for the status bar, the runs keep their last state', async () => {
  const runs = [snapshot('grid-a', 'running')];
  const cluster = new ClusterRuns(() => runs, () => ({ ...fakeRunner({}).runner, poll: async () => Promise.reject(new Error('squeue was not found on PATH')) }), 10_000);
  await cluster.poll();
  assert.equal(cluster.lastError, 'squeue was not found on PATH');
  assert.deepEqual(cluster.counts(), { running: 1, pending: 0 });
  cluster.dispose();
});

const treeState = (states: Record<string, RunnerState>) => ({ experiments: [], runs: [], queue: [], liveStep: () => undefined, readText: () => undefined, clusterState: (id: string) => states[id] });

test('tree rows of cluster runs: the job id, and the scheduler\'s state and reason where it differs from run.json', () => {
  const queued = runNode(snapshot('grid-b', 'queued', 1), treeState({ 'grid-b': { status: 'queued', reason: 'Resources', schedulerState: 'PENDING' } }));
  assert.equal(queued.description, 'job 12_1 · queued (Resources)');
  assert.equal(queued.contextValue, 'queuedRun', 'Stop Run is offered');
  const running = runNode(snapshot('grid-a', 'running'), treeState({ 'grid-a': { status: 'running', schedulerState: 'RUNNING' } }));
  assert.equal(running.description, 'job 12_0 · step 40 / 100 · 40%');
  // Checkpointed before the time limit, requeued: waiting again, so not offered for Resume.
  const requeued = runNode(snapshot('grid-c', 'stopped', 2), treeState({ 'grid-c': { status: 'queued', reason: 'BeginTime', schedulerState: 'PENDING' } }));
  assert.equal(requeued.description, 'job 12_2 · queued (BeginTime)');
  assert.equal(requeued.icon, 'queued');
  const killed = runNode(snapshot('grid-d', 'running', 3), treeState({ 'grid-d': { status: 'failed', reason: 'out of memory (raise cluster.memory)', schedulerState: 'OUT_OF_MEMORY' } }));
  assert.equal(killed.description, 'job 12_3 · failed: out of memory (raise cluster.memory)');
  assert.equal(killed.contextValue, 'stoppedRun', 'Resume Run is offered');
  // Not asked yet: run.json's word.
  assert.equal(runNode(snapshot('grid-e', 'queued', null), treeState({})).description, 'job 12 · queued');
});

function row(run: RunSnapshot): RunNode {
  return { kind: 'run', id: `run:${run.info.id}`, runId: run.info.id, label: run.info.id, accessibilityLabel: run.info.id, runDir: run.runDir, icon: 'stopped', contextValue: 'stoppedRun', collapsible: 'none' };
}

test('Stop, Resume and Delete on cluster runs go through the runner: scancel, a new job, and no deleting a queued run', async () => {
  const runs = [snapshot('grid-a', 'running', 0), snapshot('grid-b', 'stopped', 1), snapshot('grid-c', 'queued', 2)];
  const { runner, calls } = fakeRunner({ 'grid-c': { status: 'queued', reason: 'Priority', schedulerState: 'PENDING' } });
  const cluster = new ClusterRuns(() => runs, () => runner, 10_000);
  await cluster.poll();
  const local = { stopped: [] as string[], resumed: [] as string[] };
  const deps = {
    tree: { view: { selection: [] } },
    runs: {
      cluster,
      manager: { get: (id: string) => runs.find((r) => r.info.id === id), stop: async (id: string) => void local.stopped.push(id), delete: async () => assert.fail('deleted a queued cluster run') },
      resumeRun: async (id: string) => void local.resumed.push(id),
    },
    openDashboard: () => ({ closed: false, addRuns: () => {} }),
  } as unknown as Parameters<typeof runCommands>[0];
  const commands = runCommands(deps);
  await commands[COMMANDS.stopRun](row(runs[0]), [row(runs[0])]);
  await commands[COMMANDS.resumeRun](row(runs[1]), [row(runs[1])]);
  await commands[COMMANDS.deleteRun](row(runs[2]), [row(runs[2])]);
  assert.deepEqual(calls.cancelled, ['grid-a']);
  assert.deepEqual(calls.resumed, ['grid-b']);
  assert.deepEqual(local, { stopped: [], resumed: [] }, 'nothing went to the local run manager');
  assert.match(warnings.at(-1) ?? '', /stop grid-c before deleting/);
  cluster.dispose();
});

test('Start Sweep with mtlLab.runner = "slurm": one submission of every point with the cluster section, then one comparison dashboard', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-cluster-ext-'));
  const configPath = path.join(dir, 'grid.mtl.json');
  writeFileSync(configPath, JSON.stringify({ name: 'grid', tasks: [{ name: 'a', type: 'regression' }], sweep: { seed: [1, 2, 3] }, cluster: { partition: 'gpu', maxParallel: 2 } }));
  const batches: RunBatch[] = [];
  const dashboards: string[][] = [];
  const deps = {
    runs: {
      cluster: { submit: async (batch: RunBatch) => (batches.push(batch), batch.points.map((_, index) => ({ index, runDir: `/r/${index}`, info: { id: `grid-${index}`, cluster: { jobId: '7' } } }))), poll: async () => {} },
      refresh: async () => {},
      start: () => assert.fail('a Slurm sweep does not queue local runs'),
    },
    openDashboard: (ids: string[]) => (dashboards.push(ids), undefined),
  } as unknown as Parameters<typeof startSweep>[0];
  assert.deepEqual(await startSweep(deps, configPath), ['grid-0', 'grid-1', 'grid-2']);
  assert.equal(batches.length, 1);
  assert.deepEqual(batches[0].points.map((p) => p.overrides), [['seed=1'], ['seed=2'], ['seed=3']]);
  assert.deepEqual(batches[0].cluster, { partition: 'gpu', maxParallel: 2, cpusPerTask: 1, gpus: 0, signalSeconds: 60 });
  assert.equal(batches[0].runsDir, path.join(dir, 'mtl-runs'));
  assert.deepEqual(dashboards, [['grid-0', 'grid-1', 'grid-2']]);
  rmSync(dir, { recursive: true, force: true });
});
