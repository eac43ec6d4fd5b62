/** Start Sweep's plan (pure): the runs of a sweep section, or why the sweep cannot start; the CodeLens count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSweep, sweepRunCount } from '../../src/extension/sweep/sweepPlan';

const file = (sweep: string, model = '"model": { "architecture": "soft", "sharedUnits": [8] },') => `// comments are fine
{
  "name": "s",
  "tasks": [ { "name": "a", "type": "regression" }, { "name": "b", "type": "regression" } ],
  ${model}
  "sweep": ${sweep}, // trailing commas too
}`;

test('a valid sweep plans one run per combination, with its overrides', () => {
  const plan = planSweep(file('{ "loss.weighting": ["equal", "gradnorm"], "seed": [1, 2] }'), 's.mtl.json');
  assert.ok(plan.ok);
  assert.deepEqual(plan.points.map((p) => p.overrides), [
    ['loss.weighting="equal"', 'seed=1'],
    ['loss.weighting="equal"', 'seed=2'],
    ['loss.weighting="gradnorm"', 'seed=1'],
    ['loss.weighting="gradnorm"', 'seed=2'],
  ]);
});

test('why a sweep cannot start: problems in the file, no sweep, an invalid combination', () => {
  const invalid = planSweep(file('{ "optimizer.learningRate": [0.1, -1] }'), 's.mtl.json');
  assert.deepEqual(invalid.ok ? undefined : [invalid.reason, invalid.message], ['invalid', '1 problem in the file; the first: s.mtl.json:6:46: sweep["optimizer.learningRate"][1]: optimizer.learningRate = -1: optimizer.learningRate: must be > 0, got -1']);
  const none = planSweep('{ "name": "s", "tasks": [ { "name": "a", "type": "regression" } ] }', 's.mtl.json');
  assert.equal(none.ok ? undefined : none.reason, 'no-sweep');
  // hard alone is fine and scalar attention alone is fine (the base is soft); together they are not. A small
  // sweep has every combination checked with the file (a problem in it); a large one, only when it starts.
  const small = planSweep(file('{ "model.architecture": ["soft", "hard"], "model.attention": ["scalar"] }'), 's.mtl.json');
  assert.equal(small.ok ? undefined : small.reason, 'invalid');
  assert.match(small.ok ? '' : small.message, /model\.architecture = hard, model\.attention = scalar: model\.attention: only used by architecture "soft"/);
  const seeds = JSON.stringify(Array.from({ length: 40 }, (_, i) => i));
  const large = planSweep(file(`{ "model.architecture": ["soft", "hard"], "model.attention": ["scalar"], "seed": ${seeds} }`), 's.mtl.json');
  assert.equal(large.ok ? undefined : large.reason, 'bad-combination');
  assert.match(large.ok ? '' : large.message, /^sweep run 41 of 80 \(model\.architecture = hard, model\.attention = scalar, seed = 0\) is not a valid config: model\.attention: /);
});

test('the CodeLens counts the runs from the JSON alone, 0 without a sweep or with broken JSON', () => {
  assert.equal(sweepRunCount(file('{ "loss.weighting": ["equal", "gradnorm"], "seed": [1, 2, 3] }')), 6);
  assert.equal(sweepRunCount('{ "name": "s" }'), 0);
  assert.equal(sweepRunCount('{ "sweep": [1, 2] }'), 0);
  assert.equal(sweepRunCount('{ "sweep": { "seed": [1, 2] '), 2, 'a half-typed file still counts what it has');
  assert.equal(sweepRunCount('not json'), 0);
});
