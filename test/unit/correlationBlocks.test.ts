/**
 * `data.correlation` as blocks of related tasks: the shorthand expands to exactly the hand-written matrix,
 * names are checked with positions, an impossible combination fails the positive-semidefinite check, and
 * the example that uses it produces the same data as the matrix it replaced.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyseExperimentText, formatDiagnostic, type ExperimentConfig } from '../../src/training/config';
import { blockCorrelationMatrix } from '../../src/training/data/correlation';
import { loadMmoeDataset } from '../../src/training/data/synthetic';

const config = (correlation: unknown, tasks = ['a', 'b', 'c']) =>
  JSON.stringify({ name: 'x', data: { source: 'synthetic', correlation }, tasks: tasks.map((name) => ({ name, type: 'regression' })) }, null, 2);
const analyse = (correlation: unknown, tasks?: string[]) => analyseExperimentText(config(correlation, tasks), 'x.mtl.json');
const problems = (correlation: unknown, tasks?: string[]) => analyse(correlation, tasks).diagnostics.map(formatDiagnostic);

describe('correlation blocks', () => {
  it('expand to the hand-written matrix, in task order, with tasks in no block at `between`', () => {
    // Tasks declared in another order than the blocks name them; e is in no block.
    const R = blockCorrelationMatrix({ blocks: [['a', 'b'], ['c', 'd']], within: 0.8, between: 0.1 }, ['c', 'a', 'e', 'b', 'd']);
    assert.deepEqual(R, [
      [1, 0.1, 0.1, 0.1, 0.8],
      [0.1, 1, 0.1, 0.8, 0.1],
      [0.1, 0.1, 1, 0.1, 0.1],
      [0.1, 0.8, 0.1, 1, 0.1],
      [0.8, 0.1, 0.1, 0.1, 1],
    ]);
    assert.deepEqual(blockCorrelationMatrix({ blocks: [['a', 'b', 'c']], within: -0.4 }, ['a', 'b', 'c', 'd']), [
      [1, -0.4, -0.4, 0],
      [-0.4, 1, -0.4, 0],
      [-0.4, -0.4, 1, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('resolve with the defaults within 0.9 and between 0, with no problem', () => {
    const analysis = analyse({ blocks: [['a', 'b']] });
    assert.deepEqual(analysis.diagnostics, []);
    assert.deepEqual(analysis.config?.data.correlation, { blocks: [['a', 'b']], within: 0.9, between: 0 });
  });

  it('an unknown or repeated name, a block of one, an unknown key, an impossible matrix: positioned errors', () => {
    assert.deepEqual(problems({ blocks: [['a', 'bb']] }), ['x.mtl.json:9:11: data.correlation.blocks[0][1]: no task is named "bb"; the tasks are "a", "b", "c"']);
    assert.deepEqual(problems({ blocks: [['alpha', 'betta']] }, ['alpha', 'beta', 'gamma']), [
      'x.mtl.json:9:11: data.correlation.blocks[0][1]: no task is named "betta" (did you mean "beta"?); the tasks are "alpha", "beta", "gamma"',
    ]);
    assert.deepEqual(problems({ blocks: [['a', 'b'], ['c', 'a']] }), ['x.mtl.json:13:11: data.correlation.blocks[1][1]: task "a" is already in block 1: a task belongs to at most one block']);
    assert.deepEqual(problems({ blocks: [['a', 'b', 'a']] }), ['x.mtl.json:10:11: data.correlation.blocks[0][2]: task "a" is already in this block: a task belongs to at most one block']);
    assert.deepEqual(problems({ blocks: [['a']] }), ['x.mtl.json:7:9: data.correlation.blocks[0]: must have at least 2 items, got 1']);
    assert.deepEqual(problems({ blocks: [['a', 'b']], inside: 0.5 }), ['x.mtl.json:12:7: data.correlation: unknown key "inside"']);
    assert.deepEqual(problems({ blocks: [['a', 'b']], within: 2 }), ['x.mtl.json:12:17: data.correlation.within: must be ≤ 1, got 2']);
    // a and b unrelated, both 0.9 with c: 0.9² + 0.9² > 1, no directions have these cosines.
    assert.deepEqual(problems({ blocks: [['a', 'b']], within: 0, between: 0.9 }), [
      'x.mtl.json:5:20: data.correlation: the blocks (within 0, between 0.9) give a task correlation matrix that is not positive semidefinite (no set of task directions has these correlations)',
    ]);
  });

  it('the affinity-pairs example uses blocks and generates the same data as its former matrix', () => {
    const file = path.resolve(__dirname, '../../examples/affinity-pairs.mtl.json');
    const withBlocks = analyseExperimentText(readFileSync(file, 'utf8'), file);
    assert.deepEqual(withBlocks.diagnostics, []);
    assert.deepEqual(withBlocks.config!.data.correlation, { blocks: [['a', 'b'], ['c', 'd']], within: 0.9, between: 0 });
    const matrix = [
      [1, 0.9, 0, 0],
      [0.9, 1, 0, 0],
      [0, 0, 1, 0.9],
      [0, 0, 0.9, 1],
    ];
    const withMatrix: ExperimentConfig = { ...withBlocks.config!, data: { ...withBlocks.config!.data, correlation: matrix } };
    const a = loadMmoeDataset(withBlocks.config!);
    const b = loadMmoeDataset(withMatrix);
    for (const split of ['train', 'validation'] as const) {
      assert.ok(a[split].size > 0);
      assert.deepEqual(a[split].x, b[split].x);
      assert.deepEqual(a[split].labels, b[split].labels);
    }
    // And the data does depend on the matrix: other correlations, other labels.
    const other = loadMmoeDataset({ ...withMatrix, data: { ...withMatrix.data, correlation: 0.5 } });
    assert.notDeepEqual(other.train.labels, a.train.labels);
  });
});
