import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignX, decimateToWidth, downsampleMinMax, emaDebiased, formatTick, robustRange, timeOrigin } from '../../src/webview/data/transforms';
import { comparisonTable, flattenConfig, groupRows, seriesToCsv, sortRows, tableToMarkdown } from '../../src/webview/data/exports';
import type { RunView } from '../../src/webview/protocol';

test('EMA is debiased like TensorBoard: a constant series stays constant from the first point', () => {
  assert.deepEqual(emaDebiased([3, 3, 3, 3], 0.9).map((v) => Number(v.toFixed(12))), [3, 3, 3, 3]);
});

test('EMA matches the formula on a step', () => {
  const w = 0.6;
  const out = emaDebiased([0, 10, 10], w);
  // biased: 0, 4, 6.4; debias by 1 − 0.6^n: 0.4, 0.64, 0.784
  assert.ok(Math.abs(out[0] - 0) < 1e-12);
  assert.ok(Math.abs(out[1] - 4 / 0.64) < 1e-12);
  assert.ok(Math.abs(out[2] - 6.4 / 0.784) < 1e-12);
  assert.deepEqual(emaDebiased([1, 2, 3], 0), [1, 2, 3]);
});

test('EMA passes non-finite values through without poisoning the average', () => {
  const out = emaDebiased([1, NaN, 1], 0.5);
  assert.equal(out[0], 1);
  assert.ok(Number.isNaN(out[1]));
  assert.equal(out[2], 1);
  assert.throws(() => emaDebiased([1], 1), /smoothing weight/);
});

test('x alignment: step, relative seconds from the run origin, wall time', () => {
  const p = { steps: [1, 2, 3], times: [10_000, 12_000, 15_000], values: [0, 0, 0] };
  assert.deepEqual(alignX(p, 'step', 0), [1, 2, 3]);
  assert.deepEqual(alignX(p, 'relative', 10_000), [0, 2, 5]);
  assert.deepEqual(alignX(p, 'wall', 0), [10_000, 12_000, 15_000]);
  assert.equal(timeOrigin([p, { steps: [0], times: [9_000], values: [1] }]), 9_000);
  assert.equal(timeOrigin([]), 0);
});

test('decimation to pixel width keeps at most ~pixels points and every column extreme', () => {
  const n = 100_000;
  const xs = Array.from({ length: n }, (_, i) => i);
  const ys = xs.map((i) => Math.sin(i / 1000));
  ys[77_777] = 100;
  ys[12_345] = -100;
  const idx = decimateToWidth(xs, ys, 400);
  assert.ok(idx.length <= 404, `${idx.length} points for 400 px`);
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], n - 1, 'the newest point is always drawn');
  assert.ok(idx.includes(77_777) && idx.includes(12_345));
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1]);
  // A zoomed range keeps one neighbour on each side so the line reaches the edges.
  const zoom = decimateToWidth(xs, ys, 400, 1000, 1100);
  assert.equal(zoom[0], 999);
  assert.equal(zoom[zoom.length - 1], 1101);
  assert.equal(zoom.length, 103);
});

test('min–max downsampling to maxPoints keeps first, last and extremes', () => {
  const xs = Array.from({ length: 10_000 }, (_, i) => i);
  const ys = xs.map((i) => (i === 4321 ? 9 : i === 8765 ? -9 : Math.cos(i)));
  const idx = downsampleMinMax(xs, ys, 2000);
  assert.ok(idx.length <= 2000);
  assert.equal(idx[0], 0);
  assert.equal(idx[idx.length - 1], 9999);
  assert.ok(idx.includes(4321) && idx.includes(8765));
  assert.deepEqual(downsampleMinMax([1, 2], [1, 2], 10), [0, 1]);
});

test('robust range ignores outliers (5th–95th percentile, padded)', () => {
  const values = Array.from({ length: 100 }, (_, i) => i / 100);
  values.push(1e6);
  const r = robustRange(values);
  assert.ok(r && r.max < 2 && r.min < 0.05);
  assert.equal(robustRange([NaN]), undefined);
  const log = robustRange([0, 1, 10, 100], true);
  assert.ok(log && log.min > 0);
});

test('series CSV: long format with smoothed column (fields and line ends: test/unit/csv.test.ts)', () => {
  const csv = seriesToCsv(
    [{ runName: 'exp,1', runId: 'r1', key: 'loss/a', points: { steps: [1, 2], times: [1000, 3000], values: [0.5, 0.25] }, smoothed: [0.5, 0.3] }],
    new Map([['r1', 1000]]),
  );
  assert.equal(
    csv,
    'run,run_id,series,step,wall_time,relative_seconds,value,smoothed\r\n' +
      '"exp,1",r1,loss/a,1,1970-01-01T00:00:01.000Z,0,0.5,0.5\r\n' +
      '"exp,1",r1,loss/a,2,1970-01-01T00:00:03.000Z,2,0.25,0.3\r\n',
  );
});

function run(id: string, lr: number, acc: number | null, status: RunView['status'] = 'completed'): RunView {
  return {
    id,
    name: 'exp',
    status,
    backend: 'wasm',
    step: 100,
    totalSteps: 100,
    createdAt: '',
    startedAt: null,
    endedAt: null,
    error: null,
    tasks: [{ name: 'a', type: 'classification' }],
    architecture: 'hard',
    weighting: 'equal',
    config: flattenConfig({ name: 'exp', seed: 1, model: { architecture: 'hard', sharedUnits: [64] }, optimizer: { learningRate: lr }, training: { batchSize: 32 } }),
    finalMetrics: acc === null ? null : { a: { loss: 1 - acc, accuracy: acc } },
    bestStep: acc === null ? null : 90,
    stepsPerSecond: 10,
  };
}

test('comparison table: differing config values flagged, metrics per task, sortable, Markdown', () => {
  const runs = [run('r1', 0.01, 0.8), run('r2', 0.001, 0.9), run('r3', 0.01, null, 'running')];
  const { columns, rows } = comparisonTable(runs);
  const lr = columns.find((c) => c.id === 'config:optimizer.learningRate');
  assert.equal(lr?.differs, true);
  assert.equal(columns.find((c) => c.id === 'config:seed')?.differs, false);
  assert.equal(columns.find((c) => c.id === 'config:model.sharedUnits'), undefined, 'equal non-key config is not shown');
  assert.ok(columns.some((c) => c.id === 'metric:a/accuracy'));
  const sorted = sortRows(rows, 'metric:a/accuracy', true);
  assert.deepEqual(sorted.map((r) => r.runId), ['r2', 'r1', 'r3'], 'nulls last');
  assert.deepEqual(sortRows(rows, 'metric:a/accuracy', false).map((r) => r.runId), ['r1', 'r2', 'r3']);
  const md = tableToMarkdown(columns, sorted);
  const lines = md.trim().split('\n');
  assert.match(lines[0], /\| optimizer\.learningRate \* \|/);
  assert.match(lines[1], /^\| --- \| --- \|/);
  assert.match(md, /\| exp \(r2\) \| completed \|.*\| 0\.9 \|/);
  assert.match(md, /differs between runs/);
  const latest = comparisonTable([run('r3', 0.01, null, 'running')], new Map([['r3', { a: { accuracy: 0.5 } }]]));
  assert.equal(latest.rows[0].cells['metric:a/accuracy'], 0.5);
});

test('comparison table of a study: Δm and group columns, one row per group with mean ± std over its completed seeds', () => {
  const study = (id: string, group: string, deltaM: number | null) => ({ group, groupLabel: `exp ${group}`, seed: Number(id.slice(1)), baselineOf: null, deltaM, deltaMReason: null });
  const runs = [
    { ...run('r1', 0.01, 0.8), study: study('r1', 'g1aaaaaa', 2) },
    { ...run('r2', 0.01, 0.9), study: study('r2', 'g1aaaaaa', 4) },
    { ...run('r3', 0.01, 0.7), study: study('r3', 'g1aaaaaa', 9) },
    { ...run('r4', 0.01, null, 'running'), study: study('r4', 'g1aaaaaa', null) },
    { ...run('r5', 0.001, 0.5), study: study('r5', 'g2bbbbbb', 1) },
  ];
  const { columns, rows } = comparisonTable(runs);
  assert.ok(columns.some((c) => c.id === 'study:deltaM') && columns.some((c) => c.id === 'study:group'));
  assert.equal(rows[1].cells['study:deltaM'], 4);
  const groups = groupRows(columns, rows, runs);
  assert.equal(groups.length, 1, 'a group of one run has no group row');
  const g = groups[0].cells;
  assert.equal(g.name, 'exp g1aaaaaa — mean ± std over 3 seeds');
  assert.equal(g.status, '3/4 completed');
  // Direct: accuracy 0.8, 0.9, 0.7 → 0.8 ± 0.1; Δm 2, 4, 9 → 5 ± √13.
  assert.equal(g['metric:a/accuracy'], '0.8 ± 0.1');
  assert.equal(g['study:deltaM'], `5 ± ${Number(Math.sqrt(13).toPrecision(4))}`);
  assert.equal(g['config:optimizer.learningRate'], 0.01);
  assert.match(tableToMarkdown(columns, [...rows, ...groups]), /\| exp g1aaaaaa — mean ± std over 3 seeds \| 3\/4 completed \|/);
});

test('flattenConfig: dotted paths, arrays as JSON', () => {
  assert.deepEqual(flattenConfig({ $schema: 'x', a: { b: 1, c: [1, 2] }, d: null }), { 'a.b': 1, 'a.c': '[1,2]', d: null });
});

test('y tick labels: decimals from the tick spacing, grouped thousands, scientific at the extremes, log axes labelled at 1, 2, 3, 5', () => {
  const label = (ticks: number[], log = false) => ticks.map((v, i) => formatTick(v, i, ticks, log));
  assert.deepEqual(label([0, 0.05, 0.1, 0.15, 0.2]), ['0', '0.05', '0.10', '0.15', '0.20']);
  assert.deepEqual(label([-1, -0.5, 0, 0.5]), ['-1.0', '-0.5', '0', '0.5']);
  assert.deepEqual(label([0, 2000, 4000, 6000]), ['0', '2,000', '4,000', '6,000']);
  assert.deepEqual(label([1_000_000, 1_500_000, 2_000_000]), ['1,000,000', '1,500,000', '2,000,000']);
  assert.deepEqual(label([0, 0.00002, 0.00004]), ['0', '2.000E-5', '4.000E-5']);
  assert.deepEqual(label([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3], true), ['0.1', '0.2', '0.3', '', '0.5', '', '', '', '', '1.0', '2.0', '3.0']);
});
