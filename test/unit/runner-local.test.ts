/** The local runner's bookkeeping (its training is the CLI sweep, tested in test/worker): states, cancel, logs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { RunInfo } from '../../src/training/run/records';
import { LocalRunner } from '../../src/training/runner/localRunner';
import { runnerOf } from '../../src/training/runner/runner';

const info = (patch: Partial<RunInfo>) => ({ id: 'r', status: 'running', pid: null, processStartTicks: null, ...patch }) as RunInfo;

test('local states: run.json, except a running run whose process is gone', async () => {
  const gone = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim();
  const states = await new LocalRunner().poll([
    { runDir: '/r/alive', info: info({ pid: process.pid }) },
    { runDir: '/r/dead', info: info({ pid: Number(gone) }) },
    { runDir: '/r/done', info: info({ status: 'completed' }) },
  ]);
  assert.deepEqual(states.get('/r/alive'), { status: 'running' });
  assert.deepEqual(states.get('/r/dead'), { status: 'failed', reason: 'the worker process is gone' });
  assert.deepEqual(states.get('/r/done'), { status: 'completed' });
});

test('cancel stops this process\'s own sweep (and skips its remaining points); logs are worker.log', async () => {
  const runner = new LocalRunner();
  await runner.cancel({ runDir: '/r/x', info: info({ pid: process.pid }) });
  assert.equal(runner.stopped, true);
  assert.deepEqual(await runner.submit({ configPath: 'never-read.mtl.json', runsDir: '/nowhere', sets: [], points: [{ overrides: [], label: 'a' }] }), [], 'a stopped runner starts nothing');
  assert.deepEqual(runner.logs({ runDir: '/r/x', info: info({}) }), ['/r/x/worker.log']);
  assert.equal(runnerOf(info({})), 'local');
  assert.equal(runnerOf(info({ cluster: { runner: 'slurm', jobId: '1', arrayTaskId: 0, output: 'o', submittedAt: '' } })), 'slurm');
});
