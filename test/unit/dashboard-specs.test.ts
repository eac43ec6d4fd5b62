/**
 * The dashboard's chart specifications (src/webview/chartSpecs.ts): which charts a set of runs gets and what
 * each draws, computed from the webview's model without a browser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardModel, seriesId } from '../../src/webview/model';
import { MAX_WEIGHT_CHARTS, RunChoices, chartSpecs, columnTitle, specDependsOn, type ChartSpec } from '../../src/webview/chartSpecs';
import { runColor, seriesColor } from '../../src/webview/colors';
import { FixtureHost, fixtureRun, type FixtureRun } from '../dashboard/fixtures';
import { sampleAttentionMatrixInfo } from '../../src/training/run/matrices';

function dashboard(runs: FixtureRun[], hidden: string[] = []) {
  const model = new DashboardModel();
  model.apply(new FixtureHost(runs).init());
  const choices = new RunChoices(model, () => hidden);
  return { model, choices, specs: chartSpecs(model, choices) };
}

const spec = (specs: ChartSpec[], id: string) => {
  const s = specs.find((x) => x.id === id);
  assert.ok(s, `spec ${id} (have ${specs.map((x) => x.id).join(', ')})`);
  return s;
};

test('one soft-sharing run: losses, total, weights, a matrix chart per matrix, validation metrics — in page order', () => {
  const { model, specs } = dashboard([fixtureRun({ id: 'soft', steps: 200, architecture: 'soft', weighting: 'softmax', conflictEvery: 10, evalEvery: 50 })]);
  assert.deepEqual(specs.map((s) => s.id), [
    'loss:income', 'loss:marital', 'loss:age', 'loss:total',
    'weights:soft',
    'attention:lines', 'conflict:lines',
    'val:income/accuracy', 'val:marital/accuracy', 'val:age/rmse', 'val:age/mae',
  ]);
  assert.deepEqual(specs.map((s) => s.card), ['losses', 'losses', 'losses', 'losses', 'weights', 'attention', 'conflict', 'validation', 'validation', 'validation', 'validation']);
  const runs = [...model.runs.values()];
  // A task's loss chart: the train loss solid and the validation loss dashed, in the run's colour, named by the run alone.
  const loss = spec(specs, 'loss:income').series(runs);
  assert.deepEqual(loss.map((s) => [s.label, s.dashed, s.color]), [['census-mtl train', undefined, runColor('soft', {})], ['census-mtl validation', true, runColor('soft', {})]]);
  assert.equal(loss[0].points, model.points('soft', 'loss/income'));
  assert.equal(spec(specs, 'val:age/rmse').title, 'Validation RMSE — age');
  // Weights: one stacked layer per task, a colour each.
  const weights = spec(specs, 'weights:soft');
  assert.equal(weights.stacked, true);
  assert.deepEqual(weights.series(runs).map((s) => [s.label, s.color]), [['income', seriesColor(0)], ['marital', seriesColor(1)], ['age', seriesColor(2)]]);
  assert.deepEqual(weights.series([]), [], 'a hidden run draws no weights');
});

test('matrix charts: a line per cell named by row and column axis; a symmetric matrix once per pair', () => {
  const { model, specs } = dashboard([fixtureRun({ id: 'r', steps: 60, architecture: 'routing', tasks: [{ name: 'a', type: 'regression' }, { name: 'b', type: 'regression' }, { name: 'c', type: 'regression' }], conflictEvery: 5 })]);
  const gates = spec(specs, 'gates:lines');
  assert.deepEqual([gates.title, gates.yLabel, gates.matrix], ['Gates over steps', 'weight', 'gates']);
  const lines = gates.series([]);
  assert.equal(lines.length, 3 * 4, 'every cell of task × expert');
  assert.deepEqual(lines.slice(0, 2).map((s) => [s.id, s.label, s.color]), [['r:gates/a/0', 'a → expert 0', seriesColor(0)], ['r:gates/a/1', 'a → expert 1', seriesColor(1)]]);
  assert.equal(lines[5].points, model.points('r', 'gates/b/1'));
  const conflict = spec(specs, 'conflict:lines');
  assert.deepEqual(conflict.series([]).map((s) => s.label), ['a · b', 'a · c', 'b · c']);
  assert.equal(conflict.yLabel, 'cosine');
  assert.equal(columnTitle({ title: '', description: '', rowAxis: 'task', columnAxis: 'task', unit: '', signed: true, symmetric: true }, 'b'), 'b');
  assert.equal(columnTitle({ title: '', description: '', rowAxis: 'task', columnAxis: 'token', unit: '', signed: false, symmetric: false }, '3'), 'token 3');
});

test(`past ${MAX_WEIGHT_CHARTS} runs with weights: one weights chart showing the chosen run, else the first visible`, () => {
  const runs = Array.from({ length: MAX_WEIGHT_CHARTS + 1 }, (_, i) => fixtureRun({ id: `run-${i}`, steps: 20, weighting: 'dwa', seed: i }));
  const few = dashboard(runs.slice(0, MAX_WEIGHT_CHARTS));
  assert.equal(few.specs.filter((s) => s.card === 'weights').length, MAX_WEIGHT_CHARTS, 'one chart per run up to the limit');
  const { specs, choices } = dashboard(runs, ['run-0']);
  const weights = specs.filter((s) => s.card === 'weights');
  assert.deepEqual(weights.map((s) => s.id), ['weights:selected']);
  assert.equal(choices.weightsRun(), 'run-1', 'the first visible run');
  assert.ok(weights[0].series([]).every((s) => s.runId === 'run-1'));
  choices.weights = 'run-5';
  assert.ok(weights[0].series([]).every((s) => s.runId === 'run-5'), 'the chosen run');
  choices.weights = 'gone';
  assert.equal(choices.weightsRun(), 'run-1', 'a choice that no longer exists falls back');
});

test('a matrix card shows the chosen run while it has the matrix, else the first visible run that has it', () => {
  const { choices } = dashboard([
    fixtureRun({ id: 'hard', steps: 20 }),
    fixtureRun({ id: 'soft-a', steps: 20, architecture: 'soft' }),
    fixtureRun({ id: 'soft-b', steps: 20, architecture: 'soft' }),
  ], ['soft-a']);
  assert.equal(choices.matrixRun('attention'), 'soft-b');
  choices.matrices.set('attention', 'soft-a');
  assert.equal(choices.matrixRun('attention'), 'soft-a', 'a hidden run can still be chosen');
  choices.matrices.set('attention', 'hard');
  assert.equal(choices.matrixRun('attention'), 'soft-b', 'a run without the matrix cannot');
  assert.equal(choices.matrixRun('gates'), undefined);
});

test('a chart depends on a change only when it draws a changed series of a visible run', () => {
  const { model, specs } = dashboard([fixtureRun({ id: 'a', steps: 20 }), fixtureRun({ id: 'b', steps: 20 })]);
  const runs = [...model.runs.values()];
  const loss = spec(specs, 'loss:income');
  assert.equal(specDependsOn(loss, runs, new Set([seriesId('b', 'loss/income')])), true);
  assert.equal(specDependsOn(loss, runs, new Set([seriesId('b', 'loss/age')])), false);
  assert.equal(specDependsOn(loss, runs.filter((r) => r.id === 'a'), new Set([seriesId('b', 'loss/income')])), false, 'b hidden');
});

test('task attention over a text: its own matrix card, a line per task and token, labelled by the token', () => {
  const run = fixtureRun({ id: 't', steps: 10 });
  const tokens = ['[CLS]', 'text', 'editor', '[SEP]'];
  const info = sampleAttentionMatrixInfo(['income', 'marital', 'age'], 0, tokens);
  run.records.forEach((r, i) => {
    if (r.kind !== 'train') return;
    r.matrices = { 'token-attention/0': [0, 1, 2].map((k) => tokens.map((_, t) => (t === k + 1 ? 0.7 : 0.1))) };
    if (i === 1) r.matrixInfo = { 'token-attention/0': info };
  });
  const { specs } = dashboard([run]);
  const card = spec(specs, 'token-attention/0:lines');
  assert.deepEqual([card.title, card.yLabel, card.matrix], ['Token attention, text 1 over steps', 'weight', 'token-attention/0']);
  const lines = card.series([]);
  assert.equal(lines.length, 3 * 4, 'every cell of task × token');
  assert.deepEqual(lines.slice(0, 2).map((s) => s.label), ['income → token 0 [CLS]', 'income → token 1 text']);
});
