/**
 * The record format is a published contract: docs/schemas/ is generated from records.ts (one home), and readers
 * reject records and run.json files of a newer major format with a clear message instead of misreading them.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RECORD_SCHEMAS_DIR, recordSchemaFiles } from '../../scripts/record-schemas';
import { MetricsTail, parseRecords } from '../../src/training/run/metricsTail';
import { parseRunInfo } from '../../src/training/run/runDirectory';
import type { EventRecord } from '../../src/training/run/records';

it('docs/schemas/ holds exactly the schemas generated from records.ts (run scripts/record-schemas.ts)', () => {
  const files = recordSchemaFiles();
  assert.deepEqual(readdirSync(RECORD_SCHEMAS_DIR).sort(), [...files.keys()].sort());
  for (const [name, text] of files) assert.equal(readFileSync(path.join(RECORD_SCHEMAS_DIR, name), 'utf8'), text, name);
});

it('the schemas are plain JSON Schema with the contract\'s required keys', () => {
  const train = JSON.parse(recordSchemaFiles().get('train-record.schema.json')!) as { required: string[]; properties: Record<string, { const?: unknown }> };
  assert.deepEqual(train.required, ['kind', 'step', 'epoch', 'time', 'losses', 'totalLoss', 'weights', 'samplesPerSecond']);
  assert.equal(train.properties.kind!.const, 'train');
  const run = JSON.parse(recordSchemaFiles().get('run.schema.json')!) as { properties: { version: { const: number } } };
  assert.equal(run.properties.version.const, 1);
});

const train = (step: number, extra: object = {}) => JSON.stringify({ kind: 'train', step, epoch: 0, time: 1, losses: { a: 1 }, totalLoss: 1, weights: { a: 1 }, samplesPerSecond: 1, ...extra });

it('records of a newer major format are rejected with one format-newer event at the first one', () => {
  const text = [train(1), train(2, { version: 1 }), train(3, { version: 2 }), train(4, { version: 2 }), ''].join('\n');
  const parsed = parseRecords(text);
  assert.deepEqual(parsed.records.map((r) => (r.kind === 'event' ? r.code : r.step)), [1, 2, 'format-newer']);
  const event = parsed.records[2] as EventRecord;
  assert.equal(event.level, 'error');
  assert.match(event.message, /format version 2; this MTL Lab reads version 1/);
  assert.equal(event.step, 2);
  assert.equal(parsed.newer, 2);
  assert.equal(parsed.skipped, 2);
  // The event sits where the first rejected line ends, so an offset handover neither repeats nor loses it.
  assert.equal(parsed.offsets[2], Buffer.byteLength([train(1), train(2, { version: 1 }), train(3, { version: 2 })].join('\n') + '\n'));
});

it('a tail reports a newer format once, not once per poll', async () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mtl-format-')), 'metrics.jsonl');
  writeFileSync(file, train(1, { version: 3 }) + '\n');
  const tail = new MetricsTail(file);
  assert.deepEqual((await tail.poll()).records.map((r) => r.kind === 'event' && r.code), ['format-newer']);
  writeFileSync(file, [train(1, { version: 3 }), train(2, { version: 3 }), ''].join('\n'));
  const second = await tail.poll();
  assert.deepEqual(second.records, []);
  assert.equal(second.newer, 1);
});

it('a run.json of a newer format is unreadable with a reason that says to update', () => {
  const read = parseRunInfo(JSON.stringify({ version: 2, id: 'x' }));
  assert.equal(read.ok, false);
  assert.match(!read.ok ? read.reason : '', /run.json is format version 2; this MTL Lab reads version 1 \(update MTL Lab\)/);
});
