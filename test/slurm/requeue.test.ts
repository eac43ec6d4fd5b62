/**
 * Runs that Slurm interrupts, on a real cluster: a time limit shorter than the run (checkpoint on the USR1 warning,
 * requeue of the same array task, resume from the checkpoint) and a node that goes down mid-run (failed with the
 * reason, resumed as a new job).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SlurmCluster } from '../../scripts/slurm-cluster';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import { cli, listRuns, stateOf, waitForRuns, writeConfig, type ListedRun, useCluster } from './helpers';

let cluster: SlurmCluster;
let dir: string;
useCluster((c, d) => ([cluster, dir] = [c, d]));

/** Train records every `every` steps (and the last), each once and in order: nothing repeated or lost. */
function assertEveryStepOnce(run: ListedRun, every: number): void {
  const steps = readRecordsSync(run.runDir).filter((r) => r.kind === 'train').map((r) => r.step);
  const expected = Array.from({ length: Math.floor(run.totalSteps / every) }, (_, i) => (i + 1) * every);
  if (expected.at(-1) !== run.totalSteps) expected.push(run.totalSteps);
  assert.equal(run.step, run.totalSteps);
  assert.deepEqual(steps, expected);
}

test('a time limit shorter than the run: the worker checkpoints on the USR1 warning, Slurm requeues the task, and it resumes in the same run directory to completion', async () => {
  // A one-minute limit with the warning 55 s before it: Slurm checks limits every 30 s, so the warning comes within
  // the first 35 s of the job; the run trains longer than that even on a fast machine (126000 steps, ≈ 60 s on a
  // quiet 2-core machine).
  const config = writeConfig(dir, 'limited', { training: { epochs: 4200, batchSize: 16, evalEvery: 5000, logEvery: 10 }, sweep: { seed: [7] }, cluster: { time: '1', signalSeconds: 55 } });
  const runsDir = path.join(dir, 'limited-runs');
  assert.equal(cli(cluster, ['sweep', config, '--runner', 'slurm', '--runs-dir', runsDir]).code, 0);
  // Checkpointed and back in the queue (run.json says so too): Slurm holds a requeued job about two minutes (BeginTime).
  const [requeued] = await waitForRuns(cluster, runsDir, 'the run checkpointed and requeued on the time-limit warning', (runs) => runs[0]?.status === 'queued' && runs[0].step > 0 && runs[0].clusterState?.schedulerState === 'PENDING', 120_000);
  assert.equal(stateOf(requeued), 'queued');
  assert.equal(requeued.clusterState?.reason, 'BeginTime');
  const events = () => readRecordsSync(requeued.runDir).filter((r) => r.kind === 'event').map((r) => (r.kind === 'event' ? r.code : ''));
  assert.deepEqual(events().filter((c) => c === 'stopped' || c === 'resumed'), ['stopped'], 'checkpointed on the warning');
  assert.ok(requeued.step > 0 && requeued.step < requeued.totalSteps, `checkpointed at ${requeued.step} of ${requeued.totalSteps}`);
  assert.ok(existsSync(path.join(requeued.runDir, 'checkpoint')), 'a checkpoint');
  const task = `${requeued.cluster?.jobId}_${requeued.cluster?.arrayTaskId}`;
  assert.match(cluster.run('scontrol', ['show', 'job', task]), /Requeue=1 Restarts=1 /, 'requeued once, by the worker (the job was submitted --no-requeue)');
  // Queued: not a second job on the same run directory.
  const again = cli(cluster, ['resume', requeued.runDir]);
  assert.notEqual(again.code, 0, again.stdout);
  assert.match(again.stderr, /queued on the cluster/);
  // The requeued task gets a longer limit (as its user would ask for), so it is not warned again.
  cluster.run('scontrol', ['update', `jobid=${task}`, 'timelimit=30']);
  // ≈ 2 min held + 40 s training on a quiet machine; generous, since a loaded one (load 13 on 2 cores, once) trains several times slower.
  const [run] = await waitForRuns(cluster, runsDir, 'the requeued run completed', (runs) => stateOf(runs[0]) === 'completed', 480_000);
  assert.equal(listRuns(cluster, runsDir).length, 1, 'one run directory');
  assert.equal(run.runDir, requeued.runDir);
  assert.equal(run.id, requeued.id);
  assert.deepEqual(run.cluster, requeued.cluster, 'the same job and array task');
  // The second attempt made the job --no-requeue again: a node failure from then on fails the run with its reason.
  assert.match(cluster.run('scontrol', ['show', 'job', task]), /Requeue=0 Restarts=1 /);
  assert.deepEqual(events().filter((c) => c === 'stopped' || c === 'resumed'), ['stopped', 'resumed'], 'one checkpoint, on the warning; one resume, by the requeued task');
  assert.equal(events().at(-1), 'completed');
  assertEveryStepOnce(run, 10);
  // Both attempts in the task's output file (appended, not emptied by the requeue).
  const output = readFileSync(run.cluster!.output, 'utf8');
  assert.match(output, new RegExp(`Slurm job ${task} requeued[^]*completed 126000 steps`));
});

test('a node that goes down mid-run: the run is marked failed with the reason (NODE_FAIL); after the node returns, Resume completes it', async () => {
  const config = writeConfig(dir, 'nodedown', { training: { epochs: 300, batchSize: 16, evalEvery: 5000, logEvery: 10 }, sweep: { seed: [8] } });
  const runsDir = path.join(dir, 'nodedown-runs');
  assert.equal(cli(cluster, ['sweep', config, '--runner', 'slurm', '--runs-dir', runsDir]).code, 0);
  await waitForRuns(cluster, runsDir, 'the run past step 500', (runs) => runs[0]?.status === 'running' && runs[0].step >= 500, 30_000);
  cluster.run('scontrol', ['update', `nodename=${cluster.node}`, 'state=down', 'reason=mtl-lab test: node failure']);
  let failed: ListedRun;
  try {
    [failed] = await waitForRuns(cluster, runsDir, 'the run failed', (runs) => runs[0]?.status === 'failed', 30_000);
    assert.equal(failed.clusterState?.schedulerState, 'NODE_FAIL');
    assert.match(failed.error?.message ?? '', /^node failure/);
    assert.match(failed.clusterState?.reason ?? '', /^node failure/);
    assert.ok(failed.step > 0 && failed.step < failed.totalSteps, `failed at ${failed.step} of ${failed.totalSteps}`);
    const table = cli(cluster, ['runs', '--runs-dir', runsDir]).stdout;
    assert.match(table, /failed .* NODE_FAIL: node failure/);
  } finally {
    // The node returns (ReturnToService=2 brings it back once its slurmd answers; an administrator would resume it).
    if (/down/.test(cluster.run('sinfo', ['--noheader', '--Node', '--format=%T']))) cluster.run('scontrol', ['update', `nodename=${cluster.node}`, 'state=resume']);
  }
  const resumed = cli(cluster, ['resume', failed.runDir]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const [run] = await waitForRuns(cluster, runsDir, 'the resumed run completed', (runs) => stateOf(runs[0]) === 'completed', 60_000);
  assert.notEqual(run.cluster?.jobId, failed.cluster?.jobId, 'a new job');
  const events = readRecordsSync(run.runDir).filter((r) => r.kind === 'event').map((r) => (r.kind === 'event' ? r.code : ''));
  assert.deepEqual(events.filter((c) => c === 'stopped' || c === 'resumed'), ['stopped', 'resumed'], 'checkpointed on the node\'s SIGTERM, resumed from it');
  assertEveryStepOnce(run, 10);
});
