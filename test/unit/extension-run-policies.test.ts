import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { RunInfo } from '../../src/training/run/records';
import { crashMessage, decideReattach, EXITED_WHILE_CLOSED, failedRunInfo, startableCount, stopPlan } from '../../src/extension/runs/policies';
import { isRunProcessAlive, processStartTicks } from '../../src/training/run/processIdentity';

function info(overrides: Partial<RunInfo> = {}): RunInfo {
  return {
    version: 1, id: 'exp-20250101-000000-abcd', name: 'exp', experimentFile: '/w/exp.mtl.json', status: 'running',
    createdAt: '2025-01-01T00:00:00.000Z', startedAt: '2025-01-01T00:00:00.000Z', endedAt: null, backend: 'cpu', pid: 1234,
    step: 40, totalSteps: 100, overrides: [], error: null, summary: null, ...overrides,
  };
}

test('re-attach: a live pid is the run’s worker only if that process started at the tick run.json recorded (pids are reused)', async () => {
  const ticks = processStartTicks(process.pid);
  if (process.platform === 'linux') {
    assert.ok(Number.isInteger(ticks) && ticks! > 0, `this process's start tick: ${ticks}`);
    assert.equal(processStartTicks(process.pid), ticks, 'stable');
  }
  const alive = (pid: number, i: RunInfo) => isRunProcessAlive(pid, i.processStartTicks);
  assert.equal(isRunProcessAlive(process.pid, ticks ?? null), true, 'the process that wrote it');
  assert.deepEqual(decideReattach(info({ pid: process.pid, processStartTicks: ticks ?? null }), false, alive), { action: 'tail' });
  if (process.platform === 'linux') {
    const reused = info({ pid: process.pid, processStartTicks: ticks! - 100 });
    assert.equal(isRunProcessAlive(process.pid, reused.processStartTicks), false, 'recorded by a process that started a second earlier: the pid was reused');
    assert.deepEqual(decideReattach(reused, false, alive), { action: 'mark-failed', message: EXITED_WHILE_CLOSED });
  }
  assert.equal(isRunProcessAlive(process.pid, undefined), true, 'run.json from before the field: the pid alone decides');
  assert.equal(isRunProcessAlive(process.pid, 12345, () => undefined), true, 'no start time readable (not Linux): the pid alone decides');
  // A pid that no process has.
  const dead = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['-e', '0']);
    child.on('exit', () => resolve(child.pid!));
  });
  assert.equal(isRunProcessAlive(dead, null), false);
});

test('re-attach: a running run with a live pid is tailed, a dead one is marked failed, others are left alone', () => {
  assert.deepEqual(decideReattach(info(), false, () => true), { action: 'tail' });
  assert.deepEqual(decideReattach(info(), false, () => false), { action: 'mark-failed', message: EXITED_WHILE_CLOSED });
  assert.deepEqual(decideReattach(info({ pid: null }), false, () => true), { action: 'mark-failed', message: EXITED_WHILE_CLOSED });
  assert.deepEqual(decideReattach(info(), true, () => false), { action: 'none' }, 'an owned worker reports its own exit');
  for (const status of ['completed', 'stopped', 'failed', 'queued'] as const) {
    assert.deepEqual(decideReattach(info({ status }), false, () => false), { action: 'none' });
  }
  // A Slurm run's pid lives on a compute node: a pid not alive here says nothing; it is followed from disk.
  const cluster = { runner: 'slurm', jobId: '12', arrayTaskId: 0, output: '/runs/.slurm/x-12_0.out', submittedAt: '' };
  assert.deepEqual(decideReattach(info({ cluster }), false, () => false), { action: 'tail' });
});

test('a failed run keeps its step and gets an end time and the message', () => {
  const failed = failedRunInfo(info(), 'boom', new Date('2025-01-02T00:00:00.000Z'));
  assert.equal(failed.status, 'failed');
  assert.equal(failed.endedAt, '2025-01-02T00:00:00.000Z');
  assert.deepEqual(failed.error, { message: 'boom', step: 40 });
  assert.equal(failed.pid, 1234);
});

test('stop escalation: IPC stop, SIGTERM after 10 s, SIGKILL 5 s later; SIGTERM first without IPC', () => {
  assert.deepEqual(stopPlan(true), [
    { at: 0, kind: 'ipc-stop' },
    { at: 10_000, kind: 'signal', signal: 'SIGTERM' },
    { at: 15_000, kind: 'signal', signal: 'SIGKILL' },
  ]);
  assert.deepEqual(stopPlan(false), [
    { at: 0, kind: 'signal', signal: 'SIGTERM' },
    { at: 15_000, kind: 'signal', signal: 'SIGKILL' },
  ]);
  assert.deepEqual(stopPlan(true, { termAfterMs: 100, killAfterMs: 50 }).map((a) => a.at), [0, 100, 150]);
});

test('queue: starts only up to maxConcurrentRuns, and at least one', () => {
  assert.equal(startableCount(0, 3, 1), 1);
  assert.equal(startableCount(1, 3, 1), 0);
  assert.equal(startableCount(1, 3, 3), 2);
  assert.equal(startableCount(0, 1, 4), 1);
  assert.equal(startableCount(0, 2, 0), 1, 'a setting of 0 would deadlock the queue');
  assert.equal(startableCount(0, 2, Number.NaN), 1);
  assert.equal(startableCount(5, 2, 2), 0);
});

test('crash message names the signal or exit code and quotes the log', () => {
  assert.equal(crashMessage(null, 'SIGKILL', []), 'the worker was killed by SIGKILL');
  assert.equal(crashMessage(null, null, [], 4242), 'the worker (pid 4242) exited without writing its final status');
  assert.match(crashMessage(3, null, ['a', 'b']), /^the worker exited with code 3 without writing its final status\. Last lines of worker\.log:\na\nb$/);
});
