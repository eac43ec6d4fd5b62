/**
 * Run directories written by 0.1 (test/fixtures/legacy-0.1: fixed `attention` / `gates` / `conflict` fields)
 * read, export and reach the dashboard exactly as 0.1 did: the expected files there were written by 0.1's code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { MetricRecordSchema, type TrainRecord } from '../../src/training/run/records';
import { readRunInfoSync } from '../../src/training/run/runDirectory';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import { recordsToCsv } from '../../src/training/run/exportCsv';
import { RunSeriesStore, newRunCursor } from '../../src/extension/dashboard/runSeries';
import type { ExperimentConfig } from '../../src/training/config/schema';

/** run.json of a fixture run directory (which must be readable). */
function runInfoOf(dir: string) {
  const read = readRunInfoSync(dir);
  if (!read.ok) throw new Error(`${dir}: ${read.reason}`);
  return read.info;
}

const root = path.resolve(__dirname, '../fixtures/legacy-0.1');
const runsDir = path.join(root, 'runs');
const runIds = readdirSync(runsDir).sort();

interface Expected {
  matrices: { runId: string; kind: string; rowLabels: string[]; columnLabels: string[]; snapshots: { step: number; rows: number[][] }[] }[];
}
const expectedDashboard = JSON.parse(readFileSync(path.join(root, 'expected/dashboard.json'), 'utf8')) as Record<string, Expected>;

test('the fixture holds a soft-attention run and an MMoE run in the 0.1 format', () => {
  assert.deepEqual(runIds.map((id) => runInfoOf(path.join(runsDir, id)).name), ['fixture-mmoe', 'fixture-soft-attention']);
  const fields = (id: string) => new Set(readRecordsSync(path.join(runsDir, id)).flatMap((r) => (r.kind === 'train' ? Object.keys(r) : [])));
  const [mmoe, soft] = runIds.map(fields);
  for (const f of ['gates', 'conflict']) assert.ok(mmoe.has(f), `MMoE records have ${f}`);
  for (const f of ['attention', 'conflict']) assert.ok(soft.has(f), `soft records have ${f}`);
  for (const f of [...mmoe, ...soft]) assert.ok(!['matrices', 'matrixInfo'].includes(f), 'no named matrices yet');
});

for (const id of runIds) {
  const dir = path.join(runsDir, id);

  test(`${id}: every line reads as a valid record`, () => {
    const lines = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
    const records = readRecordsSync(dir);
    assert.equal(records.length, lines.length);
    for (const r of records) assert.ok(Value.Check(MetricRecordSchema, r), JSON.stringify(r).slice(0, 200));
  });

  test(`${id}: the CSV export is byte for byte the one 0.1 wrote, with CRLF line ends (RFC 4180, as every export now writes)`, () => {
    const written = readFileSync(path.join(root, 'expected', `${id}.csv`), 'utf8');
    assert.ok(!written.includes('\r'), '0.1 wrote LF line ends');
    const expected = written.replace(/\n/g, '\r\n');
    assert.equal(recordsToCsv(readRecordsSync(dir)), expected, 'as the CLI exports it');
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as ExperimentConfig;
    assert.equal(recordsToCsv(readRecordsSync(dir), config.tasks.map((t) => t.name)), expected, 'as the extension exports it (task order from config.json)');
  });

  test(`${id}: the dashboard store sends the matrices 0.1 sent, and series for every cell`, () => {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as ExperimentConfig;
    const store = new RunSeriesStore(id, 2000, config.tasks.map((t) => t.name));
    const records = readRecordsSync(dir);
    store.add(records);
    const sent = store.deltas(newRunCursor()).matrices.map((m) => ({ runId: m.runId, kind: m.kind, rowLabels: m.rowLabels, columnLabels: m.columnLabels, snapshots: m.snapshots.map((s) => ({ step: s.step, rows: s.rows })) }));
    // 0.1 labelled the columns of task × tower / task × expert matrices "tower 0", "expert 0"; now the labels are
    // the indices (the CSV's and the series keys' column part) and the dashboard names the axis when it draws them.
    const legacyLabels = (m: Expected['matrices'][number]) => ({ ...m, columnLabels: m.columnLabels.map((c) => c.replace(/^(tower|expert) /, '')) });
    assert.deepEqual(sent, expectedDashboard[id].matrices.map(legacyLabels));
    // One line per cell, keyed like the CSV's columns (0.1 wrote `gate/` for the dashboard and `gates/` for the CSV).
    const trains = records.filter((r): r is TrainRecord => r.kind === 'train');
    const last = trains.at(-1)!;
    const keys = store.keys();
    if (last.gates) {
      for (const [task, row] of Object.entries(last.gates)) row.forEach((_, j) => assert.ok(keys.includes(`gates/${task}/${j}`), `gates/${task}/${j}`));
      assert.ok(!keys.some((k) => k.startsWith('gate/')));
    }
    if (last.attention) for (const [task, row] of Object.entries(last.attention)) row.forEach((_, j) => assert.ok(keys.includes(`attention/${task}/${j}`), `attention/${task}/${j}`));
    const tasks = config.tasks.map((t) => t.name);
    const pairs = tasks.flatMap((a, i) => tasks.slice(i + 1).map((b) => `conflict/${a}/${b}`));
    assert.deepEqual(keys.filter((k) => k.startsWith('conflict/')), pairs, 'one conflict line per task pair');
  });
}
