/**
 * The study's statistics and diagnostics against independent computations: Student's t tail probability
 * against published critical values and a numerical integral of the density; the paired t test by hand; the
 * conflict share, weight collapse and initial loss imbalance from hand-made records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricRecord } from '../../src/training/run/records';
import { diagnoseGroup, runSignals } from '../../src/training/study/diagnostics';
import { pairedTTest, studentTwoSidedP } from '../../src/training/study/stats';
import type { ComparedRun, RunGroup } from '../../src/training/study/compare';

test('two-sided Student t p values: 0.05 at the published critical values', () => {
  for (const [t, df] of [[12.706, 1], [4.303, 2], [3.182, 3], [2.571, 5], [2.228, 10], [2.042, 30]]) {
    assert.ok(Math.abs(studentTwoSidedP(t, df) - 0.05) < 2e-4, `t = ${t}, df = ${df}: ${studentTwoSidedP(t, df)}`);
  }
});

test('two-sided Student t p values equal a numerical integral of the density', () => {
  // Γ at integers and half-integers exactly: Γ(1) = 1, Γ(1/2) = √π, Γ(x) = (x − 1) Γ(x − 1).
  const lnGamma = (x: number): number => (x === 1 ? 0 : x === 0.5 ? 0.5 * Math.log(Math.PI) : Math.log(x - 1) + lnGamma(x - 1));
  for (const [t, df] of [[1.3, 2], [0.7, 4], [2.9, 6]]) {
    const c = Math.exp(lnGamma((df + 1) / 2) - lnGamma(df / 2)) / Math.sqrt(df * Math.PI);
    const pdf = (x: number) => c * (1 + (x * x) / df) ** (-(df + 1) / 2);
    // Simpson's rule over [0, t]: p = 1 − 2∫₀ᵗ pdf.
    const n = 20000;
    const h = t / n;
    let sum = pdf(0) + pdf(t);
    for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * pdf(i * h);
    const expected = 1 - 2 * (sum * h) / 3;
    assert.ok(Math.abs(studentTwoSidedP(t, df) - expected) < 1e-7, `t = ${t}, df = ${df}: ${studentTwoSidedP(t, df)} vs ${expected}`);
  }
});

test('paired t test: t = mean(d) / (sd(d)/√n), df = n − 1; fewer than two pairs: none', () => {
  const d = [-3, -5, -4];
  // mean −4, sd 1 → t = −4 / (1/√3) = −6.928, df = 2.
  const r = pairedTTest(d)!;
  assert.ok(Math.abs(r.t + 4 * Math.sqrt(3)) < 1e-12);
  assert.equal(r.df, 2);
  assert.ok(r.p < 0.05 && r.p > 0.01, String(r.p));
  assert.equal(pairedTTest([1]), undefined);
  assert.deepEqual(pairedTTest([2, 2]), { t: Infinity, df: 1, p: 0 });
});

const train = (step: number, losses: Record<string, number>, conflict?: number[][]): MetricRecord => ({ kind: 'train', step, epoch: 0, time: 0, losses, totalLoss: 0, weights: {}, samplesPerSecond: 1, ...(conflict && { matrices: { conflict } }) });
const event = (code: string): MetricRecord => ({ kind: 'event', step: 1, time: 0, level: 'warning', code: code as never, message: '' });

test('signals: conflict counted per pair from the named matrix, collapse unless recovered, the first losses', () => {
  const cos = (ab: number, ac: number, bc: number) => [[1, ab, ac], [ab, 1, bc], [ac, bc, 1]];
  const records = [train(1, { a: 50, b: 2, c: 1 }, cos(-0.5, 0.2, -0.1)), train(2, { a: 1, b: 1, c: 1 }), train(3, { a: 1, b: 1, c: 1 }, cos(0.3, -0.2, -0.4)), event('weights-collapsed')];
  const s = runSignals(records, ['a', 'b', 'c']);
  assert.deepEqual(s.conflicts, { 'a × b': [1, 2], 'a × c': [1, 2], 'b × c': [2, 2] });
  assert.equal(s.collapsed, true);
  assert.deepEqual(s.initialLosses, { a: 50, b: 2, c: 1 });
  assert.equal(runSignals([...records, event('weights-recovered')], ['a', 'b', 'c']).collapsed, false);

  const run = { listing: { info: { id: 'r1', status: 'completed', createdAt: '1', summary: {} } }, config: undefined, group: 'g', seed: 1 } as unknown as ComparedRun;
  const group = { key: 'g', label: 'exp', runs: [run], taskDeltas: {}, metrics: {} } as RunGroup;
  const findings = diagnoseGroup(group, new Map([['r1', s]]));
  assert.deepEqual(findings.map((f) => f.kind).sort(), ['gradient-conflict', 'gradient-conflict', 'gradient-conflict', 'loss-imbalance', 'weight-collapse']);
  assert.match(findings.find((f) => f.kind === 'loss-imbalance')!.message, /differ by 50\.0× at the first logged step/);
  assert.match(findings.find((f) => f.message.includes('b × c'))!.message, /on 100 % of 2 logged steps/);
});
