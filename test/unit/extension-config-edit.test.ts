import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdits } from 'jsonc-parser/lib/esm/main.js';
import {
  CONFIG_FIELDS,
  computeConfigEdit,
  configFieldById,
  detectFormatting,
  readConfigValues,
  readTasks,
  validateFieldInput,
} from '../../src/extension/configEditing/configFields';

const text = `// My experiment
{
    "name": "demo",
    /* the data */
    "data": { "source": "synthetic", "validationSplit": 0.2 },
    "tasks": [
        { "name": "a", "type": "regression" },
        { "name": "b", "type": "classification", "classes": 10 }, // ten classes
    ],
    "model": { "architecture": "hard" }, // trunk + heads
    "optimizer": {
        "learningRate": 0.001 // tuned
    }
}
`;

const field = (id: string) => configFieldById(id)!;

test('config values: from the file where present, schema defaults otherwise', () => {
  const values = Object.fromEntries(readConfigValues(text).map((v) => [v.field.id, v]));
  assert.equal(values.architecture!.value, 'hard');
  assert.equal(values.architecture!.isDefault, false);
  assert.equal(text.slice(values.architecture!.offset!, values.architecture!.offset! + 6), '"hard"');
  assert.equal(values.learningRate!.value, 0.001);
  assert.deepEqual([values.weighting!.value, values.weighting!.isDefault], ['equal', true]);
  assert.deepEqual([values.epochs!.value, values.batchSize!.value, values.backend!.value], [10, 32, 'auto']);
  assert.deepEqual(CONFIG_FIELDS.map((f) => f.label), ['architecture', 'weighting', 'learning rate', 'epochs', 'batch size', 'backend']);
});

test('tasks are listed with their type and details', () => {
  assert.deepEqual(readTasks(text).map((t) => [t.name, t.detail]), [['a', 'regression'], ['b', 'classification · 10 classes']]);
});

test('editing a value keeps every comment and the formatting', () => {
  const result = computeConfigEdit(text, field('learningRate').path, 0.01);
  assert.ok(result.ok);
  const edited = applyEdits(text, result.edits);
  assert.equal(edited, text.replace('"learningRate": 0.001', '"learningRate": 0.01'));
  const arch = computeConfigEdit(text, field('architecture').path, 'soft');
  assert.ok(arch.ok);
  assert.match(applyEdits(text, arch.edits), /"model": \{ "architecture": "soft" \}, \/\/ trunk \+ heads/);
});

test('editing a key the file does not have inserts it with the file\'s indentation', () => {
  const result = computeConfigEdit(text, field('epochs').path, 20);
  assert.ok(result.ok);
  const edited = applyEdits(text, result.edits);
  assert.match(edited, /\n {4}"training": \{\n {8}"epochs": 20\n {4}\}\n\}/);
  for (const comment of ['// My experiment', '/* the data */', '// ten classes', '// trunk + heads', '// tuned']) assert.ok(edited.includes(comment), comment);
  assert.equal(readConfigValues(edited).find((v) => v.field.id === 'epochs')!.value, 20);
});

test('invalid values are refused with the schema\'s range', () => {
  assert.deepEqual(validateFieldInput(field('learningRate'), '0.05'), { ok: true, value: 0.05 });
  assert.deepEqual(validateFieldInput(field('learningRate'), '1e-4'), { ok: true, value: 0.0001 });
  assert.deepEqual(validateFieldInput(field('learningRate'), '0'), { ok: false, message: 'learning rate must be a number > 0 and ≤ 10' });
  assert.deepEqual(validateFieldInput(field('learningRate'), 'fast'), { ok: false, message: 'learning rate must be a number > 0 and ≤ 10' });
  assert.deepEqual(validateFieldInput(field('epochs'), '2.5'), { ok: false, message: 'epochs must be a whole number ≥ 1 and ≤ 1000000' });
  assert.deepEqual(validateFieldInput(field('epochs'), ' 12 '), { ok: true, value: 12 });
  assert.deepEqual(validateFieldInput(field('batchSize'), '-1').ok, false);
  assert.deepEqual(validateFieldInput(field('batchSize'), 'Infinity').ok, false);
  assert.deepEqual(validateFieldInput(field('architecture'), 'routing'), { ok: true, value: 'routing' });
  assert.match((validateFieldInput(field('architecture'), 'deep') as { message: string }).message, /must be one of "hard", "soft", "routing", "cross-stitch"/);
});

test('a file with a syntax error is not edited', () => {
  const broken = '{ "name": "x", "model": { "architecture": "hard" ';
  const result = computeConfigEdit(broken, field('architecture').path, 'soft');
  assert.equal(result.ok, false);
  assert.match((result as { message: string }).message, /syntax error/);
});

test('formatting detection: tabs, two or four spaces, CRLF', () => {
  assert.deepEqual(detectFormatting('{\n\t"a": 1\n}'), { insertSpaces: false, tabSize: 4, eol: '\n' });
  assert.deepEqual(detectFormatting('{\r\n  "a": {\r\n    "b": 1\r\n  }\r\n}'), { insertSpaces: true, tabSize: 2, eol: '\r\n' });
  assert.deepEqual(detectFormatting(text).tabSize, 4);
  assert.deepEqual(detectFormatting('{}').tabSize, 2);
});
