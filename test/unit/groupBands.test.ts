import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupStats } from '../../src/webview/data/groupBands';

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
