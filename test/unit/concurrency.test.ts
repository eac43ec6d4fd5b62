import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { defaultConcurrency } from '../../src/training/run/concurrency';

const GB = 1024 ** 3;

test('default concurrency: one worker per core as far as free memory allows (512 MB each), at least one', () => {
  assert.equal(defaultConcurrency(2, 8 * GB), 2, 'cores bound');
  assert.equal(defaultConcurrency(8, 2 * GB), 4, 'memory bound: 2 GB / 0.5 GB');
  assert.equal(defaultConcurrency(8, 0.7 * GB), 1);
  assert.equal(defaultConcurrency(4, 0), 1, 'never zero');
  const here = defaultConcurrency();
  assert.ok(here >= 1 && here <= os.availableParallelism(), 'this machine: between 1 and its cores');
});
