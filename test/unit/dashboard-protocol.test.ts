import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDashboardState, parseHostMessage, parseWebviewMessage, defaultDashboardState, describeInvalidMessage } from '../../src/webview/protocol';
import { RunSeriesStore, newRunCursor, pointsPerSeries, runView } from '../../src/extension/dashboard/runSeries';
import type { MetricRecord, RunInfo } from '../../src/training/run/records';
import { applySeriesDelta, emptyHeldSeries, heldPoints } from '../../src/webview/data/seriesStore';

test('webview messages: valid intents pass, unknown or malformed ones are rejected', () => {
  assert.ok(parseWebviewMessage({ type: 'ready', protocol: 1 }));
  assert.ok(parseWebviewMessage({ type: 'stopRun', runId: 'r1' }));
  assert.ok(parseWebviewMessage({ type: 'setRunColor', runId: 'r1', color: '#12abEF' }));
  assert.ok(parseWebviewMessage({ type: 'exportPng', suggestedName: 'x.png', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' }));
  assert.equal(parseWebviewMessage({ type: 'ready', protocol: 2 }), undefined);
  assert.equal(parseWebviewMessage({ type: 'deleteEverything' }), undefined);
  assert.equal(parseWebviewMessage({ type: 'stopRun' }), undefined);
  assert.equal(parseWebviewMessage({ type: 'setRunColor', runId: 'r1', color: 'red;background:url(x)' }), undefined);
  assert.equal(parseWebviewMessage({ type: 'exportPng', suggestedName: 'x', dataUrl: 'javascript:alert(1)' }), undefined);
  assert.equal(parseWebviewMessage(null), undefined);
  assert.equal(parseWebviewMessage('ready'), undefined);
  assert.match(describeInvalidMessage('webview', { type: 'stopRun' }), /stopRun/);
});

test('host messages: columns of unequal length are rejected', () => {
  const delta = { runId: 'r', key: 'total', width: 1, dropFrom: null, points: { steps: [1, 2], times: [1, 2], values: [1] }, tail: { steps: [], times: [], values: [] } };
  assert.equal(parseHostMessage({ type: 'append', series: [delta], matrices: [], events: [] }), undefined);
  delta.points.values.push(2);
  assert.ok(parseHostMessage({ type: 'append', series: [delta], matrices: [], events: [] }));
  assert.equal(parseHostMessage({ type: 'append', series: [{ ...delta, points: { steps: [NaN], times: [0], values: [0] } }], matrices: [], events: [] }), undefined);
});

test('persisted state round-trips and rejects other versions', () => {
  assert.ok(parseDashboardState(defaultDashboardState(['a'])));
  assert.equal(parseDashboardState({ ...defaultDashboardState(['a']), version: 2 }), undefined);
  assert.equal(parseDashboardState(undefined), undefined);
});

function train(step: number): MetricRecord {
  return {
    kind: 'train', step, epoch: 0, time: 1000 + step, losses: { a: 1 / step, b: 2 / step }, totalLoss: 3 / step, weights: { a: 0.5, b: 0.5 }, samplesPerSecond: 100,
    gates: { a: [0.7, 0.3], b: [0.2, 0.8] }, conflict: [[1, -0.2], [-0.2, 1]],
  };
}

test('RunSeriesStore maps records to series, matrices and events; deltas carry only what is new', () => {
  const store = new RunSeriesStore('r1', 64, ['a', 'b']);
  const records: MetricRecord[] = [];
  for (let s = 1; s <= 500; s++) records.push(train(s));
  records.push({ kind: 'eval', step: 500, epoch: 1, time: 2000, split: 'validation', metrics: { a: { loss: 0.1, accuracy: 0.9 }, b: { loss: 0.2, rmse: 0.4 } } });
  records.push({ kind: 'event', step: 300, time: 1300, level: 'warning', code: 'weights-collapsed', message: 'task b weight below 1e-3' });
  store.add(records);
  assert.deepEqual(store.keys().sort(), ['conflict/a/b', 'gates/a/0', 'gates/a/1', 'gates/b/0', 'gates/b/1', 'loss/a', 'loss/b', 'throughput', 'total', 'val/a/accuracy', 'val/a/loss', 'val/b/loss', 'val/b/rmse', 'weight/a', 'weight/b'].sort());
  store.add(records.slice(-1)); // the same event again (history and live stream overlapping) is kept once
  const cursor = newRunCursor();
  const first = store.deltas(cursor);
  assert.equal(first.events.length, 1);
  assert.equal(first.matrices.find((m) => m.kind === 'gates')?.rowLabels.join(), 'a,b');
  assert.deepEqual(first.matrices.find((m) => m.kind === 'conflict')?.snapshots[0].rows, [[1, -0.2], [-0.2, 1]]);
  const held = emptyHeldSeries();
  applySeriesDelta(held, first.series.find((d) => d.key === 'loss/a')!);
  assert.ok(heldPoints(held).steps.length <= 66);
  // Nothing new: nothing sent.
  const none = store.deltas(cursor);
  assert.equal(none.series.length + none.matrices.length + none.events.length, 0);
  store.add([train(501)]);
  const next = store.deltas(cursor);
  assert.ok(next.series.every((d) => d.points.steps.length + d.tail.steps.length <= 4));
  assert.ok(!next.series.some((d) => d.key.startsWith('val/')), 'unchanged series are not sent');
  assert.equal(next.events.length, 0);
  for (const d of next.series.filter((x) => x.key === 'loss/a')) applySeriesDelta(held, d);
  assert.equal(heldPoints(held).steps.at(-1), 501);
  assert.ok(store.heldPoints().points <= 15 * 66);
});

test('runView flattens config and carries the summary', () => {
  const info: RunInfo = {
    version: 1, id: 'r1', name: 'exp', experimentFile: null, status: 'completed', createdAt: 'c', startedAt: 's', endedAt: 'e', backend: 'wasm', pid: null, step: 10, totalSteps: 10, overrides: [],
    error: null, summary: { metrics: { a: { loss: 0.1, accuracy: 0.9 } }, stepsPerSecond: 5, backend: 'wasm', steps: 10, bestStep: 8 },
  };
  const v = runView(info, undefined);
  assert.equal(v.bestStep, 8);
  assert.equal(v.stepsPerSecond, 5);
  assert.deepEqual(v.config, {});
});

test('a dashboard of many runs holds fewer points per series: 40 000 per series key across runs, at least 250, never more than the setting', () => {
  assert.equal(pointsPerSeries(2000, 1), 2000);
  assert.equal(pointsPerSeries(2000, 20), 2000);
  assert.equal(pointsPerSeries(2000, 100), 400);
  assert.equal(pointsPerSeries(2000, 1000), 250);
  assert.equal(pointsPerSeries(100, 3), 100, 'the setting is an upper bound');
  assert.equal(pointsPerSeries(2000, 0), 2000);
  // The store honours it: a 10 000-step run in a 100-run dashboard keeps at most 400 points of its loss series.
  const store = new RunSeriesStore('r', pointsPerSeries(2000, 100), ['a']);
  const records: MetricRecord[] = [];
  for (let step = 1; step <= 10_000; step++) records.push({ kind: 'train', step, epoch: 0, time: step, losses: { a: 1 / step }, totalLoss: 1 / step, weights: { a: 1 }, samplesPerSecond: 100 });
  store.add(records);
  const series = store.deltas(newRunCursor()).series.find((s) => s.key === 'loss/a');
  assert.ok(series, 'a loss series');
  const points = series.points.steps.length + series.tail.steps.length;
  assert.ok(points <= 400 && points >= 200, `${points} points held`);
});
