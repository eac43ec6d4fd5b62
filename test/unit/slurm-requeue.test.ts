/**
 * The requeue before a time limit, without a cluster: which scontrol commands a task runs (the real cluster's test
 * is test/slurm/requeue.test.ts), and what the batch script tells the worker about `--no-requeue`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { batchScript, submittedRequeueable } from '../../src/training/runner/slurm/sbatch';
import { NO_REQUEUE_ENV, requeueCommands, requeueThisTask, restoreNoRequeue, scontrolJobId } from '../../src/training/runner/slurm/requeue';

const task = { jobId: '12', arrayTaskId: 3 };
const single = { jobId: '40', arrayTaskId: null };

test('a task is named <array job id>_<task id> to scontrol, a single job by its id', () => {
  assert.equal(scontrolJobId(task), '12_3');
  assert.equal(scontrolJobId(single), '40');
});

test('a --no-requeue job is made requeueable just before its own requeue; a --requeue one is requeued as it is', () => {
  assert.deepEqual(requeueCommands(task, { [NO_REQUEUE_ENV]: '1' }), [['update', 'jobid=12_3', 'requeue=1'], ['requeue', '12_3']]);
  assert.deepEqual(requeueCommands(single, {}), [['requeue', '40']]);
});

test('requeueThisTask runs the commands in order and stops at the first refusal, with scontrol\'s words', () => {
  const ran: string[][] = [];
  assert.equal(requeueThisTask(task, { [NO_REQUEUE_ENV]: '1' }, (args) => void ran.push(args)), undefined);
  assert.deepEqual(ran, [['update', 'jobid=12_3', 'requeue=1'], ['requeue', '12_3']]);
  const refused = requeueThisTask(task, {}, () => {
    throw Object.assign(new Error('Command failed: scontrol requeue 12_3'), { stderr: Buffer.from('12_3: Requested operation is presently disabled\n') });
  });
  assert.equal(refused, '12_3: Requested operation is presently disabled');
});

test('a requeued attempt (SLURM_RESTART_COUNT > 0) of a --no-requeue job forbids requeueing again; a first attempt, or a --requeue job, is left alone', () => {
  const ran: string[][] = [];
  const record = (args: string[]) => void ran.push(args);
  assert.equal(restoreNoRequeue(task, { [NO_REQUEUE_ENV]: '1', SLURM_RESTART_COUNT: '1' }, record), undefined);
  restoreNoRequeue(task, { [NO_REQUEUE_ENV]: '1', SLURM_RESTART_COUNT: '0' }, record);
  restoreNoRequeue(task, { [NO_REQUEUE_ENV]: '1' }, record);
  restoreNoRequeue(task, { SLURM_RESTART_COUNT: '2' }, record);
  assert.deepEqual(ran, [['update', 'jobid=12_3', 'requeue=0']]);
});

test('the batch script tells the worker that its job was submitted --no-requeue, unless cluster.extraArgs asked for --requeue', () => {
  const seen = (script: string) => execFileSync('sh', ['-c', script.replace(/^exec .*$/m, `printf '%s' "$${NO_REQUEUE_ENV}"`)], { env: {}, encoding: 'utf8' });
  assert.equal(seen(batchScript('/n', '/c.js', ['train'])), '1');
  assert.equal(seen(batchScript('/n', '/c.js', ['train'], true)), '');
  assert.equal(submittedRequeueable({ extraArgs: ['--constraint=a100', '--requeue'] }), true);
  assert.equal(submittedRequeueable({ extraArgs: ['--no-requeue'] }), false);
  assert.equal(submittedRequeueable(undefined), false);
});
