import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupStats } from '../../src/webview/data/groupBands';
import { resampleAt } from '../../src/webview/data/transforms';

const pts = (steps: number[], values: number[]) => ({ steps, times: steps.map((s) => s * 10), values });

test('group stats: mean ± sample std per step; a run still training counts only inside its logged range', () => {
  const done = pts([1, 2, 3, 4], [1, 2, 3, 4]);
  const other = pts([1, 2, 3, 4], [3, 4, 5, 6]);
  const running = pts([1, 2], [2, 6]);
  const s = groupStats([done, other, running], 'std');
  assert.deepEqual(s.points.steps, [1, 2, 3, 4]);
  assert.deepEqual(s.counts, [3, 3, 2, 2]);
  assert.deepEqual(s.points.values, [2, 4, 4, 5]);
  // Step 2: values 2, 4, 6 → sample std 2; step 3: 3, 5 → √2.
  assert.ok(Math.abs(s.hi[1] - 6) < 1e-12 && Math.abs(s.lo[1] - 2) < 1e-12);
  assert.ok(Math.abs(s.hi[2] - (4 + Math.SQRT2)) < 1e-12);
  const m = groupStats([done, other, running], 'minmax');
  assert.deepEqual([m.lo, m.hi], [[1, 2, 3, 4], [3, 6, 5, 6]]);
});

test('group stats: members at the same steps are read as they are, with the numbers resampling gives; repeated steps are resampled', () => {
  // Three seeds at the same steps, and a fourth at other steps (interpolated at the longest member's steps).
  const steps = [10, 20, 30, 40, 50];
  const seeds = [[1, 2, 4, 8, 16], [3, 1, 4, 1, 5], [2, 7, 1, 8, 2]].map((v) => pts([...steps], v));
  const shifted = pts([15, 35, 50], [2, 4, 9]);
  const s = groupStats([...seeds, shifted], 'std');
  // Independently: each member at the longest member's steps, then the mean and sample std by hand.
  const at = [...seeds.map((m) => m.values), resampleAt(steps, shifted.steps, shifted.values)];
  steps.forEach((step, i) => {
    const inRange = at.filter((_, k) => k < 3 || step >= 15);
    const xs = inRange.map((col) => col[i]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
    assert.ok(Math.abs(s.points.values[i] - mean) < 1e-12, `mean at step ${step}`);
    assert.ok(Math.abs(s.hi[i] - (mean + std)) < 1e-12 && Math.abs(s.lo[i] - (mean - std)) < 1e-12, `band at step ${step}`);
    assert.equal(s.counts[i], xs.length);
  });
  // At step 20 (shifted interpolated between 15 → 2 and 35 → 4: 2.5): values 2, 1, 7, 2.5.
  assert.ok(Math.abs(s.points.values[1] - 12.5 / 4) < 1e-12);
  // A member that repeats a step (two records at step 20) is resampled as before: the later value counts at both.
  const repeated = pts([10, 20, 20, 30], [1, 5, 7, 3]);
  const other = pts([10, 20, 20, 30], [1, 1, 1, 1]);
  assert.deepEqual(groupStats([repeated, other], 'minmax').hi, [1, 7, 7, 3]);
  // The members are not changed (their values are read, not copied, when at the same steps).
  assert.deepEqual(seeds[0].values, [1, 2, 4, 8, 16]);
  s.points.values[0] = -1;
  assert.deepEqual(seeds[0].values, [1, 2, 4, 8, 16], 'the group’s own arrays');
});
