import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedSeries, applySeriesDelta, compactPoints, emptyHeldSeries, heldPoints, initialCursor, type SeriesCursor } from '../../src/webview/data/seriesStore';
import { BoundedMatrices, applyMatrixDelta, snapshotAt, thinSnapshots } from '../../src/webview/data/matrixStore';
import { rngFor } from '../../src/training/random/rng';

function noisy(n: number, seed = 1): number[] {
  const rng = rngFor(seed, 'dashboard-test');
  const out: number[] = [];
  let v = 2;
  for (let i = 0; i < n; i++) {
    v = v * 0.999 + (rng.uniform() - 0.5) * 0.05;
    out.push(v);
  }
  return out;
}

test('compactPoints keeps each bucket’s min and max in step order, earliest on ties', () => {
  const p = { steps: [0, 1, 2, 3, 4, 5, 6, 7], times: [0, 1, 2, 3, 4, 5, 6, 7], values: [5, 1, 9, 3, 2, 2, 2, 2] };
  const c = compactPoints(p, 4);
  assert.deepEqual(c.steps, [1, 2, 4]);
  assert.deepEqual(c.values, [1, 9, 2]);
});

test('compaction is composable: compacting at 2 then 8 equals compacting at 8', () => {
  const values = noisy(1000);
  const p = { steps: values.map((_, i) => i * 3 + 1), times: values.map((_, i) => i), values };
  assert.deepEqual(compactPoints(compactPoints(p, 2), 8), compactPoints(p, 8));
});

test('BoundedSeries stays within maxPoints and keeps the global extremes over 1,000,000 steps', () => {
  const s = new BoundedSeries(2000);
  let min = Infinity;
  let max = -Infinity;
  let minStep = 0;
  let maxStep = 0;
  const rng = rngFor(7, 'million');
  for (let step = 1; step <= 1_000_000; step++) {
    let v = Math.sin(step / 5000) + rng.uniform() * 0.1;
    if (step === 654_321) v = 50; // a spike must survive downsampling
    if (v < min) [min, minStep] = [v, step];
    if (v > max) [max, maxStep] = [v, step];
    s.push(step, step * 10, v);
    assert.ok(s.size <= 2000);
  }
  const all = s.all();
  assert.ok(all.steps.length <= 2000 && all.steps.length >= 500, `held ${all.steps.length}`);
  assert.equal(all.steps.at(-1), 1_000_000, 'the newest point is held');
  assert.equal(Math.max(...all.values), max);
  assert.equal(Math.min(...all.values), min);
  assert.ok(all.steps.includes(maxStep) && all.steps.includes(minStep));
  for (let i = 1; i < all.steps.length; i++) assert.ok(all.steps[i] > all.steps[i - 1], 'steps ascending');
});

test('BoundedSeries skips non-finite values and steps that do not advance', () => {
  const s = new BoundedSeries(16);
  assert.equal(s.push(1, 0, 1), true);
  assert.equal(s.push(2, 0, NaN), false);
  assert.equal(s.push(2, 0, Infinity), false);
  assert.equal(s.push(1, 0, 3), false);
  assert.equal(s.push(3, 0, 2), true);
  assert.deepEqual(s.all().steps, [1, 3]);
});

test('a webview mirror fed only deltas equals the host series after every flush, across compactions', () => {
  for (const [seed, everyN] of [[1, 1], [2, 7], [3, 50], [4, 333]] as const) {
    const values = noisy(20_000, seed);
    const host = new BoundedSeries(64);
    const mirror = emptyHeldSeries();
    let cursor: SeriesCursor = initialCursor();
    let sentPoints = 0;
    for (let i = 0; i < values.length; i++) {
      host.push(i * 2 + 1, 1000 + i, values[i]);
      if (i % everyN === 0 || i === values.length - 1) {
        const r = host.delta('run', 'loss/a', cursor);
        cursor = r.cursor;
        sentPoints += r.delta.points.steps.length;
        applySeriesDelta(mirror, JSON.parse(JSON.stringify(r.delta)));
        assert.deepEqual(heldPoints(mirror), host.all(), `seed ${seed} after point ${i}`);
      }
    }
    // Only new points crossed: the total sent is far below re-sending the series at each flush.
    assert.ok(sentPoints < values.length, `sent ${sentPoints} points for ${values.length} pushes`);
  }
});

test('BoundedMatrices thins to a bounded count and the mirror follows', () => {
  const host = new BoundedMatrices(32);
  let held: ReturnType<typeof host.all> = [];
  let heldStride = 1;
  let cursor = { stride: 1, lastStep: -Infinity };
  for (let step = 1; step <= 5000; step++) {
    host.push(step, step, [[step, 0], [0, step]]);
    if (step % 37 === 0 || step === 5000) {
      const d = host.delta(cursor);
      held = applyMatrixDelta(held, d.stride, heldStride, d.snapshots);
      heldStride = d.stride;
      cursor = d.cursor;
      assert.deepEqual(held, host.all());
    }
  }
  assert.ok(host.size <= 32);
  assert.deepEqual(thinSnapshots(host.all(), 1), host.all());
  assert.equal(snapshotAt(held, null)?.step, held[held.length - 1].step);
  const mid = held[10].step;
  assert.equal(snapshotAt(held, mid + 1)?.step, mid);
  assert.equal(snapshotAt(held, 0)?.step, held[0].step);
});
