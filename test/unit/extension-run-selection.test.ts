/** Which runs the tree commands act on (commands/runSelection.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunStatus } from '../../src/training/run/records';
import type { RunNode, TreeNode } from '../../src/extension/tree/treeModel';
import { isResumable, runsToResume, selectedRunIds } from '../../src/extension/commands/runSelection';

function runRow(runId: string): RunNode {
  return { kind: 'run', id: `run:${runId}`, runId, label: runId, accessibilityLabel: runId, runDir: `/ws/mtl-runs/${runId}`, icon: 'stopped', contextValue: 'stoppedRun', collapsible: 'none' };
}

const experimentRow: TreeNode = { kind: 'experiment', id: 'exp:/ws/a.mtl.json', file: '/ws/a.mtl.json', label: 'a', contextValue: 'experiment', collapsible: 'collapsed' };

const statuses: Record<string, RunStatus> = { 'a-1': 'stopped', 'a-2': 'failed', 'a-3': 'running', 'a-4': 'completed', 'a-5': 'stopped' };
const infoOf = (id: string) => (statuses[id] ? { status: statuses[id]! } : undefined);

test('selectedRunIds: the multi-selection when the clicked row is in it, else the clicked row alone', () => {
  const [a, b, c] = [runRow('a-1'), runRow('a-2'), runRow('a-5')];
  assert.deepEqual(selectedRunIds(a, [a, b]), ['a-1', 'a-2'], 'VS Code passes the selection');
  assert.deepEqual(selectedRunIds(a, undefined), ['a-1'], 'a single row');
  assert.deepEqual(selectedRunIds(a, [a], [a, b]), ['a-1', 'a-2'], 'the view selection when VS Code lost part of it');
  assert.deepEqual(selectedRunIds(c, [c], [a, b]), ['a-5'], 'a right-click outside the selection acts on that row alone');
  assert.deepEqual(selectedRunIds(experimentRow, undefined, []), [], 'an experiment row names no run');
  assert.deepEqual(selectedRunIds(undefined, undefined, [a, b]), [], 'from the palette: nothing (the command asks)');
});

test('Resume Run on a multi-selection resumes every stopped or failed run of it, as Stop Run stops all of it', () => {
  const rows = ['a-1', 'a-2', 'a-3', 'a-4', 'a-5'].map(runRow);
  // Right-click (or the inline button) on a-1 with all five selected: VS Code passes the clicked row and the selection.
  assert.deepEqual(runsToResume(rows[0], rows, [], infoOf), ['a-1', 'a-2', 'a-5'], 'running and completed runs are left alone');
  // VS Code lost the selection in a tree refresh: the view's own selection is used, as for Stop.
  assert.deepEqual(runsToResume(rows[4], [rows[4]], rows, infoOf), ['a-1', 'a-2', 'a-5']);
  assert.deepEqual(runsToResume(rows[0], undefined, [], infoOf), ['a-1']);
  assert.deepEqual(runsToResume(runRow('gone'), undefined, [], infoOf), [], 'a run that no longer exists');
  assert.deepEqual(runsToResume(undefined, undefined, rows, infoOf), [], 'from the palette the command asks');
});

test('isResumable: stopped and failed runs only', () => {
  const resumable = (['queued', 'running', 'completed', 'stopped', 'failed'] as const).filter((status) => isResumable({ status }));
  assert.deepEqual(resumable, ['stopped', 'failed']);
});
