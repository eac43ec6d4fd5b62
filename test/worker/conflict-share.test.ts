/**
 * Issue 11's claim "the conflict share is higher at ρ = −0.9 than at 0.9", measured (docs/methods.md, "Studies").
 * Conflict share: the share of logged steps on which the two tasks' gradients on the shared parameters have
 * cosine < 0 (`training.conflictEvery`). The model cannot tell ρ from −ρ: its heads are linear, so flipping a
 * head's sign turns a solution for one into a solution for the other, and head initialisations are symmetric.
 * What breaks the symmetry is the generator: both tasks share the sine terms Σ sin(α·t + β), which are not odd
 * in t, so at ρ = −0.9 the labels correlate less strongly (|corr| 0.37–0.80 on seeds 1–5) than at ρ = 0.9
 * (0.59–0.88). The robust finding is that unrelated tasks (ρ = 0) conflict more often than strongly related ones
 * (ρ = 0.9). Measured with this setup, seeds pooled: seeds 1–5 14 % at 0.9, 22 % at −0.9, 23 % at 0; seeds 1–16
 * 19 %, 22 %, 26 % (per run 0–56 % at 0.9). With β = 0 (odd sines, a local experiment) the label correlations are
 * ± the same and ±0.9 swap places (37 % at 0.9, 29 % at −0.9, 45 % at 0), so the second assertion pins a property of
 * this generator, not of the sign of ρ.
 * Same model, data size, budget and seeds for every ρ; the CPU backend is deterministic per seed.
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
before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-conflict-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The pooled conflict share of a ρ over seeds 1–5, from the study diagnostics and recounted from the records. */
async function conflictShare(rho: number): Promise<number> {
  const name = `rho${rho}`;
  const file = path.join(dir, `${name}.mtl.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      data: { source: 'synthetic', generator: 'mmoe', samples: 2000, inputDim: 20, correlation: rho, validationSplit: 0.2 },
      tasks: [{ name: 'a', type: 'regression' }, { name: 'b', type: 'regression' }],
      model: { architecture: 'hard', sharedUnits: [16], taskUnits: [] },
      optimizer: { name: 'adam', learningRate: 0.01 },
      training: { epochs: 5, batchSize: 32, logEvery: 5, evalEvery: 100000, conflictEvery: 5 },
      backend: 'cpu',
      study: { seeds: [1, 2, 3, 4, 5], baselines: 'none' },
    }),
  );
  const runsDir = path.join(dir, name);
  const results = await runStudy(await planStudy(file, [], runsDir, tabularColumns), { runsDir, jobs: 1, shouldStop: () => false });
  assert.ok(results.every((r) => r.info?.status === 'completed'), JSON.stringify(results.map((r) => r.error ?? r.info?.error)));
  const { groups } = compareRuns(listRunsSync(runsDir).runs, (r) => readRunConfigSync(r.runDir));
  assert.equal(groups.length, 1);
  const { share, logged } = studyDiagnostics(groups, (r) => readRecordsSync(r.runDir))[0].conflictShares['a × b'];
  // Recount: every train record with a conflict matrix, cosine of a and b below zero.
  let negative = 0, counted = 0;
  for (const run of listRunsSync(runsDir).runs) {
    for (const record of readRecordsSync(run.runDir)) {
      const cos = record.kind === 'train' ? (record.matrices?.conflict ?? record.conflict)?.[0]?.[1] : undefined;
      if (cos === undefined) continue;
      counted++;
      if (cos < 0) negative++;
    }
  }
  assert.equal(logged, 5 * 50, 'five runs of 250 steps, a cosine every 5');
  assert.equal(counted, logged);
  assert.ok(Math.abs(share - negative / counted) < 1e-12, `${share} vs ${negative}/${counted}`);
  return share;
}

describe('gradient conflict share against task relatedness', () => {
  it('ρ = 0 conflicts more often than ρ = 0.9; ρ = −0.9 more often than 0.9 only through the generator', async (t) => {
    const related = await conflictShare(0.9);
    const opposed = await conflictShare(-0.9);
    const unrelated = await conflictShare(0);
    const figures = `ρ = 0.9: ${related}, ρ = −0.9: ${opposed}, ρ = 0: ${unrelated}`;
    t.diagnostic(figures);
    assert.ok(unrelated > related, figures);
    assert.ok(opposed > related, figures);
  });
});
