/**
 * A dashboard opened on a run that trains: the history read from metrics.jsonl and the live records meet at
 * one byte offset (RunFeed). Records arrive during the history read on purpose (fixtures: openDuringTraining);
 * every series must hold each step exactly once, from the first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureRun, openDuringTraining } from '../dashboard/fixtures';
import { newRunCursor, RunSeriesStore } from '../../src/extension/dashboard/runSeries';
import { RunFeed } from '../../src/extension/dashboard/runFeed';

function stepsOf(store: RunSeriesStore, key: string): number[] {
  const delta = store.deltas(newRunCursor()).series.find((d) => d.key === key);
  assert.ok(delta, `series ${key} exists`);
  return [...delta.points.steps, ...delta.tail.steps];
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('records that arrive during the history read are handed over at its offset: whole history, no gap, no duplicate', async () => {
  const run = fixtureRun({ id: 'handover', steps: 600, totalSteps: 2000, status: 'running', evalEvery: 50 });
  const opened = await openDuringTraining(run, { batchSize: 40, readAtStep: 333, arrivedDuringRead: 3 });
  const store = opened.feed.store;
  const afterRead = stepsOf(store, 'loss/income');
  assert.deepEqual(afterRead, range(1, afterRead.length), 'contiguous from the first step');
  const newestDuringRead = Math.max(...opened.during.flatMap((b) => b.records).filter((r) => r.kind === 'train').map((r) => r.step));
  assert.ok(newestDuringRead > 333 + 90, 'three batches arrived after the one the read cut');
  assert.equal(afterRead.length, newestDuringRead, 'the records that arrived during the read are all kept');
  for (const batch of opened.later) opened.feed.receive(batch);
  assert.deepEqual(stepsOf(store, 'loss/income'), range(1, 600), 'every step once, in order, after the live records');
  assert.deepEqual(stepsOf(store, 'val/income/loss'), range(1, 12).map((i) => i * 50), 'eval records too');
  const events = store.deltas(newRunCursor()).events;
  assert.equal(events.filter((e) => e.code === 'run-started').length, 1, 'an event read from disk and received live is kept once');
});

test('a batch received twice, or older than the history, changes nothing', () => {
  const run = fixtureRun({ id: 'dupes', steps: 30, totalSteps: 30 });
  const feed = new RunFeed(new RunSeriesStore('dupes', 2000, ['income', 'marital', 'age']));
  const offsets = run.records.map((_, i) => 100 * (i + 1));
  feed.history({ records: run.records.slice(0, 11), offset: offsets[10]! });
  assert.equal(feed.receive({ records: run.records.slice(5, 11), offsets: offsets.slice(5, 11) }), false, 'nothing past the history');
  assert.equal(feed.receive({ records: run.records.slice(8, 20), offsets: offsets.slice(8, 20) }), true);
  assert.equal(feed.receive({ records: run.records.slice(8, 20), offsets: offsets.slice(8, 20) }), false, 'the same batch again');
  assert.equal(feed.receive({ records: run.records.slice(20), offsets: offsets.slice(20) }), true);
  assert.deepEqual(stepsOf(feed.store, 'loss/income'), range(1, 30));
  assert.throws(() => feed.history({ records: [], offset: 0 }), /already read/);
});
