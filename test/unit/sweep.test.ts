/** Sweeps: the grid of a `sweep` section, and the config errors its keys and values get (with positions). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseExperimentText, parseExperimentText } from '../../src/training/config/parse';
import { MAX_SWEEP_RUNS, sweepKeyProblem, sweepPoints, sweepSize } from '../../src/training/config/sweep';

const withSweep = (sweep: string) => `{
  "name": "s",
  "tasks": [ { "name": "a", "type": "regression" } ],
  "sweep": ${sweep}
}`;

test('the grid: every combination, the first key varying slowest, JSON values as overrides', () => {
  const points = sweepPoints({ 'loss.weighting': ['equal', 'gradnorm'], seed: [1, 2, 3], 'model.sharedUnits': [[32, 16]] });
  assert.equal(points.length, 6);
  assert.equal(sweepSize({ 'loss.weighting': ['equal', 'gradnorm'], seed: [1, 2, 3] }), 6);
  assert.deepEqual(points.map((p) => p.label), [
    'loss.weighting = equal, seed = 1, model.sharedUnits = [32,16]',
    'loss.weighting = equal, seed = 2, model.sharedUnits = [32,16]',
    'loss.weighting = equal, seed = 3, model.sharedUnits = [32,16]',
    'loss.weighting = gradnorm, seed = 1, model.sharedUnits = [32,16]',
    'loss.weighting = gradnorm, seed = 2, model.sharedUnits = [32,16]',
    'loss.weighting = gradnorm, seed = 3, model.sharedUnits = [32,16]',
  ]);
  assert.deepEqual(points[4].overrides, ['loss.weighting="gradnorm"', 'seed=2', 'model.sharedUnits=[32,16]']);
  assert.deepEqual(sweepPoints({}), []);
  // Each point's overrides give the config it names.
  const config = parseExperimentText(withSweep('{ "loss.weighting": ["equal", "gradnorm"], "seed": [1, 2, 3] }'), 's.mtl.json', points[4].overrides.slice(0, 2));
  assert.deepEqual([config.loss.weighting, config.seed], ['gradnorm', 2]);
});

test('sweep keys must be config paths (and not the sweep itself)', () => {
  assert.equal(sweepKeyProblem('optimizer.learningRate'), undefined);
  assert.equal(sweepKeyProblem('loss.weights["task.a"]'), undefined);
  assert.match(sweepKeyProblem('a..b') ?? '', /^not a config path: /);
  assert.equal(sweepKeyProblem('sweep.seed'), 'a sweep cannot sweep itself');
});

test('a bad sweep value is reported at the value, with the path and the problem', () => {
  assert.deepEqual(diagnoseExperimentText(withSweep('{ "optimizer.learningRate": [0.01, -1] }'), 's.mtl.json'), [
    { file: 's.mtl.json', line: 4, column: 47, path: 'sweep["optimizer.learningRate"][1]', message: 'optimizer.learningRate = -1: optimizer.learningRate: must be > 0, got -1' },
  ]);
  const [typo] = diagnoseExperimentText(withSweep('{ "optimizer.lernRate": [0.01] }'), 's.mtl.json');
  assert.match(typo.message, /^optimizer\.lernRate = 0\.01: optimizer: unknown key "lernRate"/);
  const [key] = diagnoseExperimentText(withSweep('{ "a..b": [1] }'), 's.mtl.json');
  assert.deepEqual([key.line, key.column, key.path], [4, 14, 'sweep["a..b"]'], 'a bad key is reported at the key');
  const [empty] = diagnoseExperimentText(withSweep('{ "seed": [] }'), 's.mtl.json');
  assert.equal(empty.path, 'sweep.seed');
  assert.deepEqual(diagnoseExperimentText(withSweep('{ "loss.weighting": ["equal", "gradnorm"], "seed": [1, 2] }'), 's.mtl.json'), [], 'a good sweep has no problems');
});

test(`at most ${MAX_SWEEP_RUNS} combinations`, () => {
  const many = JSON.stringify({ seed: Array.from({ length: 20 }, (_, i) => i), 'training.batchSize': Array.from({ length: 20 }, (_, i) => i + 1) });
  const [d] = diagnoseExperimentText(withSweep(many), 's.mtl.json');
  assert.equal(d.path, 'sweep');
  assert.equal(d.message, `400 combinations; at most ${MAX_SWEEP_RUNS}`);
});

test('a sweep point parses with its overrides even when another value of the sweep would not combine with it', () => {
  // model.attention only applies to soft sharing; the soft point must still be a valid run.
  const text = withSweep('{ "model.architecture": ["hard", "soft"] , "model.attention": ["scalar"] }');
  const [first] = diagnoseExperimentText(text, 's.mtl.json');
  assert.equal(first?.message, 'model.architecture = hard, model.attention = scalar: model.attention: only used by architecture "soft"', 'the file as written names the combination that does not fit');
  assert.equal(first?.path, 'sweep["model.attention"][0]', 'at the swept value the problem is about');
  const soft = sweepPoints({ 'model.architecture': ['hard', 'soft'], 'model.attention': ['scalar'] })[1];
  const config = parseExperimentText(text, 's.mtl.json', soft.overrides);
  assert.deepEqual([config.model.architecture, config.model.attention], ['soft', 'scalar']);
});
