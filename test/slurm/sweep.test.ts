/**
 * The Slurm runner against a real single-node Slurm cluster (scripts/slurm-cluster.ts; 2 CPUs in CI): a sweep is one
 * job array whose runs equal the same points trained locally; stop and resume; submissions that fail leave nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { SlurmCluster } from '../../scripts/slurm-cluster';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import type { MetricRecord } from '../../src/training/run/records';
import { cli, listRuns, stateOf, waitForRuns, writeConfig, useCluster } from './helpers';

let cluster: SlurmCluster;
let dir: string;
useCluster((c, d) => ([cluster, dir] = [c, d]));

/** What a run computed, without the wall-clock parts (time, speed). */
function computed(records: MetricRecord[]): unknown[] {
  return records.filter((r) => r.kind !== 'event').map((r) => (r.kind === 'train' ? { step: r.step, losses: r.losses, totalLoss: r.totalLoss, weights: r.weights } : { step: r.step, metrics: r.metrics }));
}

test('a 4-point sweep on 2 CPUs: one job array, two run while two wait for Resources, all complete with the records of a local sweep', async () => {
  assert.equal(cluster.cpus, 2, 'the sandbox node has two CPUs');
  // Runs of 4500 steps (≈ 10 s each on a quiet machine): long enough to see two wait while two train (600-step runs
  // once finished between two looks at the queue).
  const config = writeConfig(dir, 'grid', { training: { epochs: 150, batchSize: 16, evalEvery: 500 }, sweep: { seed: [1, 2, 3, 4] }, cluster: { cpusPerTask: 1 } });
  const runsDir = path.join(dir, 'slurm-runs');
  const submitted = cli(cluster, ['sweep', config, '--runner', 'slurm', '--runs-dir', runsDir]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const jobId = /submitted Slurm job (\d+): 4 runs/.exec(submitted.stdout)?.[1];
  assert.ok(jobId, submitted.stdout);

  // Right after submission: every run directory knows its job and array task; two run, two wait for CPUs.
  const waiting = await waitForRuns(cluster, runsDir, 'two running and two waiting for Resources', (runs) => runs.filter((r) => stateOf(r) === 'running').length === 2 && runs.filter((r) => r.clusterState?.reason === 'Resources').length === 2, 20_000);
  assert.deepEqual(waiting.map((r) => `${r.cluster?.jobId}_${r.cluster?.arrayTaskId}`).sort(), [0, 1, 2, 3].map((i) => `${jobId}_${i}`));
  assert.deepEqual(waiting.filter((r) => stateOf(r) === 'queued').map((r) => r.clusterState?.schedulerState), ['PENDING', 'PENDING']);

  const done = await waitForRuns(cluster, runsDir, 'all four completed', (runs) => runs.length === 4 && runs.every((r) => stateOf(r) === 'completed'), 180_000);
  const table = cli(cluster, ['runs', '--runs-dir', runsDir]).stdout;
  assert.match(table, new RegExp(`${jobId}_3\\s+COMPLETED`));

  // The same points trained here, one after another: the same records, point by point.
  const localDir = path.join(dir, 'local-runs');
  const local = cli(cluster, ['sweep', config, '--runs-dir', localDir, '--json']);
  assert.equal(local.code, 0, local.stderr);
  const localRuns = JSON.parse(local.stdout) as { runDir: string; overrides: string[] }[];
  for (const run of localRuns) {
    const twin = done.find((r) => JSON.stringify(r.overrides) === JSON.stringify(run.overrides));
    assert.ok(twin, `no Slurm run with ${run.overrides}`);
    const [a, b] = [computed(readRecordsSync(twin.runDir)), computed(readRecordsSync(run.runDir))];
    assert.ok(a.length > 600, `${a.length} records`);
    assert.deepEqual(a, b, `${run.overrides}: Slurm and local records differ`);
  }
});

test('stop → scancel → stopped with a checkpoint; resume → a new job that completes it, steps continuing', async () => {
  // 15000 steps (≈ 30 s on a quiet machine): 6000 once completed before the stop reached it, under load.
  const config = writeConfig(dir, 'long', { training: { epochs: 500, batchSize: 16, evalEvery: 500 }, sweep: { seed: [5] } });
  const runsDir = path.join(dir, 'stop-runs');
  assert.equal(cli(cluster, ['sweep', config, '--runner', 'slurm', '--runs-dir', runsDir]).code, 0);
  const [running] = await waitForRuns(cluster, runsDir, 'the run past step 100', (runs) => runs[0]?.status === 'running' && runs[0].step >= 100, 30_000);
  const stop = cli(cluster, ['stop', running.runDir]);
  assert.equal(stop.code, 0, stop.stderr);
  const [stopped] = await waitForRuns(cluster, runsDir, 'the run stopped', (runs) => stateOf(runs[0]) === 'stopped' && runs[0].status === 'stopped', 30_000);
  assert.ok(existsSync(path.join(stopped.runDir, 'checkpoint')), 'a checkpoint');
  assert.ok(stopped.step > 0 && stopped.step < stopped.totalSteps, `stopped at ${stopped.step} of ${stopped.totalSteps}`);

  const resumed = cli(cluster, ['resume', stopped.runDir]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const [completed] = await waitForRuns(cluster, runsDir, 'the resumed run completed', (runs) => stateOf(runs[0]) === 'completed', 120_000);
  assert.notEqual(completed.cluster?.jobId, stopped.cluster?.jobId, 'a new job');
  const steps = readRecordsSync(completed.runDir).filter((r) => r.kind === 'train').map((r) => r.step);
  assert.deepEqual(steps, Array.from({ length: completed.totalSteps }, (_, i) => i + 1), 'every step once, in order');
});

test('a submission Slurm refuses (bad partition, unknown sbatch option, no sbatch on PATH) says why and leaves nothing behind', () => {
  const cases: { name: string; cluster?: Record<string, unknown>; env?: NodeJS.ProcessEnv; message: RegExp }[] = [
    { name: 'partition', cluster: { partition: 'nosuchpartition' }, message: /sbatch failed: .*invalid partition/i },
    { name: 'option', cluster: { extraArgs: ['--no-such-option'] }, message: /sbatch failed: .*unrecognized option '--no-such-option'/ },
    { name: 'path', env: { PATH: '/nonexistent' }, message: /sbatch was not found on PATH/ },
  ];
  const before = cluster.run('squeue', ['--noheader', '--states=all', '--format=%i']);
  for (const c of cases) {
    const config = writeConfig(dir, `bad-${c.name}`, { sweep: { seed: [1, 2] }, ...(c.cluster ? { cluster: c.cluster } : {}) });
    const runsDir = path.join(dir, `bad-${c.name}-runs`);
    const result = cli(cluster, ['sweep', config, '--runner', 'slurm', '--runs-dir', runsDir], c.env);
    assert.equal(result.code, 2, `${c.name}: ${result.stderr}`);
    assert.match(result.stderr, c.message);
    assert.deepEqual(listRuns(cluster, runsDir), [], `${c.name}: no run directory left`);
    assert.deepEqual(existsSync(runsDir) ? readdirSync(runsDir).filter((f) => !f.startsWith('.')) : [], []);
  }
  assert.equal(cluster.run('squeue', ['--noheader', '--states=all', '--format=%i']), before, 'no job submitted');
});
