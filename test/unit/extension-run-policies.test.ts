import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunInfo } from '../../src/training/run/records';
import { processStartTicks } from '../../src/training/run/processIdentity';
import { crashMessage, decideReattach, EXITED_WHILE_CLOSED, failedRunInfo, startableCount, stopPlan } from '../../src/extension/runs/policies';
import { MetricsTail, parseRecordLines, readAllRecords, splitCompleteLines } from '../../src/extension/runs/metricsTail';
import { isRunProcessAlive, listRunLocations, readLastLines, readRunInfo, writeRunInfoAtomic } from '../../src/extension/runs/runDirectory';

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

const train = (step: number) => JSON.stringify({ kind: 'train', step, epoch: 0, time: 1, losses: { a: 1 }, totalLoss: 1, weights: { a: 1 }, samplesPerSecond: 1 });

test('re-attach: a running run with a live pid is tailed, a dead one is marked failed, others are left alone', () => {
  assert.deepEqual(decideReattach(info(), false, () => true), { action: 'tail' });
  assert.deepEqual(decideReattach(info(), false, () => false), { action: 'mark-failed', message: EXITED_WHILE_CLOSED });
  assert.deepEqual(decideReattach(info({ pid: null }), false, () => true), { action: 'mark-failed', message: EXITED_WHILE_CLOSED });
  assert.deepEqual(decideReattach(info(), true, () => false), { action: 'none' }, 'an owned worker reports its own exit');
  for (const status of ['completed', 'stopped', 'failed', 'queued'] as const) {
    assert.deepEqual(decideReattach(info({ status }), false, () => false), { action: 'none' });
  }
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

test('splitCompleteLines keeps a torn last line for later and never cuts a multi-byte character', () => {
  const bytes = Buffer.from('{"a":1}\n{"b":"é', 'utf8');
  const chunk = splitCompleteLines(bytes, 100);
  assert.deepEqual(chunk.lines, ['{"a":1}']);
  assert.deepEqual(chunk.ends, [108]);
  assert.equal(chunk.nextOffset, 108);
  assert.deepEqual(splitCompleteLines(Buffer.from('no newline'), 5), { lines: [], ends: [], nextOffset: 5 });
  const crlf = splitCompleteLines(Buffer.from('x\r\nyé\n'), 10);
  assert.deepEqual(crlf.lines, ['x', 'yé']);
  assert.deepEqual(crlf.ends, [13, 17], 'byte offsets past each newline (é is two bytes)');
});

test("parseRecordLines skips lines that are not records and keeps each record's line end", () => {
  const parsed = parseRecordLines([train(1), 'not json', '{"kind":"train"}', '', train(2)], [10, 20, 30, 31, 40]);
  assert.deepEqual(parsed.records.map((r) => r.step), [1, 2]);
  assert.deepEqual(parsed.offsets, [10, 40]);
  assert.equal(parsed.skipped, 2);
});

test('MetricsTail reads appended records once, waits for a torn line to complete, and restarts on a replaced file', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mtl-tail-'));
  const file = path.join(dir, 'metrics.jsonl');
  const tail = new MetricsTail(file);
  assert.deepEqual((await tail.poll()).records, [], 'a missing file reads as nothing');
  await fs.writeFile(file, `${train(1)}\n${train(2)}\n${train(3).slice(0, 20)}`);
  assert.deepEqual((await tail.poll()).records.map((r) => r.step), [1, 2]);
  assert.deepEqual((await tail.poll()).records, []);
  await fs.appendFile(file, `${train(3).slice(20)}\n${train(4)}\n`);
  const polled = await tail.poll();
  assert.deepEqual(polled.records.map((r) => r.step), [3, 4]);
  const size = (await fs.stat(file)).size;
  assert.deepEqual(polled.offsets, [size - train(4).length - 1, size], 'each record ends where its line ends');
  await fs.appendFile(file, train(5).slice(0, 9));
  const history = await readAllRecords(file);
  assert.deepEqual(history.records.map((r) => r.step), [1, 2, 3, 4]);
  assert.equal(history.offset, size, 'the history read stops before the torn line');
  await fs.writeFile(file, `${train(9)}\n`);
  assert.deepEqual((await tail.poll()).records.map((r) => r.step), [9]);
  await fs.rm(dir, { recursive: true });
});

test('run directory: atomic run.json round trip, listing, validation and log tail', async () => {
  const runsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mtl-runs-'));
  const runDir = path.join(runsDir, 'exp-1');
  await fs.mkdir(runDir);
  await fs.mkdir(path.join(runsDir, 'not-a-run'));
  await writeRunInfoAtomic(runDir, info({ id: 'exp-1' }));
  assert.deepEqual(await listRunLocations(runsDir), [{ runId: 'exp-1', runDir }]);
  assert.deepEqual(await listRunLocations(path.join(runsDir, 'missing')), []);
  const read = await readRunInfo(runDir);
  assert.ok(read.ok && read.info.id === 'exp-1');
  assert.deepEqual((await fs.readdir(runDir)).sort(), ['run.json'], 'no temp file left behind');
  await fs.writeFile(path.join(runDir, 'run.json'), '{"version":1}');
  const bad = await readRunInfo(runDir);
  assert.ok(!bad.ok && /does not match/.test(bad.reason));
  await fs.writeFile(path.join(runDir, 'worker.log'), 'one\ntwo\nthree\n\n');
  assert.deepEqual(await readLastLines(path.join(runDir, 'worker.log'), 2), ['two', 'three']);
  assert.deepEqual(await readLastLines(path.join(runDir, 'missing.log'), 2), []);
  await fs.rm(runsDir, { recursive: true });
});
