import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { configProblems, dataColumns } from '../../src/extension/diagnostics/configDiagnostics';

const files: Record<string, string> = {
  [path.resolve('/ws/data/people.csv')]: 'age,"income, net",label\n30,1000,1\n41,"2,000",0\n5',
  [path.resolve('/ws/data/rows.jsonl')]: '{"x":1,"y":2}\n{"x":2,"z":3}\n{"broken',
};
const readHead = async (file: string) => files[file];

function csvConfig(dataPath: string, target: string, features = '"auto"') {
  return `{
  // csv experiment
  "name": "people",
  "data": { "source": "csv", "path": "${dataPath}", "features": ${features} },
  "tasks": [ { "name": "label", "type": "classification", "target": "${target}" } ]
}`;
}

const underlined = (text: string, p: { offset: number; length: number }) => text.slice(p.offset, p.offset + p.length);

test('header columns of CSV (quoted names) and JSON Lines (keys of complete lines)', () => {
  assert.deepEqual(dataColumns(files[path.resolve('/ws/data/people.csv')]!, 'csv', 'x.csv'), ['age', 'income, net', 'label']);
  assert.deepEqual(dataColumns(files[path.resolve('/ws/data/rows.jsonl')]!, 'jsonl', 'x.jsonl'), ['x', 'y', 'z']);
});

test('a config whose data references all exist has no problems', async () => {
  assert.deepEqual(await configProblems(csvConfig('../data/people.csv', 'label'), '/ws/exp/a.mtl.json', readHead), []);
});

test('a missing CSV is reported on data.path with the resolved file', async () => {
  const text = csvConfig('../data/nope.csv', 'label');
  const problems = await configProblems(text, '/ws/exp/a.mtl.json', readHead);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.path, 'data.path');
  assert.equal(problems[0]!.message, `CSV file not found: ${path.resolve('/ws/data/nope.csv')}`);
  assert.equal(underlined(text, problems[0]!), '"../data/nope.csv"');
});

test('a target column or feature missing from the header is reported where it is written, listing the columns', async () => {
  const text = csvConfig('../data/people.csv', 'lable', '["age", "height"]');
  const problems = await configProblems(text, '/ws/exp/a.mtl.json', readHead);
  assert.deepEqual(problems.map((p) => [p.path, p.message, underlined(text, p)]), [
    ['tasks[0].target', 'target column "lable" is not in ../data/people.csv (columns: "age", "income, net", "label")', '"lable"'],
    ['data.features[1]', 'feature column "height" is not in ../data/people.csv (columns: "age", "income, net", "label")', '"height"'],
  ]);
});

test('semantic rules the schema cannot express are reported (duplicate task names)', async () => {
  const text = `{ "name": "x", "data": { "source": "synthetic" }, "tasks": [ { "name": "a", "type": "regression" }, { "name": "a", "type": "regression" } ] }`;
  const problems = await configProblems(text, '/ws/x.mtl.json', readHead);
  assert.ok(problems.some((p) => p.path.startsWith('tasks[1]') && /a/.test(p.message)), JSON.stringify(problems));
});

test('syntax errors are left to the JSON language service', async () => {
  assert.deepEqual(await configProblems('{ "name": ', '/ws/x.mtl.json', readHead), []);
});
