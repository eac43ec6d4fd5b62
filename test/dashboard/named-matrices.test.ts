/**
 * A new matrix needs no change to the trainer, the records, the protocols or the dashboard: a throwaway matrix
 * that only the model knows ("probe/mix", task × slot) goes from a forward pass through the train records (as
 * written to metrics.jsonl), the run CSV, the host store and the webview message to a drawn card.
 * Needs `npm run build` first.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Value } from '@sinclair/typebox/value';
import { selectBackend } from '../../src/training/backend/select';
import { loadDataset } from '../../src/training/data/load';
import { BatchSampler } from '../../src/training/data/sampler';
import { Trainer } from '../../src/training/engine/trainer';
import type { ForwardOptions, ForwardResult } from '../../src/training/models/model';
import { MetricRecordSchema, type MatrixInfo, type MetricRecord, type RunInfo, type TrainRecord } from '../../src/training/run/records';
import { recordsToCsv } from '../../src/training/run/exportCsv';
import { defaultDashboardState, parseHostMessage } from '../../src/webview/protocol';
import { config } from '../helpers/engine';
import { FixtureHost } from './fixtures';
import { charts, inkedFraction, send, startHarness, type Harness } from './harness';
import { drawEverything } from './runDirectoryCharts';

let harness: Harness;
before(async () => {
  await selectBackend('cpu');
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

const PROBE: MatrixInfo = {
  title: 'Probe',
  description: 'a matrix no code outside this test knows',
  rowAxis: 'task',
  columnAxis: 'slot',
  rows: ['a', 'b'],
  columns: ['x', 'y', 'z'],
  unit: 'share',
  signed: false,
};

/** The probe's value at a forward pass: row k = (k + 1, 2, 3) / 10 plus a tenth of the mean input, so it varies by batch. */
function probeValues(x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.tensor2d([[0.1, 0.2, 0.3], [0.2, 0.2, 0.3]]), tf.mul(tf.mean(x), 0.1)) as tf.Tensor2D;
}

test('a matrix only the model knows is logged, exported, stored, sent and drawn as a card', async () => {
  // The model: hard sharing whose forward pass also reports the probe (what a new architecture's file would do).
  const cfg = config({ model: { architecture: 'hard', sharedUnits: [8], taskUnits: [] }, training: { epochs: 1, batchSize: 50, logEvery: 1, evalEvery: 1000, conflictEvery: 2 } });
  const dataset = await loadDataset(cfg, process.cwd());
  const trainer = new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
  const forward = trainer.model.forward.bind(trainer.model);
  const expected: number[][][] = [];
  trainer.model.forward = (x: tf.Tensor2D, options: ForwardOptions): ForwardResult => {
    const result = forward(x, options);
    const values = probeValues(x);
    if (options.training) expected.push(values.arraySync() as number[][]);
    return { ...result, matrices: { ...result.matrices, 'probe/mix': { info: PROBE, values } } };
  };
  const records: MetricRecord[] = [];
  await trainer.run({ onRecord: (r) => records.push(r), shouldStop: () => false });

  // Records: as written to metrics.jsonl (JSON) and as every reader validates them.
  const onDisk = records.map((r) => JSON.parse(JSON.stringify(r)) as MetricRecord);
  for (const r of onDisk) assert.ok(Value.Check(MetricRecordSchema, r));
  const trains = onDisk.filter((r): r is TrainRecord => r.kind === 'train');
  assert.ok(trains.length >= 4);
  assert.deepEqual(trains[0].matrixInfo?.['probe/mix'], PROBE, 'described with the first record');
  assert.ok(trains.slice(1).every((r) => r.matrixInfo?.['probe/mix'] === undefined), 'and only there');
  const last = trains.at(-1)!;
  const probe = last.matrices!['probe/mix'];
  assert.equal(probe.length, 2);
  assert.ok(probe.every((row) => row.length === 3));
  assert.ok(expected.some((e) => e.every((row, i) => row.every((v, j) => Math.abs(v - probe[i][j]) < 1e-6))), 'the logged values are a forward pass’s');

  // The run CSV: one column per cell, `<matrix>/<row>/<column>`.
  const csv = recordsToCsv(onDisk).split('\n');
  const header = csv[0].split(',');
  for (const row of PROBE.rows) for (const column of PROBE.columns) assert.ok(header.includes(`probe/mix/${row}/${column}`), `CSV column probe/mix/${row}/${column}`);

  // The host store and the webview message.
  const info: RunInfo = {
    version: 1, id: 'probe-run', name: 'probe', experimentFile: null, status: 'completed', createdAt: new Date(0).toISOString(), startedAt: new Date(trains[0].time).toISOString(),
    endedAt: new Date(last.time).toISOString(), backend: 'cpu', pid: null, step: last.step, totalSteps: last.step, overrides: [], error: null, summary: null,
  };
  const host = new FixtureHost([{ info, config: cfg, records: onDisk }]);
  const init = host.init();
  assert.ok(parseHostMessage(JSON.parse(JSON.stringify(init))), 'the init message passes the webview’s validation');
  const sent = init.matrices.find((m) => m.kind === 'probe/mix');
  assert.ok(sent, 'the probe is sent');
  assert.deepEqual(sent.rowLabels, PROBE.rows);
  assert.deepEqual(sent.columnLabels, PROBE.columns);
  assert.deepEqual(sent.snapshots.at(-1)!.rows, probe);
  const sentSeries = init.series.find((s) => s.key === 'probe/mix/b/z');
  assert.ok(sentSeries, 'one series per cell');

  // The drawn card.
  const page = await harness.open({ state: { ...defaultDashboardState(['probe-run']), smoothing: 0 } });
  await send(page, init);
  await drawEverything(page);
  const card = page.locator('vscode-collapsible[data-card="probe/mix"]');
  assert.equal(await card.getAttribute('heading'), 'Probe');
  assert.match((await card.getAttribute('description')) ?? '', /^task × slot: a matrix no code/);
  assert.equal(await card.locator('figure.heatmap figcaption').textContent(), 'Probe: task × slot');
  assert.ok((await inkedFraction(page, 'vscode-collapsible[data-card="probe/mix"] figure.heatmap canvas')) > 0.05, 'heatmap drawn');
  const heat = await page.evaluate(() => (window as unknown as { mtlLabDashboard: { heatmaps(): { kind: string; rows: number[][] | null }[] } }).mtlLabDashboard.heatmaps());
  assert.deepEqual(heat.find((h) => h.kind === 'probe/mix')?.rows, probe, 'the heatmap shows the latest values');
  const lines = (await charts(page)).find((c) => c.id === 'probe/mix:lines');
  assert.ok(lines, 'a line chart of the cells');
  assert.equal(lines.title, 'Probe over steps');
  assert.deepEqual(lines.drawn.map((d) => d.label), ['a → slot x', 'a → slot y', 'a → slot z', 'b → slot x', 'b → slot y', 'b → slot z']);
  assert.deepEqual(lines.drawn[5].y, trains.map((r) => r.matrices!['probe/mix'][1][2]), 'b → slot z draws the logged values');
  assert.ok((await inkedFraction(page, 'figure[data-chart-id="probe/mix:lines"] canvas')) > 0.01, 'lines drawn');
  await page.close();
});
