/**
 * Event codes are one typed union (EVENT_CODES) that every writer goes through (eventRecord); readers keep
 * records with codes they do not know (a newer writer, another program).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventRecord } from '../../src/training/run/events';
import type { EventRecord } from '../../src/training/run/records';
import { parseRecords } from '../../src/training/run/metricsTail';

test('eventRecord: the record as written to metrics.jsonl, data only when given', () => {
  const before = Date.now();
  const plain = eventRecord(7, 'warning', 'batch-skipped', 'loss is NaN');
  assert.ok(plain.time >= before && plain.time <= Date.now());
  assert.deepEqual(JSON.parse(JSON.stringify(plain)), { kind: 'event', step: 7, time: plain.time, level: 'warning', code: 'batch-skipped', message: 'loss is NaN' });
  assert.ok(!('data' in plain));
  assert.deepEqual(eventRecord(0, 'info', 'backend-selected', 'wasm', { backend: 'wasm' }).data, { backend: 'wasm' });
  // A writer cannot invent a code: the type checker (npm run typecheck) rejects it.
  // @ts-expect-error 'no-such-code' is not an EventCode
  eventRecord(0, 'info', 'no-such-code', 'x');
});

test('a record with a code this version does not know is read, not skipped', () => {
  const line = JSON.stringify({ kind: 'event', step: 3, time: 1, level: 'info', code: 'from-a-newer-writer', message: 'hello' });
  const parsed = parseRecords(line + '\n');
  assert.equal(parsed.skipped, 0);
  const [record] = parsed.records as EventRecord[];
  assert.equal(record?.code as string, 'from-a-newer-writer');
  // Readers switch on the code with a default branch for such records.
  const seen = (r: EventRecord) => {
    switch (r.code) {
      case 'weights-collapsed':
        return 'collapsed';
      default:
        return 'other';
    }
  };
  assert.equal(seen(record!), 'other');
});
