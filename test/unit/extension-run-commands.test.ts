/**
 * The run commands' wiring, with a stand-in for VS Code: Resume Run from the tree resumes every
 * resumable run of the selection (as Stop Run stops all of it) and gathers them in one dashboard.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installFakeVscode } from '../helpers/fakeVscode';
import type { RunStatus } from '../../src/training/run/records';
import type { RunNode } from '../../src/extension/tree/treeModel';

const errors: string[] = [];
installFakeVscode({
  workspace: { isTrusted: true, workspaceFolders: [] },
  window: {
    showErrorMessage: async (message: string) => void errors.push(message),
    showQuickPick: async () => assert.fail('a tree invocation must not ask which run'),
  },
});

const { runCommands } = require('../../src/extension/runs/runCommands') as typeof import('../../src/extension/runs/runCommands');
const { COMMANDS } = require('../../src/extension/commands/commandIds') as typeof import('../../src/extension/commands/commandIds');
const { dashboardGatherer } = require('../../src/extension/dashboard/gather') as typeof import('../../src/extension/dashboard/gather');

function runRow(runId: string): RunNode {
  return { kind: 'run', id: `run:${runId}`, runId, label: runId, accessibilityLabel: runId, runDir: `/ws/mtl-runs/${runId}`, icon: 'stopped', contextValue: 'stoppedRun', collapsible: 'none' };
}

function fakeDeps(statuses: Record<string, RunStatus>, viewSelection: RunNode[] = []) {
  const calls = { resumed: [] as string[], stopped: [] as string[], dashboards: [] as string[][], added: [] as string[][] };
  const deps = {
    tree: { view: { selection: viewSelection } },
    runs: {
      manager: {
        get: (id: string) => (statuses[id] ? { info: { id, status: statuses[id] } } : undefined),
        stop: async (id: string) => void calls.stopped.push(id),
      },
      resumeRun: async (id: string) => {
        if (id === 'a-5') throw new Error('no checkpoint');
        calls.resumed.push(id);
      },
    },
    openDashboard: (ids: string[]) => {
      calls.dashboards.push(ids);
      return { closed: false, addRuns: (more: readonly string[]) => void calls.added.push([...more]) };
    },
  } as unknown as Parameters<typeof runCommands>[0];
  return { deps, calls };
}

test('Resume Run on a selection resumes its stopped and failed runs, reports the one that cannot, and gathers the rest in one dashboard', async () => {
  const statuses: Record<string, RunStatus> = { 'a-1': 'stopped', 'a-2': 'failed', 'a-3': 'running', 'a-4': 'completed', 'a-5': 'stopped' };
  const rows = Object.keys(statuses).map(runRow);
  const { deps, calls } = fakeDeps(statuses);
  await runCommands(deps)[COMMANDS.resumeRun](rows[0], rows);
  assert.deepEqual(calls.resumed.sort(), ['a-1', 'a-2']);
  assert.deepEqual(errors, ['MTL Lab: could not resume a-5: no checkpoint']);
  assert.equal(calls.dashboards.length, 1, 'one dashboard');
  assert.deepEqual([...calls.dashboards[0]!, ...calls.added.flat()].sort(), ['a-1', 'a-2']);
});

test('Stop Run and Resume Run read the same selection: the view selection when VS Code passed only the clicked row', async () => {
  const statuses: Record<string, RunStatus> = { 'a-1': 'stopped', 'a-2': 'stopped' };
  const rows = Object.keys(statuses).map(runRow);
  const { deps, calls } = fakeDeps(statuses, rows);
  await runCommands(deps)[COMMANDS.resumeRun](rows[1], [rows[1]]);
  await runCommands(deps)[COMMANDS.stopRun](rows[1], [rows[1]]);
  assert.deepEqual(calls.resumed.sort(), ['a-1', 'a-2']);
  assert.deepEqual(calls.stopped.sort(), ['a-1', 'a-2']);
});

test('dashboardGatherer: the first run opens the dashboard, later ones join it, none reopens it once closed', () => {
  const opened: string[][] = [];
  const added: string[] = [];
  const handle = { closed: false, addRuns: (ids: readonly string[]) => void added.push(...ids) };
  const gather = dashboardGatherer((ids) => {
    opened.push(ids);
    return handle;
  });
  gather('r1');
  gather('r2');
  handle.closed = true;
  gather('r3');
  assert.deepEqual(opened, [['r1']]);
  assert.deepEqual(added, ['r2']);
});
