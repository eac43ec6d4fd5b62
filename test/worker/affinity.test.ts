/**
 * The affinity example end to end through the CLI (dist/cli.js, the code the worker runs): four synthetic tasks in
 * two related pairs (ρ = 0.9 within, 0 across). Over 3 seeds, the average within-pair affinity exceeds the
 * across-pair one, and the grouping suggested at B = 2 from the seeds' average is the true pairs; the run summary
 * and `mtl-lab runs --affinity` show the same.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { suggestGroupings } from '../../src/training/analysis/grouping';
import { readRunInfoSync } from '../../src/training/run/runDirectory';

const root = path.resolve(__dirname, '../..');
let runsDir: string;
before(() => (runsDir = mkdtempSync(path.join(os.tmpdir(), 'mtl-affinity-'))));
after(() => rmSync(runsDir, { recursive: true, force: true }));

const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { cwd: root, encoding: 'utf8' });

describe('affinity on two related pairs of tasks', () => {
  it('within-pair affinity exceeds across-pair over 3 seeds, and B = 2 suggests the pairs', () => {
    const means: number[][][] = [];
    for (const seed of [1, 2, 3]) {
      const dir = path.join(runsDir, `seed${seed}`);
      const r = cli('train', path.join('examples', 'affinity-pairs.mtl.json'), '--runs-dir', dir, '--backend', 'cpu', '--set', `seed=${seed}`);
      assert.equal(r.status, 0, r.stderr);
      // The run summary printed by `train`: the matrix and the groupings.
      assert.match(r.stdout, /inter-task affinity Z\(i→j\)/);
      const runDir = path.join(dir, readdirSync(dir)[0]);
      const read = readRunInfoSync(runDir);
      assert.ok(read.ok);
      const affinity = read.info.summary!.affinity!;
      assert.deepEqual(affinity.tasks, ['a', 'b', 'c', 'd']);
      assert.equal(affinity.samples, 20);
      means.push(affinity.mean);
      const shown = cli('runs', '--affinity', runDir, '--json');
      assert.equal(shown.status, 0, shown.stderr);
      const fromRecords = JSON.parse(shown.stdout) as { mean: number[][]; samples: number; groupings: { groups: string[][] }[] };
      assert.equal(fromRecords.samples, 20);
      // The records' last average is the summary's (both rounded from the same float64 mean).
      fromRecords.mean.flat().forEach((v, i) => assert.ok(Math.abs(v - affinity.mean.flat()[i]) < 1e-5));
    }
    const avg = means[0].map((row, i) => row.map((_, j) => means.reduce((s, m) => s + m[i][j], 0) / means.length));
    const within = (avg[0][1] + avg[1][0] + avg[2][3] + avg[3][2]) / 4;
    const across = [avg[0][2], avg[0][3], avg[1][2], avg[1][3], avg[2][0], avg[2][1], avg[3][0], avg[3][1]].reduce((s, v) => s + v, 0) / 8;
    assert.ok(within > across, `within ${within}, across ${across}`);
    assert.deepEqual(suggestGroupings(['a', 'b', 'c', 'd'], avg)[1].groups, [['a', 'b'], ['c', 'd']]);
  });

  it('runs --affinity on a run without affinity is a clear error (exit 2)', () => {
    const dir = path.join(runsDir, 'plain');
    const r = cli('train', path.join('examples', 'affinity-pairs.mtl.json'), '--runs-dir', dir, '--backend', 'cpu', '--set', 'training.affinityEvery=0', '--set', 'training.epochs=1');
    assert.equal(r.status, 0, r.stderr);
    const shown = cli('runs', '--affinity', path.join(dir, readdirSync(dir)[0]));
    assert.equal(shown.status, 2);
    assert.match(shown.stderr, /no inter-task affinity recorded \(set training.affinityEvery/);
  });
});
