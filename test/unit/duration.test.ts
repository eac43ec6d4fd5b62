import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration } from '../../src/training/run/duration';

test('formatDuration', () => {
  assert.equal(formatDuration(42), '42s');
  assert.equal(formatDuration(185), '3m 05s');
  assert.equal(formatDuration(3720), '1h 02m');
  assert.equal(formatDuration(NaN), '—');
});
