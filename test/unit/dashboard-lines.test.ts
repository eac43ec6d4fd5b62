/**
 * What a line chart draws (src/webview/chart/lines.ts), without a canvas: smoothing with the raw lines behind,
 * log-scale filtering, zoomed decimation, stacked layers, the axes' data range, the fixed y ranges, the
 * screen-reader summary and the x tick labels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartLines, dataBounds, describeSeries, fixedYRange, nearestIndex, xTickLabel, type LineInput } from '../../src/webview/chart/lines';
import type { ChartSeries, ViewOptions } from '../../src/webview/chart/types';

const theme = { foreground: '#000000', grid: '#cccccc', background: '#ffffff', highContrast: false };
const options = (o: Partial<ViewOptions> = {}): ViewOptions => ({ smoothing: 0, logScale: false, xAxis: 'step', ignoreOutliers: false, origins: new Map(), theme, ...o });
const series = (id: string, values: number[], o: Partial<ChartSeries> = {}): ChartSeries => ({
  id,
  label: id,
  runId: 'r',
  color: '#336699',
  points: { steps: values.map((_, i) => i + 1), times: values.map((_, i) => 1000 * (i + 1)), values },
  ...o,
});
const input = (s: ChartSeries[], o: Partial<ViewOptions> = {}, extra: Partial<LineInput> = {}): LineInput => ({ series: s, options: options(o), zoom: undefined, stacked: false, ...extra });

test('plain lines: the points as sent, dashed when asked, thicker in high contrast', () => {
  const [line] = chartLines(input([series('a', [3, 1, 2], { dashed: true })]), 600);
  assert.deepEqual([line.x, line.y, line.dash, line.width, line.raw], [[1, 2, 3], [3, 1, 2], [5, 4], 1.5, false]);
  assert.equal(chartLines(input([series('a', [1])], { theme: { ...theme, highContrast: true } }), 600)[0].width, 2.5);
});

test('smoothing: the debiased EMA drawn over the faint raw line, which is left out past 12 series', () => {
  const lines = chartLines(input([series('a', [2, 4])], { smoothing: 0.5 }), 600);
  assert.deepEqual(lines.map((l) => [l.label, l.raw]), [['a (raw)', true], ['a', false]], 'raw first (drawn behind)');
  // EMA with w = 0.5, debiased: s1 = 0.5·2 / (1 − 0.5) = 2; s2 = (0.5·1 + 0.5·4) / (1 − 0.25) = 10/3.
  assert.deepEqual(lines[1].y, [2, 10 / 3]);
  assert.deepEqual(lines[0].y, [2, 4]);
  assert.equal(lines[0].color, 'rgba(51, 102, 153, 0.25)');
  const many = chartLines(input(Array.from({ length: 13 }, (_, i) => series(`s${i}`, [1, 2])), { smoothing: 0.5 }), 600);
  assert.equal(many.filter((l) => l.raw).length, 0);
});

test('a log axis leaves out values that are not positive; a zoom keeps the range plus a neighbour each side', () => {
  assert.deepEqual(chartLines(input([series('a', [1, 0, -2, 4])], { logScale: true }), 600)[0].y, [1, 4]);
  const zoomed = chartLines(input([series('a', [10, 20, 30, 40, 50, 60])], {}, { zoom: { min: 3, max: 4 } }), 600)[0];
  assert.deepEqual(zoomed.x, [2, 3, 4, 5]);
});

test('stacked layers: each drawn at the running total, reporting its own value, filled', () => {
  const a = series('a', [1, 2, 3]);
  const b = { ...series('b', [10, 20]), points: { steps: [1, 3], times: [1, 3], values: [10, 30] } };
  const [la, lb] = chartLines(input([a, b], {}, { stacked: true }), 600);
  assert.deepEqual([la.x, la.y, la.v], [[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
  // b is resampled at a's steps (linear between its points: 20 at step 2), then stacked on a.
  assert.deepEqual([lb.x, lb.v, lb.y], [[1, 2, 3], [10, 20, 30], [11, 22, 33]]);
  assert.equal(lb.fill, 'rgba(51, 102, 153, 0.55)');
});

test('the axes span the data; a zoom fits y to the points inside it; a flat line is centred', () => {
  const lines = chartLines(input([series('a', [5, 1, 9, 3])]), 600);
  assert.deepEqual(dataBounds(lines, undefined, false), [{ x: 1, y: 1 }, { x: 4, y: 9 }]);
  assert.deepEqual(dataBounds(lines, { min: 3.5, max: 4 }, false), [{ x: 1, y: 3 }, { x: 4, y: 3 }]);
  assert.deepEqual(dataBounds(lines, undefined, true), [{ x: 1, y: 0 }, { x: 4, y: 9 }], 'stacked areas start at 0');
  assert.deepEqual(dataBounds([], undefined, false), []);
  const flat = chartLines(input([series('a', [0.3, 0.3 + 1e-17])]), 600);
  const [lo, hi] = dataBounds(flat, undefined, false);
  assert.equal(lo.y, hi.y);
});

test('fixed y ranges: stacked from 0; ignoring outliers clips to the robust range of the drawn lines', () => {
  const values = [...Array.from({ length: 39 }, (_, i) => 1 + i / 10), 1000];
  const lines = chartLines(input([series('a', values)]), 600);
  assert.deepEqual(fixedYRange(lines, options(), true), { min: 0 });
  assert.deepEqual(fixedYRange(lines, options(), false), {});
  const clipped = fixedYRange(lines, options({ ignoreOutliers: true }), false);
  assert.ok(clipped.max !== undefined && clipped.max < 1000, `the spike is left out: ${JSON.stringify(clipped)}`);
});

test('summary, tick labels, nearest point', () => {
  assert.equal(describeSeries('Loss', [], false), 'Loss: no data.');
  assert.equal(describeSeries('Loss', [series('a', [0.5, 0.25, 2])], true), 'Loss. 1 series, zoomed. a: last 2 at step 3, min 0.25, max 2.');
  assert.equal(xTickLabel(12_500, 'step'), '13k');
  assert.equal(xTickLabel(42, 'step'), '42');
  assert.equal(xTickLabel(90, 'relative'), '1m 30s');
  assert.equal(nearestIndex([1, 2, 4, 8], 5.9), 2);
  assert.equal(nearestIndex([1, 2, 4, 8], 6.1), 3);
});
