/**
 * The Slurm runner's pure parts: sbatch's command line and batch script, squeue's output (recorded from the real
 * Slurm 22.05 of the test cluster, JSON and text), and how Slurm's job states map onto run states.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RunInfo } from '../../src/training/run/records';
import { ARRAY_TASK_ID, batchScript, outputFile, parseJobId, pointTrainArgs, sbatchArgs, shellQuote } from '../../src/training/runner/slurm/sbatch';
import { expandTaskRange, parseSqueueJson, parseSqueueText } from '../../src/training/runner/slurm/squeue';
import { slurmRunState } from '../../src/training/runner/slurm/states';
import { slurmJobOfProcess } from '../../src/training/runner/slurm/inJob';

const fixture = (name: string) => readFileSync(path.resolve(__dirname, '../fixtures/slurm', name), 'utf8');

test('sbatch: one held, not requeued job array throttled by maxParallel, with the time-limit signal and every cluster option', () => {
  const args = sbatchArgs({
    cluster: { partition: 'gpu', time: '1-00:00:00', cpusPerTask: 4, gpus: 1, memory: '8G', account: 'lab', qos: 'normal', extraArgs: ['--constraint=a100'], maxParallel: 2, signalSeconds: 120 },
    jobName: 'mtl-grid',
    arrayCount: 6,
    output: '/runs/.slurm/grid-%A_%a.out',
    script: '/runs/.slurm/grid.sh',
  });
  assert.deepEqual(args, ['--parsable', '--hold', '--job-name=mtl-grid', '--output=/runs/.slurm/grid-%A_%a.out', '--open-mode=append', '--no-requeue', '--signal=B:USR1@120', '--array=0-5%2', '--partition=gpu', '--time=1-00:00:00', '--cpus-per-task=4', '--gpus=1', '--mem=8G', '--account=lab', '--qos=normal', '--constraint=a100', '/runs/.slurm/grid.sh']);
  // No section: the cluster's defaults, one CPU, the signal a minute before the limit; no --array for a single job.
  assert.deepEqual(sbatchArgs({ cluster: undefined, jobName: 'j', output: 'o', script: 's' }), ['--parsable', '--hold', '--job-name=j', '--output=o', '--open-mode=append', '--no-requeue', '--signal=B:USR1@60', '--cpus-per-task=1', 's']);
});

test('the batch script execs Node on the CLI with the array task index expanded by the shell, everything else quoted', () => {
  const script = batchScript('/opt/node 20/bin/node', '/x/dist/cli.js', pointTrainArgs('/exp/it\'s.mtl.json', '/runs', ['optimizer.learningRate=0.01', 'name="a b"'], { backend: 'wasm' }));
  assert.match(script, /^#!\/bin\/sh\n/);
  // What sh makes of the exec line, with the task index set as Slurm sets it.
  const line = script.split('\n').find((l) => l.startsWith('exec '))!;
  const argv = execFileSync('sh', ['-c', `${line.replace(/^exec /, 'printf "%s\\n" ')}`], { env: { SLURM_ARRAY_TASK_ID: '7' }, encoding: 'utf8' }).trimEnd().split('\n');
  assert.deepEqual(argv, ['/opt/node 20/bin/node', '/x/dist/cli.js', 'train', "/exp/it's.mtl.json", '--point', '7', '--runs-dir', '/runs', '--set', 'optimizer.learningRate=0.01', '--set', 'name="a b"', '--backend', 'wasm']);
  assert.equal(shellQuote('plain/path-1.json'), 'plain/path-1.json');
  // A study's task trains the study's N-th run; a program's interpreter goes along.
  assert.deepEqual(pointTrainArgs('/e.mtl.json', '/runs', [], { study: true, python: '/usr/bin/python3' }), ['train', '/e.mtl.json', '--point', ARRAY_TASK_ID, '--study', '--runs-dir', '/runs', '--python', '/usr/bin/python3']);
});

test('sbatch --parsable output and output file names', () => {
  assert.equal(parseJobId('4242\n'), '4242');
  assert.equal(parseJobId('4242;cluster2\n'), '4242');
  assert.equal(parseJobId('sbatch: error: whatever'), undefined);
  assert.equal(outputFile('/r/.slurm/g-%A_%a.out', '12', 3), '/r/.slurm/g-12_3.out');
  assert.equal(outputFile('/r/.slurm/x-%j.out', '13', null), '/r/.slurm/x-13.out');
});

test('squeue --json (Slurm 22.05, recorded): array tasks one by one, pending ranges expanded, reasons kept', () => {
  const running = parseSqueueJson(fixture('squeue-22.05-running.json'));
  const line = (j: (typeof running)[number]) => `${j.jobId}_${j.arrayTaskId} ${j.state} ${j.reason ?? '-'}`;
  assert.deepEqual(running.map(line).sort(), ['1_0 RUNNING -', '1_1 RUNNING -', '1_2 PENDING Resources', '1_3 PENDING Resources', '2_null PENDING JobHeldUser']);
  // After the node went down: the running tasks were requeued (restart count 1) and wait for their begin time.
  const nodeFail = parseSqueueJson(fixture('squeue-22.05-nodefail.json'));
  assert.deepEqual(nodeFail.filter((j) => j.restarts === 1).map(line).sort(), ['1_0 PENDING BeginTime', '1_1 PENDING BeginTime']);
  assert.equal(nodeFail.find((j) => j.jobId === '2')?.state, 'CANCELLED');
});

test('squeue text (the fallback, recorded): the same jobs', () => {
  const line = (j: ReturnType<typeof parseSqueueText>[number]) => `${j.jobId}_${j.arrayTaskId} ${j.state} ${j.reason ?? '-'}`;
  assert.deepEqual(parseSqueueText(fixture('squeue-22.05-running.txt')).map(line).sort(), ['1_0 RUNNING -', '1_1 RUNNING -', '1_2 PENDING Resources', '1_3 PENDING Resources', '2_null PENDING JobHeldUser']);
  assert.deepEqual(parseSqueueText(fixture('squeue-22.05-nodefail.txt')).map(line).sort(), ['1_0 PENDING BeginTime', '1_1 PENDING BeginTime', '1_2 RUNNING -', '1_3 RUNNING -', '2_null CANCELLED JobHeldUser']);
  assert.deepEqual(expandTaskRange('0,4-6,8-12:2%3'), [0, 4, 5, 6, 8, 10, 12]);
});

test('newer squeue --json spellings (state as a list, numbers wrapped) read the same', () => {
  const text = JSON.stringify({ jobs: [{ job_id: { set: true, number: 9 }, array_job_id: { set: true, number: 8 }, array_task_id: { set: true, number: 1 }, job_state: ['TIMEOUT'], state_reason: 'None' }] });
  assert.deepEqual(parseSqueueJson(text), [{ jobId: '8', arrayTaskId: 1, state: 'TIMEOUT', reason: undefined, restarts: undefined }]);
});

const info = (status: RunInfo['status'], error: string | null = null) => ({ status, error: error ? { message: error } : null, cluster: { runner: 'slurm', jobId: '5', arrayTaskId: 0, output: 'o', submittedAt: '' } }) as RunInfo;
const job = (state: string, reason?: string) => ({ jobId: '5', arrayTaskId: 0, state, reason });

test('Slurm states → run states: waiting with its reason, the worker\'s word while it lives, Slurm\'s when it was killed', () => {
  assert.deepEqual(slurmRunState(info('queued'), job('PENDING', 'Resources')), { status: 'queued', reason: 'Resources', schedulerState: 'PENDING' });
  assert.deepEqual(slurmRunState(info('queued'), job('PENDING', 'QOSMaxJobsPerUserLimit')).reason, 'QOSMaxJobsPerUserLimit');
  // Checkpointed before the time limit and requeued: queued again, not stopped.
  assert.equal(slurmRunState(info('stopped'), job('PENDING', 'BeginTime')).status, 'queued');
  assert.equal(slurmRunState(info('queued'), job('RUNNING')).status, 'running');
  assert.deepEqual(slurmRunState(info('running'), job('TIMEOUT')), { status: 'failed', reason: 'time limit reached', schedulerState: 'TIMEOUT' });
  assert.equal(slurmRunState(info('running'), job('OUT_OF_MEMORY')).reason, 'out of memory (raise cluster.memory)');
  assert.equal(slurmRunState(info('running'), job('NODE_FAIL', 'NodeDown')).reason, 'node failure (NodeDown)');
  assert.deepEqual(slurmRunState(info('queued'), job('CANCELLED')), { status: 'stopped', reason: 'cancelled', schedulerState: 'CANCELLED' });
  assert.equal(slurmRunState(info('running'), job('PREEMPTED')).status, 'stopped');
  assert.deepEqual(slurmRunState(info('running'), job('COMPLETED')), { status: 'failed', reason: 'the job ended before the run did', schedulerState: 'COMPLETED' });
  // The worker said how it ended: that stands.
  assert.deepEqual(slurmRunState(info('completed'), job('COMPLETED')), { status: 'completed', reason: undefined, schedulerState: 'COMPLETED' });
  assert.deepEqual(slurmRunState(info('failed', 'loss is NaN at step 3'), job('FAILED')).reason, 'loss is NaN at step 3');
  assert.equal(slurmRunState(info('stopped'), job('CANCELLED')).status, 'stopped');
  // Checkpointed on Slurm's SIGTERM when its node went down (or its time or memory ran out): failed, with the reason.
  assert.deepEqual(slurmRunState(info('stopped'), job('NODE_FAIL', 'NodeDown')), { status: 'failed', reason: 'node failure (NodeDown)', schedulerState: 'NODE_FAIL' });
  assert.equal(slurmRunState(info('stopped'), job('TIMEOUT')).reason, 'time limit reached');
  // Stopped on the time-limit warning, exit 0: stopped.
  assert.equal(slurmRunState(info('stopped'), job('COMPLETED')).status, 'stopped');
  // Gone from squeue (older than MinJobAge) without finishing.
  assert.match(slurmRunState(info('running'), undefined).reason ?? '', /job 5 is no longer known to Slurm/);
  assert.equal(slurmRunState(info('completed'), undefined).status, 'completed');
});

test('the job a process runs in, from Slurm\'s environment', () => {
  assert.equal(slurmJobOfProcess({}), undefined);
  assert.deepEqual(slurmJobOfProcess({ SLURM_JOB_ID: '17', SLURM_ARRAY_JOB_ID: '12', SLURM_ARRAY_TASK_ID: '3' }), { jobId: '12', arrayTaskId: 3 });
  assert.deepEqual(slurmJobOfProcess({ SLURM_JOB_ID: '20' }), { jobId: '20', arrayTaskId: null });
});
