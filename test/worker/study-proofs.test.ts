/**
 * The study's claims on the synthetic generator (docs/methods.md, "Studies"), trained for real and kept small:
 * - related tasks (ρ = 0.9) and few training rows: hard sharing beats its single-task baselines, Δm > 0 on
 *   each of three seeds;
 * - unrelated tasks (ρ = 0) through a one-unit linear trunk: negative transfer is flagged (paired t test).
 * Runs train in this process (--jobs 1's path) on the plain JS backend, deterministic per seed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listRunsSync, readRunConfigSync } from '../../src/training/run/runDirectory';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import { compareRuns } from '../../src/training/study/compare';
import { planStudy } from '../../src/training/study/plan';
import { tabularColumns } from '../../src/training/data/tabular';
import { runStudy } from '../../src/training/study/runStudy';
import { studyDiagnostics } from '../../src/training/study/summary';

let dir: string;
before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-proofs-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

async function study(name: string, data: object, model: object, training: object, learningRate: number) {
  const file = path.join(dir, `${name}.mtl.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      data: { source: 'synthetic', generator: 'mmoe', ...data },
      tasks: [{ name: 'a', type: 'regression' }, { name: 'b', type: 'regression' }],
      model: { architecture: 'hard', taskUnits: [], ...model },
      optimizer: { name: 'adam', learningRate },
      training: { logEvery: 5, evalEvery: 1000, conflictEvery: 10, ...training },
      backend: 'cpu',
      study: { seeds: [1, 2, 3] },
    }),
  );
  const runsDir = path.join(dir, name);
  const plan = await planStudy(file, [], runsDir, tabularColumns);
  const results = await runStudy(plan, { runsDir, jobs: 1, shouldStop: () => false });
  assert.ok(results.every((r) => r.info?.status === 'completed'), JSON.stringify(results.map((r) => r.error ?? r.info?.error)));
  const { runs, groups } = compareRuns(listRunsSync(runsDir).runs, (r) => readRunConfigSync(r.runDir));
  const group = groups.find((g) => !g.baselineOf)!;
  return { runs: runs.filter((r) => !r.listing.info.baseline), group, diagnostics: studyDiagnostics([group], (r) => readRecordsSync(r.runDir))[0] };
}

describe('study proofs on synthetic data', () => {
  it('ρ = 0.9, 110 training rows: Δm > 0 against the single-task baselines on each of 3 seeds', async () => {
    const { runs, group } = await study('related', { samples: 1100, inputDim: 30, correlation: 0.9, validationSplit: 0.9 }, { sharedUnits: [16] }, { epochs: 30, batchSize: 32 }, 0.01);
    const values = runs.map((r) => r.deltaM?.value);
    assert.equal(values.length, 3);
    assert.ok(values.every((v) => v !== undefined && v > 0), `Δm per seed: ${values.join(', ')}`);
    assert.ok(group.deltaM!.mean > 0 && group.deltaM!.n === 3);
  });

  it('ρ = 0 through a one-unit linear trunk: negative transfer flagged, with the test named', async () => {
    const { group, diagnostics } = await study('unrelated', { samples: 600, inputDim: 20, correlation: 0, validationSplit: 0.5 }, { sharedUnits: [1], activation: 'linear' }, { epochs: 15, batchSize: 30 }, 0.02);
    assert.ok(group.deltaM!.mean < 0, `Δm ${group.deltaM!.mean}`);
    const negative = diagnostics.findings.filter((f) => f.kind === 'negative-transfer');
    assert.ok(negative.length >= 1, JSON.stringify(diagnostics.findings));
    assert.match(negative[0].message, /paired t test, two-sided: t = -\d+\.\d+, df = 2, p = 0\.\d+ < 0\.05/);
    assert.deepEqual(negative[0].remedy.sweep, { 'loss.weighting': ['equal', 'pcgrad', 'cagrad'] });
    assert.ok(Object.values(diagnostics.conflictShares).every((s) => s.logged > 0 && s.share >= 0 && s.share <= 1));
  });
});
