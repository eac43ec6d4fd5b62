/** The Pareto front: dominated points are never on it, ties stay on it together, K = 3, mixed directions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paretoFront } from '../../src/training/study/pareto';

test('two tasks, lower RMSE better: the front by hand, with a tie and a duplicate', () => {
  const points = [
    { id: 'a', values: [1, 5] },
    { id: 'b', values: [2, 2] },
    { id: 'c', values: [3, 3] }, // dominated by b
    { id: 'd', values: [2, 2] }, // equal to b: neither dominates
    { id: 'e', values: [1, 6] }, // dominated by a (tie on the first, worse on the second)
    { id: 'f', values: [5, 1] },
    { id: 'g', values: [NaN, 0] },
  ];
  assert.deepEqual(paretoFront(points, [false, false]), ['a', 'b', 'd', 'f']);
  // Accuracy (higher is better) against RMSE: orientation per task.
  assert.deepEqual(paretoFront([{ id: 'x', values: [0.9, 0.5] }, { id: 'y', values: [0.8, 0.4] }, { id: 'z', values: [0.8, 0.6] }], [true, false]), ['x', 'y']);
});

test('K = 3 on random points with ties: no front point is dominated, every other point is (brute force)', () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  // Values on a coarse grid so that ties are frequent.
  const points = Array.from({ length: 60 }, (_, i) => ({ id: `p${i}`, values: [0, 1, 2].map(() => Math.floor(random() * 5)) }));
  const directions = [true, false, true];
  const front = new Set(paretoFront(points, directions));
  const atLeastAsGood = (q: number[], p: number[]) => q.every((v, k) => (directions[k] ? v >= p[k] : v <= p[k]));
  const strictlyBetter = (q: number[], p: number[]) => q.some((v, k) => (directions[k] ? v > p[k] : v < p[k]));
  for (const p of points) {
    const dominated = points.some((q) => atLeastAsGood(q.values, p.values) && strictlyBetter(q.values, p.values));
    assert.equal(front.has(p.id), !dominated, `${p.id} ${p.values}`);
  }
  assert.ok(front.size > 1 && front.size < points.length);
  const ties = points.filter((p) => front.has(p.id)).some((p) => points.some((q) => q !== p && q.values.join() === p.values.join()));
  assert.ok(ties, 'the sample has equal points on the front (the tie case is exercised)');
});
