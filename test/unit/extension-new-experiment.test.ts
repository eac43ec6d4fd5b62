import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExperimentText } from '../../src/training/config';
import { ARCHITECTURES, WEIGHTINGS, experimentJsonSchema } from '../../src/training/config/schema';
import { parse as parseJsonc } from 'jsonc-parser/lib/esm/main.js';
import {
  experimentFileName,
  experimentTemplate,
  inferTasks,
  inferTaskType,
  previewCsv,
  taskNameFor,
  validateName,
  type DataChoice,
  WEIGHTING_CHOICES,
  ARCHITECTURE_CHOICES,
} from '../../src/extension/newExperiment/template';

const csv = 'age,city,Income (net),rating,churned\n' + Array.from({ length: 40 }, (_, i) => `${20 + i},${['A', 'B', 'C'][i % 3]},${(1000 + i * 13.5).toFixed(1)},${(i % 5) + 1},${i % 2 ? 'yes' : 'no'}`).join('\n') + '\n41,A,99';

test('every combination of data, architecture and weighting gives a valid, commented config', () => {
  const preview = previewCsv(csv, 'people.csv');
  const datas: DataChoice[] = [{ kind: 'synthetic' }, { kind: 'random' }, { kind: 'csv', path: 'data/people.csv', tasks: inferTasks(preview, ['Income (net)', 'churned']) }];
  for (const data of datas) {
    for (const architecture of ARCHITECTURE_CHOICES.map((c) => c.id)) {
      for (const weighting of WEIGHTINGS) {
        const text = experimentTemplate({ name: 'demo', data, architecture, weighting });
        assert.match(text, /^\/\/ MTL Lab experiment/);
        const config = parseExperimentText(text, 'demo.mtl.json');
        assert.equal(config.name, 'demo');
        assert.equal(config.model.architecture, architecture);
        assert.equal(config.loss.weighting, weighting);
      }
    }
  }
});

test('the New Experiment quick pick offers every architecture that reads feature vectors (the data it writes)', () => {
  assert.deepEqual(ARCHITECTURE_CHOICES.map((c) => c.id), ARCHITECTURES.filter((a) => a !== 'transformer'));
});

test('the New Experiment quick pick offers every weighting the engine has', () => {
  assert.deepEqual(WEIGHTING_CHOICES.map((c) => c.id).sort(), [...WEIGHTINGS].sort());
});

test('the article\'s random data: 100 inputs, 50 hidden units, 10 and 20 classes, batch 32, 10 epochs', () => {
  const config = parseExperimentText(experimentTemplate({ name: 'article', data: { kind: 'random' }, architecture: 'hard', weighting: 'equal' }), 'a.mtl.json');
  assert.equal(config.data.generator, 'random');
  assert.equal(config.data.inputDim, 100);
  assert.deepEqual(config.model.sharedUnits, [50]);
  assert.deepEqual(config.tasks.map((t) => t.classes), [10, 20]);
  assert.deepEqual([config.training.batchSize, config.training.epochs], [32, 10]);
});

test('tasks are inferred from the CSV: names made valid, types from the values', () => {
  const tasks = inferTasks(previewCsv(csv, 'people.csv'), ['Income (net)', 'rating', 'churned', 'city']);
  assert.deepEqual(tasks.map((t) => [t.name, t.type, t.classes]), [
    ['Income-net', 'regression', undefined],
    ['rating', 'classification', 5],
    ['churned', 'classification', 2],
    ['city', 'classification', 3],
  ]);
  const text = experimentTemplate({ name: 'p', data: { kind: 'csv', path: 'people.csv', tasks }, architecture: 'hard', weighting: 'static' });
  const config = parseExperimentText(text, 'p.mtl.json');
  assert.deepEqual(config.tasks.map((t) => t.target), ['Income (net)', 'rating', 'churned', 'city']);
  assert.deepEqual(config.loss.weights, { 'Income-net': 0.25, rating: 0.25, churned: 0.25, city: 0.25 });
});

test('type inference edge cases', () => {
  assert.deepEqual(inferTaskType(['0', '1', '1', '0', '', 'NA']), { type: 'classification', classes: 2 });
  assert.equal(inferTaskType(['1.5', '2.25', '3']).type, 'regression');
  assert.equal(inferTaskType(Array.from({ length: 100 }, (_, i) => String(i))).type, 'regression', 'many distinct integers are a quantity');
  assert.equal(inferTaskType(['cat', 'dog']).type, 'classification');
});

test('names: validation, task names from headers, free file names', () => {
  assert.equal(validateName('ok-name_1.2'), undefined);
  assert.match(validateName('bad name')!, /Letters, digits/);
  assert.match(validateName('')!, /Enter a name/);
  const taken = new Set<string>();
  assert.equal(taskNameFor('  ', taken), 'task');
  assert.equal(taskNameFor('_x y', taken), 'x-y');
  assert.equal(taskNameFor('x y', taken), 'x-y-2');
  assert.equal(experimentFileName('a', (f) => ['a.mtl.json', 'a-2.mtl.json'].includes(f)), 'a-3.mtl.json');
});

test('generated files state every key the editor schema lists as required (no warnings in a fresh file)', () => {
  type SchemaNode = { required?: string[]; properties?: Record<string, SchemaNode>; items?: SchemaNode };
  const missing: string[] = [];
  const walk = (schema: SchemaNode | undefined, value: unknown, at: string) => {
    if (!schema || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(schema.items, item, `${at}[${i}]`));
      return;
    }
    for (const key of schema.required ?? []) if (!(key in value)) missing.push(`${at}.${key}`);
    for (const [key, sub] of Object.entries(schema.properties ?? {})) if (key in value) walk(sub, (value as Record<string, unknown>)[key], `${at}.${key}`);
  };
  const schema = experimentJsonSchema() as SchemaNode;
  for (const data of [{ kind: 'synthetic' }, { kind: 'random' }] as const) {
    for (const architecture of ARCHITECTURE_CHOICES.map((c) => c.id)) walk(schema, parseJsonc(experimentTemplate({ name: 'x', data, architecture, weighting: 'softmax' })), '');
  }
  assert.deepEqual(missing, []);
});
