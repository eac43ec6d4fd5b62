/** The Slurm tests' shared pieces: the CLI against the sandbox cluster, tiny configs, and waiting for states. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startSlurmCluster, type SlurmCluster } from '../../scripts/slurm-cluster';
import type { RunInfo } from '../../src/training/run/records';
import type { RunnerState } from '../../src/training/runner/runner';

export const root = path.resolve(__dirname, '../..');
export const cliJs = path.join(root, 'dist/cli.js');

/**
 * A sandbox cluster for this test file: started before its tests (dist/cli.js must be built) and handed to
 * `started` with a scratch directory in it, stopped after them.
 */
export function useCluster(started: (cluster: SlurmCluster, dir: string) => void): void {
  let cluster: SlurmCluster | undefined;
  before(async () => {
    assert.ok(existsSync(cliJs), 'dist/cli.js must be built first (npm run build)');
    cluster = await startSlurmCluster();
    started(cluster, mkdtempSync(path.join(cluster.dir, 'work-')));
  });
  after(async () => cluster?.stop());
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(cluster: SlurmCluster, args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [cliJs, ...args], { env: { ...cluster.env, ...env }, encoding: 'utf8', cwd: cluster.dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export type ListedRun = RunInfo & { runDir: string; clusterState?: RunnerState };

export function listRuns(cluster: SlurmCluster, runsDir: string): ListedRun[] {
  const r = cli(cluster, ['runs', '--runs-dir', runsDir, '--json']);
  if (r.code !== 0) throw new Error(`mtl-lab runs failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ListedRun[];
}

/** Polls until `done` holds for the listed runs (what a user watching `mtl-lab runs` sees). */
export async function waitForRuns(cluster: SlurmCluster, runsDir: string, what: string, done: (runs: ListedRun[]) => boolean, timeoutMs = 60_000): Promise<ListedRun[]> {
  const deadline = Date.now() + timeoutMs;
  let runs: ListedRun[] = [];
  while (Date.now() < deadline) {
    runs = listRuns(cluster, runsDir);
    if (done(runs)) return runs;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // each look is a node process and squeue: on 2 CPUs, not too often
  }
  // What the jobs said, to see why from a CI log.
  const outputs = runs.map((r) => (r.cluster && existsSync(r.cluster.output) ? `--- ${r.cluster.output}\n${readFileSync(r.cluster.output, 'utf8').slice(-2000)}` : '')).join('\n');
  throw new Error(`timed out waiting for ${what}; runs: ${JSON.stringify(runs.map((r) => ({ id: r.id, status: r.status, step: r.step, cluster: r.clusterState })))}\n${outputs}`);
}

export const stateOf = (run: ListedRun) => run.clusterState?.status ?? run.status;

export function writeConfig(dir: string, name: string, extra: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.mtl.json`);
  const config = {
    name,
    seed: 3,
    backend: 'wasm',
    data: { source: 'synthetic', generator: 'mmoe', samples: 640, inputDim: 12, validationSplit: 0.25 },
    tasks: [
      { name: 'reg', type: 'regression' },
      { name: 'cls', type: 'classification', classes: 3 },
    ],
    model: { architecture: 'hard', sharedUnits: [16], taskUnits: [8] },
    training: { epochs: 20, batchSize: 16, evalEvery: 50 },
    ...extra,
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}
