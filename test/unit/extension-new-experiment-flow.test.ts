import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { answer, back, nextStep, type FlowAnswers, type FlowContext, type FlowState } from '../../src/extension/newExperiment/flow';
import { previewCsv } from '../../src/extension/newExperiment/template';
import { parseExperimentText } from '../../src/training/config';
import { experimentTemplate } from '../../src/extension/newExperiment/template';

const folder = path.resolve('/ws');
const csvFile = path.join(folder, 'data', 'Sales 2024.csv');
const csv = 'region,price,units,returned\n' + Array.from({ length: 30 }, (_, i) => `${['n', 's'][i % 2]},${(9.5 + i).toFixed(2)},${i * 3},${i % 3 === 0 ? 1 : 0}`).join('\n') + '\n';

function question(state: FlowState) {
  assert.equal(state.done, false);
  assert.ok(!state.done && state.question, JSON.stringify(state));
  return state.question!;
}

test('synthetic path: data → architecture → weighting → name, four steps, then valid choices', () => {
  const context: FlowContext = { folder, csvFiles: [] };
  let answers: FlowAnswers = {};
  const seen: string[] = [];
  for (const reply of ['synthetic', 'soft', 'dwa']) {
    const q = question(nextStep(answers, context));
    seen.push(`${q.key}:${q.step}`);
    assert.ok(q.kind === 'pick' && q.items.some((i) => i.id === reply));
    answers = answer(answers, q.key, reply);
  }
  const name = question(nextStep(answers, context));
  assert.equal(name.kind, 'input');
  assert.equal(name.kind === 'input' && name.value, 'synthetic-soft');
  assert.equal(name.kind === 'input' && name.validate('bad name!') !== undefined, true);
  answers = answer(answers, 'name', 'my-exp');
  const done = nextStep(answers, context);
  assert.ok(done.done);
  assert.deepEqual(done.choices, { name: 'my-exp', architecture: 'soft', weighting: 'dwa', data: { kind: 'synthetic' } });
  assert.deepEqual(seen, ['data:1', 'architecture:2', 'weighting:3']);
});

test('CSV path: file and target columns are asked, tasks inferred, path relative to the folder', () => {
  const context: FlowContext = { folder, csvFiles: [csvFile] };
  let answers = answer({}, 'data', 'csv');
  const fileQuestion = question(nextStep(answers, context));
  assert.equal(fileQuestion.key, 'csvFile');
  assert.equal(fileQuestion.kind === 'pick' && fileQuestion.items[0]!.description, 'data/Sales 2024.csv');
  answers = answer(answers, 'csvFile', csvFile);
  assert.match((nextStep(answers, context) as { problem: string }).problem, /not been read/);
  context.preview = previewCsv(csv, csvFile);
  const targets = question(nextStep(answers, context));
  assert.equal(targets.kind, 'pickMany');
  assert.deepEqual(targets.kind === 'pickMany' && targets.items.map((i) => i.id), ['region', 'price', 'units', 'returned']);
  answers = answer(answer(answer(answers, 'targets', ['price', 'returned']), 'architecture', 'hard'), 'weighting', 'equal');
  const name = question(nextStep(answers, context));
  assert.equal(name.kind === 'input' && name.value, 'Sales-2024');
  const done = nextStep(answer(answers, 'name', 'sales'), context);
  assert.ok(done.done);
  assert.equal(done.choices.data.kind, 'csv');
  assert.ok(done.choices.data.kind === 'csv' && done.choices.data.path === 'data/Sales 2024.csv');
  assert.deepEqual(done.choices.data.kind === 'csv' && done.choices.data.tasks.map((t) => [t.name, t.type]), [['price', 'regression'], ['returned', 'classification']]);
  const config = parseExperimentText(experimentTemplate(done.choices), path.join(folder, 'sales.mtl.json'));
  assert.deepEqual(config.tasks.map((t) => t.target), ['price', 'returned']);
});

test('Back forgets the previous answer; changing the data kind drops the CSV answers', () => {
  let answers: FlowAnswers = { data: 'csv', csvFile: csvFile, targets: ['price'], architecture: 'hard' };
  answers = back(answers, 'weighting');
  assert.equal(answers.architecture, undefined);
  answers = back(answers, 'architecture');
  assert.equal(answers.targets, undefined);
  assert.deepEqual(back({}, 'data'), {}, 'nothing before the first question');
  const switched = answer({ data: 'csv', csvFile, targets: ['price'] }, 'data', 'random');
  assert.deepEqual(switched, { data: 'random' });
  assert.deepEqual(answer({ data: 'csv', csvFile, targets: ['x'] }, 'csvFile', '/other.csv'), { data: 'csv', csvFile: '/other.csv' });
});

test('problems end the flow with a reason: no CSV in the workspace, an unreadable or one-column CSV', () => {
  const none = nextStep({ data: 'csv' }, { folder, csvFiles: [] });
  assert.ok(!none.done && !none.question && /no CSV/.test(none.problem));
  const broken = nextStep({ data: 'csv', csvFile }, { folder, csvFiles: [csvFile], preview: new Error('x.csv:3: unterminated quoted field') });
  assert.ok(!broken.done && !broken.question && /unterminated/.test(broken.problem));
  const narrow = nextStep({ data: 'csv', csvFile }, { folder, csvFiles: [csvFile], preview: previewCsv('only\n1\n', csvFile) });
  assert.ok(!narrow.done && !narrow.question && /at least two columns/.test(narrow.problem));
});
