/** "Which experiment?" (Start Run / Start Sweep from the palette): the active dashboard's experiment comes first. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { CURRENT_EXPERIMENT_NOTE, experimentChoices } from '../../src/extension/commands/experimentChoices';

const root = path.resolve('/ws');
const experiment = (relativePath: string) => ({ file: path.join(root, relativePath), relativePath });
const experiments = [experiment('examples/zeta.mtl.json'), experiment('examples/alpha.mtl.json'), experiment('b/mid.mtl.json')];

test('without an active dashboard the experiments are alphabetical and none is marked', () => {
  const choices = experimentChoices(experiments, []);
  assert.deepEqual(
    choices.map((c) => c.label),
    ['alpha', 'mid', 'zeta'],
  );
  assert.ok(choices.every((c) => !c.current && !c.description.includes(CURRENT_EXPERIMENT_NOTE)));
  assert.equal(choices[0]!.file, path.join(root, 'examples/alpha.mtl.json'));
});

test("the active dashboard's experiment is first (Enter takes it) and says why", () => {
  // The run records the experiment's absolute path; a path with "..", as a user might have typed it, still matches.
  const choices = experimentChoices(experiments, [path.join(root, 'examples/../examples/zeta.mtl.json')]);
  assert.deepEqual(
    choices.map((c) => c.label),
    ['zeta', 'alpha', 'mid'],
  );
  assert.equal(choices[0]!.current, true);
  assert.equal(choices[0]!.description, `examples/zeta.mtl.json · ${CURRENT_EXPERIMENT_NOTE}`);
});

test('a comparison dashboard puts each of its experiments first; a run of a file no longer in the workspace is ignored', () => {
  const choices = experimentChoices(experiments, [path.join(root, 'b/mid.mtl.json'), path.join(root, 'examples/zeta.mtl.json'), path.join(root, 'gone.mtl.json'), path.join(root, 'b/mid.mtl.json')]);
  assert.deepEqual(
    choices.map((c) => [c.label, c.current]),
    [
      ['mid', true],
      ['zeta', true],
      ['alpha', false],
    ],
  );
  assert.equal(choices.length, 3);
});
