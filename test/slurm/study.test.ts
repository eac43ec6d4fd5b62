/**
 * Studies and program experiments on a real Slurm cluster (scripts/slurm-cluster.ts): a study is one job array whose
 * task i trains the plan's i-th run (baselines first), and its Δm comes from the finished runs; a `"program"`
 * sweep runs the user's program on the node with its point's values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SlurmCluster } from '../../scripts/slurm-cluster';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import type { RunInfo } from '../../src/training/run/records';
import { cli, listRuns, root, stateOf, useCluster, waitForRuns, writeConfig } from './helpers';

let cluster: SlurmCluster;
let dir: string;
useCluster((c, d) => ([cluster, dir] = [c, d]));

interface StudyJson {
  groups: { baselineOf?: string; deltaM?: { mean: number; std?: number; n: number }; runs: { id: string; seed: number; status: string; deltaM?: { value?: number } }[] }[];
  failures: unknown[];
}

/** Δm of a run from the summaries in run.json, by the formula (LibMTL's): (100/K) Σ s_k (M_k − B_k) / B_k. */
function deltaMByHand(run: RunInfo, all: RunInfo[]): number {
  const parts = Object.entries(run.baselines ?? {}).map(([task, key]) => {
    const baseline = all.find((b) => b.baseline?.key === key)!;
    const [m, b] = task === 'cls' ? [run.summary!.metrics[task].accuracy!, baseline.summary!.metrics[task].accuracy!] : [-run.summary!.metrics[task].rmse!, -baseline.summary!.metrics[task].rmse!];
    return (100 * (m - b)) / Math.abs(b);
  });
  assert.equal(parts.length, 2);
  return parts.reduce((a, b) => a + b, 0) / parts.length;
}

test('a study on Slurm: baselines and runs in one job array, task i the plan\'s i-th run; --wait prints Δm from the finished runs', async () => {
  // 2 seeds × (1 multi-task run + 2 single-task baselines) = 6 runs of 150 steps.
  const config = writeConfig(dir, 'study', { training: { epochs: 5, batchSize: 16, evalEvery: 500 }, study: { seeds: [1, 2], baselines: 'auto' } });
  const runsDir = path.join(dir, 'study-runs');
  const result = cli(cluster, ['study', config, '--runner', 'slurm', '--wait', '--json', '--runs-dir', runsDir]);
  assert.equal(result.code, 0, result.stderr);
  const jobId = /submitted Slurm job (\d+): 6 runs/.exec(result.stderr)?.[1];
  assert.ok(jobId, result.stderr);
  assert.match(result.stderr, /6 completed/);

  // Every run is a task of the one array, in the study plan's order: the baselines (task by task, seed by seed), then the runs.
  const infos = listRuns(cluster, runsDir).sort((a, b) => a.cluster!.arrayTaskId! - b.cluster!.arrayTaskId!);
  assert.deepEqual(infos.map((r) => `${r.cluster?.jobId}_${r.cluster?.arrayTaskId}`), [0, 1, 2, 3, 4, 5].map((i) => `${jobId}_${i}`));
  assert.deepEqual(infos.map((r) => (r.baseline ? `baseline ${r.baseline.task}` : 'run')), ['baseline reg', 'baseline cls', 'baseline reg', 'baseline cls', 'run', 'run']);
  assert.deepEqual(infos.map((r) => r.overrides.find((o) => o.startsWith('seed='))), ['seed=1', 'seed=1', 'seed=2', 'seed=2', 'seed=1', 'seed=2']);
  assert.ok(infos.every((r) => r.status === 'completed' && r.step === 150), JSON.stringify(infos.map((r) => [r.status, r.step])));
  // A baseline trains its own task alone (static weights 1 and 0), as in a local study.
  const baselineConfig = JSON.parse(readFileSync(path.join(infos[1].runDir, 'config.json'), 'utf8')) as { loss: { weighting: string; weights: Record<string, number> } };
  assert.deepEqual(baselineConfig.loss, { weighting: 'static', weights: { reg: 0, cls: 1 } });

  // Δm of each run and of the group, recomputed from the run.json summaries.
  const summary = JSON.parse(result.stdout) as StudyJson;
  assert.deepEqual(summary.failures, []);
  const group = summary.groups.find((g) => !g.baselineOf);
  assert.ok(group?.deltaM, result.stdout);
  const byHand = infos.filter((r) => !r.baseline).map((r) => deltaMByHand(r, infos));
  for (const [i, run] of infos.filter((r) => !r.baseline).entries()) {
    const reported = group.runs.find((m) => m.id === run.id)?.deltaM?.value;
    assert.ok(reported !== undefined && Math.abs(reported - byHand[i]) < 1e-9, `${run.id}: Δm ${reported} vs ${byHand[i]}`);
  }
  assert.equal(group.deltaM.n, 2);
  assert.ok(Math.abs(group.deltaM.mean - (byHand[0] + byHand[1]) / 2) < 1e-9);
  // mtl-lab runs shows the same Δm beside each run.
  const table = cli(cluster, ['runs', '--runs-dir', runsDir]).stdout;
  for (const value of byHand) assert.ok(table.includes(`Δm ${value > 0 ? '+' : ''}${value.toFixed(2)} %`), table);
});

test('a program sweep on Slurm: each array task runs the program on the node with its point in MTL_LAB_OVERRIDES and as --set arguments', async () => {
  // A tiny program with the standard-library logger: logs 5 steps whose loss is its learning rate × step, and saves what it was given.
  const script = path.join(dir, 'tiny.py');
  writeFileSync(
    script,
    [
      'import json, os, sys',
      `sys.path.insert(0, ${JSON.stringify(path.join(root, 'python'))})`,
      'import mtl_lab',
      'lr = json.loads(os.environ["MTL_LAB_OVERRIDES"])["optimizer.learningRate"]',
      'with mtl_lab.open_run(name="tiny", total_steps=5) as run:',
      '    with open(os.path.join(run.run_dir, "given.json"), "w") as f: json.dump({"argv": sys.argv[1:], "job": os.environ.get("SLURM_JOB_ID")}, f)',
      '    for step in range(1, 6):',
      '        run.train(step=step, losses={"a": lr * step, "b": lr}, weights={"a": 1.0, "b": 1.0})',
      '',
    ].join('\n'),
  );
  const config = writeConfig(dir, 'program', { program: { command: ['python3', script], setArguments: true }, sweep: { 'optimizer.learningRate': [0.5, 0.25] } });
  const runsDir = path.join(dir, 'program-runs');
  const submitted = cli(cluster, ['sweep', config, '--runner', 'slurm', '--python', '/usr/bin/python3', '--runs-dir', runsDir]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const runs = await waitForRuns(cluster, runsDir, 'both program runs completed', (rs) => rs.length === 2 && rs.every((r) => stateOf(r) === 'completed'), 60_000);
  for (const run of runs) {
    const lr = Number(/^optimizer\.learningRate=(.*)$/.exec(run.overrides[0])?.[1]);
    const given = JSON.parse(readFileSync(path.join(run.runDir, 'given.json'), 'utf8')) as { argv: string[]; job: string | null };
    assert.deepEqual(given.argv, ['--set', `optimizer.learningRate=${lr}`]);
    assert.ok(given.job, 'ran inside a Slurm job');
    const records = readRecordsSync(run.runDir);
    const losses = records.filter((r) => r.kind === 'train').map((r) => (r.kind === 'train' ? r.losses.a : NaN));
    assert.deepEqual(losses, [1, 2, 3, 4, 5].map((s) => lr * s));
    assert.equal(run.backend, 'python', 'run.json as the logger wrote it');
    assert.ok(run.cluster?.jobId, 'the logger kept the Slurm job in run.json');
    assert.equal(run.step, 5);
  }
});
