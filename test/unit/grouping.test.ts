/**
 * The grouping search against brute force: every selection of at most B distinct groups covering the tasks,
 * scored as TAG's network selection, on hand-made (asymmetric, tied) and seeded random matrices.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupAffinity, selectionScore, suggestGroupings } from '../../src/training/analysis/grouping';
import { normals } from '../helpers/engine';

/** The best score over every selection of at most `budget` distinct non-empty groups that covers all tasks. */
function bruteForce(Z: number[][], budget: number): number {
  const K = Z.length;
  const subsets = Array.from({ length: (1 << K) - 1 }, (_, m) => [...Array(K).keys()].filter((i) => (m + 1) & (1 << i)));
  let best = -Infinity;
  const choose = (start: number, chosen: number[][]) => {
    if (chosen.length) best = Math.max(best, selectionScore(Z, chosen));
    if (chosen.length === budget) return;
    for (let s = start; s < subsets.length; s++) choose(s + 1, [...chosen, subsets[s]]);
  };
  choose(0, []);
  return best;
}

function checkAgainstBruteForce(Z: number[][], maxBudget = Z.length): void {
  const tasks = Z.map((_, i) => String.fromCharCode(97 + i));
  const found = suggestGroupings(tasks, Z);
  assert.equal(found.length, Z.length);
  for (const g of found.slice(0, maxBudget)) {
    const expected = bruteForce(Z, g.budget);
    assert.ok(Math.abs(g.score - expected) < 1e-9, `B = ${g.budget}: search ${g.score}, brute force ${expected} (${JSON.stringify(Z)})`);
    assert.ok(g.groups.length <= g.budget);
    const asIndices = g.groups.map((group) => group.map((t) => tasks.indexOf(t)));
    // The groups achieve the score they claim, and each task's serving group holds it and is its best.
    assert.ok(Math.abs(selectionScore(Z, asIndices) - g.score) < 1e-9);
    for (const [task, index] of Object.entries(g.servedBy)) {
      const j = tasks.indexOf(task);
      assert.ok(asIndices[index].includes(j));
      assert.ok(Math.abs(groupAffinity(Z, asIndices[index], j) - Math.max(...asIndices.filter((G) => G.includes(j)).map((G) => groupAffinity(Z, G, j)))) < 1e-9);
    }
    assert.deepEqual(Object.keys(g.servedBy).sort(), [...tasks].sort());
  }
}

describe('grouping search (TAG network selection)', () => {
  it('two related pairs: B = 1 is everything, B = 2 the pairs, and more budget never scores lower', () => {
    const Z = [
      [0, 0.5, -0.1, 0],
      [0.4, 0, 0, -0.1],
      [-0.1, 0, 0, 0.6],
      [0, -0.2, 0.5, 0],
    ];
    const g = suggestGroupings(['a', 'b', 'c', 'd'], Z);
    assert.deepEqual(g[0].groups, [['a', 'b', 'c', 'd']]);
    assert.deepEqual(g[1].groups, [['a', 'b'], ['c', 'd']]);
    assert.ok(Math.abs(g[1].score - (0.4 + 0.5 + 0.5 + 0.6)) < 1e-12);
    for (let b = 1; b < g.length; b++) assert.ok(g[b].score >= g[b - 1].score - 1e-12);
    checkAgainstBruteForce(Z);
  });

  it('asymmetric: a helps b, b hurts a; at B = 2 a trains in two groups (overlap) so that b gets a and a is spared b', () => {
    const Z = [
      [0, 0.8, 0],
      [-0.5, 0, 0.1],
      [0, 0.1, 0],
    ];
    const g = suggestGroupings(['a', 'b', 'c'], Z);
    // {a, b} serves b (0.8); {a, c} serves a (Z(c→a) = 0, not b's −0.5) and c (Z(a→c) = 0).
    assert.deepEqual(g[1].groups, [['a', 'b'], ['a', 'c']]);
    assert.ok(Math.abs(g[1].score - 0.8) < 1e-12);
    assert.deepEqual(g[1].servedBy, { a: 1, b: 0, c: 1 });
    checkAgainstBruteForce(Z);
  });

  it('ties: an all-zero matrix picks one group of all tasks at every budget, score 0', () => {
    const Z = Array.from({ length: 4 }, () => [0, 0, 0, 0]);
    for (const g of suggestGroupings(['a', 'b', 'c', 'd'], Z)) {
      assert.equal(g.score, 0);
      assert.deepEqual(g.groups, [['a', 'b', 'c', 'd']]);
    }
    checkAgainstBruteForce([
      [0, 1, 1],
      [1, 0, 1],
      [1, 1, 0],
    ]);
  });

  it('matches brute force on seeded random asymmetric matrices (K = 2 … 5)', () => {
    for (let K = 2; K <= 5; K++) {
      for (let seed = 1; seed <= 6; seed++) {
        const values = normals(K * K, seed * 31 + K);
        const Z = Array.from({ length: K }, (_, i) => Array.from({ length: K }, (_, j) => (i === j ? 0 : Number(values[i * K + j].toFixed(2)))));
        checkAgainstBruteForce(Z, K === 5 ? 3 : K);
      }
    }
  });

  it('12 tasks is searched exhaustively in well under a second; 13 is refused', () => {
    const values = normals(144, 5);
    const Z = Array.from({ length: 12 }, (_, i) => Array.from({ length: 12 }, (_, j) => (i === j ? 0 : values[i * 12 + j])));
    const start = performance.now();
    const found = suggestGroupings(Array.from({ length: 12 }, (_, i) => `t${i}`), Z);
    assert.ok(performance.now() - start < 5000);
    assert.equal(found.length, 12);
    assert.ok(Math.abs(selectionScore(Z, found[3].groups.map((G) => G.map((t) => Number(t.slice(1))))) - found[3].score) < 1e-9);
    assert.throws(() => suggestGroupings(Array.from({ length: 13 }, (_, i) => `t${i}`), Array.from({ length: 13 }, () => Array(13).fill(0))), /13 tasks/);
  });
});
