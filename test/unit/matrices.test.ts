/**
 * Named matrices (src/training/run/matrices.ts): what the trainer writes for a model's matrices and the
 * gradient cosines, and how readers label them — descriptions carried forward, labels that do not fit
 * replaced by indices, and 0.1's fixed `attention` / `gates` / `conflict` fields.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/training/backend/select';
import { loadDataset } from '../../src/training/data/load';
import { MatrixReader, attentionMatrixInfo, chartedCells, conflictMatrixInfo, matrixCellKey, type MatrixInfo } from '../../src/training/run/matrices';
import type { TrainRecord } from '../../src/training/run/records';
import { config, train } from '../helpers/engine';

before(async () => {
  await selectBackend('cpu');
});

const record = (step: number, extra: Partial<TrainRecord>): TrainRecord => ({ kind: 'train', step, epoch: 0, time: step, losses: { a: 1, b: 2 }, totalLoss: 3, weights: { a: 1, b: 1 }, samplesPerSecond: 1, ...extra });

const INFO: MatrixInfo = { title: 'Mix', description: 'd', rowAxis: 'task', columnAxis: 'slot', rows: ['a', 'b'], columns: ['x', 'y', 'z'], unit: 'share', signed: false };

test('a description is read once and applies to the later records of the file', () => {
  const reader = new MatrixReader();
  const first = reader.read(record(1, { matrices: { mix: [[1, 2, 3], [4, 5, 6]] }, matrixInfo: { mix: INFO } }));
  const second = reader.read(record(2, { matrices: { mix: [[7, 8, 9], [1, 2, 3]] } }));
  assert.deepEqual(first, [{ name: 'mix', info: INFO, values: [[1, 2, 3], [4, 5, 6]] }]);
  assert.deepEqual(second, [{ name: 'mix', info: INFO, values: [[7, 8, 9], [1, 2, 3]] }]);
});

test('labels that do not fit the values, or a description never seen, fall back to indices', () => {
  const reader = new MatrixReader();
  const [wrongRows] = reader.read(record(1, { matrices: { mix: [[1, 2, 3]] }, matrixInfo: { mix: INFO } }));
  assert.deepEqual([wrongRows.info.rows, wrongRows.info.columns], [['0'], ['x', 'y', 'z']]);
  const [unknown] = new MatrixReader().read(record(1, { matrices: { other: [[1], [2, 3]] } }));
  assert.deepEqual([unknown.info.title, unknown.info.rows, unknown.info.columns, unknown.info.signed], ['other', ['0', '1'], ['0', '1'], true]);
});

test('0.1 records: task-keyed attention and gates in config order, conflict labelled by task', () => {
  const reader = new MatrixReader(['b', 'a']);
  const legacy = reader.read(record(1, { attention: { a: [0.9, 0.1], b: [0.3, 0.7] }, gates: { a: [0.5, 0.25, 0.25], b: [1] }, conflict: [[1, -0.5], [-0.5, 1]] }));
  assert.deepEqual(legacy.map((m) => m.name), ['attention', 'gates', 'conflict']);
  assert.deepEqual([legacy[0].info.rows, legacy[0].info.columns, legacy[0].values], [['b', 'a'], ['0', '1'], [[0.3, 0.7], [0.9, 0.1]]]);
  assert.deepEqual(legacy[1].values, [[1, 0, 0], [0.5, 0.25, 0.25]], 'a short row is filled with 0');
  assert.deepEqual([legacy[2].info.rows, legacy[2].info.symmetric, legacy[2].info.signed], [['b', 'a'], true, true]);
  // Without a matching task order: the record's losses, else "task i".
  assert.deepEqual(new MatrixReader().read(record(1, { conflict: [[1, 0], [0, 1]] }))[0].info.rows, ['a', 'b']);
  assert.deepEqual(new MatrixReader(['a', 'b']).read(record(1, { conflict: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }))[0].info.rows, ['task 0', 'task 1', 'task 2']);
});

test('one key scheme; a symmetric matrix is charted once per pair above the diagonal', () => {
  assert.equal(matrixCellKey('gates', 'a', '2'), 'gates/a/2');
  assert.deepEqual(chartedCells(conflictMatrixInfo(['a', 'b', 'c'])), [{ row: 0, column: 1 }, { row: 0, column: 2 }, { row: 1, column: 2 }]);
  assert.equal(chartedCells(attentionMatrixInfo(['a', 'b'], 3)).length, 6);
});

test('the trainer logs every matrix at every logged step and describes each once per run', async () => {
  const cfg = config({ model: { architecture: 'soft', attention: 'mixture', sharedUnits: [8], taskUnits: [] }, training: { epochs: 1, batchSize: 50, logEvery: 1, evalEvery: 1000, conflictEvery: 3 } });
  const { records } = await train(cfg, await loadDataset(cfg, process.cwd()));
  const trains = records.filter((r): r is TrainRecord => r.kind === 'train');
  assert.ok(trains.length >= 6);
  assert.ok(trains.every((r) => r.matrices?.attention !== undefined), 'attention at every logged step');
  assert.deepEqual(trains.map((r) => r.matrices?.conflict !== undefined), trains.map((r) => r.step % 3 === 0), 'cosines every conflictEvery steps');
  assert.deepEqual(Object.keys(trains[0].matrixInfo ?? {}), ['attention']);
  const firstConflict = trains.find((r) => r.matrices?.conflict)!;
  assert.deepEqual(Object.keys(firstConflict.matrixInfo ?? {}), ['conflict'], 'the cosines are described with their first record');
  assert.equal(trains.filter((r) => r.matrixInfo !== undefined).length, 2, 'and nothing is described twice');
  assert.deepEqual(trains[0].matrixInfo!.attention.rows, ['a', 'b']);
  assert.deepEqual(firstConflict.matrixInfo!.conflict.rows, ['a', 'b']);
  // Mixture attention: each task's row is a softmax over the towers (a batch mean of softmaxes sums to 1).
  for (const row of trains.at(-1)!.matrices!.attention) assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5, `row ${row} sums to 1`);
  // Cosines: 1 on the diagonal, symmetric.
  const c = firstConflict.matrices!.conflict;
  assert.ok(Math.abs(c[0][0] - 1) < 1e-5 && Math.abs(c[1][1] - 1) < 1e-5 && c[0][1] === c[1][0]);
});
