/**
 * The report's figures (src/training/study/figures.ts): where each group lands, which are on the front, the
 * baselines, and the loss bands — checked against values computed here from the groups, not by the module.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIGURE, lossFigure, paretoFigure } from '../../src/training/study/figures';
import type { ComparedRun, HasInfo, RunGroup } from '../../src/training/study/compare';

const ms = (mean: number, std: number, n = 3) => ({ mean, std, n });
const group = (key: string, metrics: RunGroup['metrics'], baselineOf?: string, runs: ComparedRun[] = []): RunGroup => ({ key, label: `study ${key}`, baselineOf, runs, taskDeltas: {}, metrics });
const attrs = (svg: string, cls: string) => [...svg.matchAll(new RegExp(`<g class="${cls}"([^>]*)>`, 'g'))].map((m) => Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])));

test('Pareto figure: each group at its means, the front by brute force (accuracy ↑, RMSE ↓), the baselines dashed', () => {
  const groups = [
    group('g1', { acc: ms(0.9, 0.01), err: ms(2.0, 0.1) }),
    group('g2', { acc: ms(0.8, 0.02), err: ms(1.0, 0.1) }),
    group('g3', { acc: ms(0.7, 0.02), err: ms(1.5, 0.2) }), // dominated by g2: lower accuracy, higher error
    group('b-acc', { acc: ms(0.85, 0.01) }, 'acc'),
    group('b-err', { err: ms(1.2, 0.1) }, 'err'),
  ];
  const svg = paretoFigure(groups, { name: 'acc', type: 'classification' }, { name: 'err', type: 'regression' })!;
  const points = attrs(svg, 'point');
  assert.deepEqual(points.map((p) => [p['data-group'], Number(p['data-x']), Number(p['data-y']), p['data-front']]), [
    ['g1', 0.9, 2.0, 'true'],
    ['g2', 0.8, 1.0, 'true'],
    ['g3', 0.7, 1.5, 'false'],
  ]);
  // x axis: the values and error bars plus the baseline, padded by 8 % of their range, onto [70, 680 − 230].
  const lo = 0.68 - 0.23 * 0.08;
  const hi = 0.91 + 0.23 * 0.08;
  const x = (v: number) => 70 + ((v - lo) / (hi - lo)) * (FIGURE.width - 230 - 70);
  const circle = svg.match(/<g class="point" data-group="g2"[\s\S]*?<circle cx="([\d.]+)"/)!;
  assert.ok(Math.abs(Number(circle[1]) - x(0.8)) < 0.06, `g2 at x ${circle[1]} (expected ${x(0.8).toFixed(2)})`);
  const baselines = [...svg.matchAll(/<line class="baseline" x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" y2="([\d.]+)"/g)];
  assert.equal(baselines.length, 2);
  assert.ok(Math.abs(Number(baselines[0][1]) - x(0.85)) < 0.06, 'the accuracy baseline is a vertical line at 0.85');
  assert.match(svg, /<polyline class="front"/);
  assert.equal(paretoFigure([groups[3], groups[4]], { name: 'acc', type: 'classification' }, { name: 'err', type: 'regression' }), undefined, 'no method group, no figure');
});

test('loss figure: a band per group at mean ± sample std of its runs, the other tasks\' baselines left out', () => {
  const run = (values: number[]) => ({ listing: { info: {} }, values }) as unknown as ComparedRun<HasInfo> & { values: number[] };
  const a = [run([4, 2, 1]), run([6, 4, 3])];
  const groups = [group('g', {}, undefined, a), group('base-other', {}, 'other', [run([9, 9, 9])]), group('base-t', {}, 't', [run([5, 3, 2])])];
  const svg = lossFigure(groups, { name: 't', type: 'regression' }, (r) => {
    const v = (r as unknown as { values: number[] }).values;
    return { steps: [10, 20, 30], times: [0, 0, 0], values: v };
  })!;
  const series = attrs(svg, 'series');
  assert.deepEqual(series.map((s) => [s['data-group'], s['data-seeds']]), [['g', '2'], ['base-t', '1']]);
  // Group g at step 10: mean 5, sample std √2; the y axis spans the bands' lows and highs padded by 8 %.
  const lows = [5 - Math.SQRT2, 3 - Math.SQRT2, 2 - Math.SQRT2, 5, 3, 2];
  const highs = [5 + Math.SQRT2, 3 + Math.SQRT2, 2 + Math.SQRT2, 5, 3, 2];
  const min = Math.min(...lows);
  const max = Math.max(...highs);
  const lo = min - (max - min) * 0.08;
  const hi = max + (max - min) * 0.08;
  const y = (v: number) => FIGURE.height - 48 + ((v - lo) / (hi - lo)) * (16 - (FIGURE.height - 48));
  const line = svg.match(/<g class="series" data-group="g"[\s\S]*?<polyline points="([^"]+)"/)!;
  const first = line[1].split(' ')[0].split(',').map(Number);
  assert.ok(Math.abs(first[1] - y(5)) < 0.06, `mean at step 10 drawn at y ${first[1]} (expected ${y(5).toFixed(2)})`);
  const band = svg.match(/<g class="series" data-group="g"[\s\S]*?<polygon points="([^"]+)"/)!;
  const upperFirst = band[1].split(' ')[0].split(',').map(Number);
  assert.ok(Math.abs(upperFirst[1] - y(5 + Math.SQRT2)) < 0.06, 'the band\'s top at mean + std');
});
