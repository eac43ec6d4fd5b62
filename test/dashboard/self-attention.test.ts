/**
 * The self-attention card: a real Transformer run records its token × token attention on validation text 1 per
 * layer and head (`self-attention/<layer>/<head>`) at the evaluation cadence, and the card draws the recorded
 * matrix of the layer and head picked with the keyboard, at the step picked with the scrubber.
 * Needs `npm run build` first.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { selectBackend } from '../../src/training/backend/select';
import { parseExperimentText } from '../../src/training/config/parse';
import { loadDataset } from '../../src/training/data/load';
import { MetricRecordSchema, type MetricRecord, type RunInfo, type TrainRecord } from '../../src/training/run/records';
import { recordsToCsv } from '../../src/training/run/exportCsv';
import { defaultDashboardState, parseHostMessage } from '../../src/webview/protocol';
import { train } from '../helpers/engine';
import { FixtureHost } from './fixtures';
import { inkedFraction, send, startHarness, type Harness } from './harness';
import { drawEverything } from './runDirectoryCharts';

let harness: Harness;
let dir: string;
before(async () => {
  await selectBackend('cpu');
  harness = await startHarness();
  dir = mkdtempSync(path.join(tmpdir(), 'mtl-self-attention-'));
});
after(async () => {
  await harness?.close();
  rmSync(dir, { recursive: true, force: true });
});

const WORDS = ['apple', 'river', 'stone', 'cloud', 'green', 'quick', 'seven', 'north'];

/** 48 short texts of 3–6 words; label = whether "apple" occurs. */
function writeTexts(): void {
  const rows = ['text,label'];
  for (let i = 0; i < 48; i++) {
    const words = Array.from({ length: 3 + (i % 4) }, (_, j) => WORDS[(i * 3 + j * 5) % WORDS.length]);
    rows.push(`${words.join(' ')},${words.includes('apple') ? 'yes' : 'no'}`);
  }
  writeFileSync(path.join(dir, 'texts.csv'), rows.join('\n') + '\n');
}

interface HeatmapView {
  kind: string;
  step: number | null;
  rows: number[][] | null;
}

test('the self-attention card draws the recorded matrix of the picked layer and head', async () => {
  writeTexts();
  const cfg = parseExperimentText(
    JSON.stringify({
      name: 'self-attention',
      seed: 3,
      data: { source: 'csv', path: 'texts.csv', text: 'text', tokenizer: { vocabSize: 80, maxLength: 16 }, validationSplit: 0.25 },
      tasks: [{ name: 'apple', type: 'classification', target: 'label' }],
      model: { architecture: 'transformer', sharing: 'hard', layers: 2, dModel: 16, heads: 2, feedForwardUnits: 16, taskUnits: [] },
      training: { epochs: 2, batchSize: 8, logEvery: 1, evalEvery: 4 },
      backend: 'cpu',
    }),
    path.join(dir, 'x.mtl.json'),
  );
  const dataset = await loadDataset(cfg, dir);
  const sample = dataset.samples![0];
  const { records } = await train(cfg, dataset);

  // Records as written to metrics.jsonl; self-attention at step 1, every 4th step and the last one only.
  const onDisk = records.map((r) => JSON.parse(JSON.stringify(r)) as MetricRecord);
  for (const r of onDisk) assert.ok(Value.Check(MetricRecordSchema, r));
  const trains = onDisk.filter((r): r is TrainRecord => r.kind === 'train');
  const lastStep = trains.at(-1)!.step;
  assert.equal(lastStep, 10, '36 training texts, batches of 8, 2 epochs');
  const withAttention = trains.filter((r) => r.matrices?.['self-attention/0/0']).map((r) => r.step);
  assert.deepEqual(withAttention, [1, 4, 8, 10]);
  const names = Object.keys(trains[0].matrices!).filter((n) => n.startsWith('self-attention/')).sort();
  assert.deepEqual(names, ['self-attention/0/0', 'self-attention/0/1', 'self-attention/1/0', 'self-attention/1/1']);
  // One text's non-padding tokens, labelled "<position> <token>"; each query's weights sum to 1.
  const info = trains[0].matrixInfo!['self-attention/1/1'];
  const n = sample.ids.length;
  assert.ok(n >= 5 && n < 16, `${n} tokens: the padding is left out`);
  assert.deepEqual(info.rows, sample.tokens.map((t, i) => `${i} ${t}`));
  assert.equal(info.rows[0], '0 [CLS]');
  assert.equal(info.perCell, false);
  const recorded = (step: number, name: string) => trains.find((r) => r.step === step)!.matrices![name];
  for (const name of names) {
    const m = recorded(lastStep, name);
    assert.equal(m.length, n);
    for (const row of m) assert.ok(row.length === n && Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  }
  // Heads differ (else a picker that ignores the head would pass).
  assert.notDeepEqual(recorded(lastStep, 'self-attention/1/0'), recorded(lastStep, 'self-attention/1/1'));
  // No CSV columns (heatmap only).
  assert.ok(!recordsToCsv(onDisk).split('\n')[0].includes('self-attention'));

  const runInfo: RunInfo = {
    version: 1, id: 'sa-run', name: 'self-attention', experimentFile: null, status: 'completed', createdAt: new Date(0).toISOString(), startedAt: new Date(trains[0].time).toISOString(),
    endedAt: new Date(trains.at(-1)!.time).toISOString(), backend: 'cpu', pid: null, step: lastStep, totalSteps: lastStep, overrides: [], error: null, summary: null,
  };
  const init = new FixtureHost([{ info: runInfo, config: cfg, records: onDisk }]).init();
  assert.ok(parseHostMessage(JSON.parse(JSON.stringify(init))), 'the init message passes the webview’s validation');
  assert.ok(!init.series.some((s) => s.key.startsWith('self-attention')), 'no per-cell series');

  const page = await harness.open({ state: { ...defaultDashboardState(['sa-run']), smoothing: 0 } });
  await send(page, init);
  await drawEverything(page);
  const cardSelector = 'vscode-collapsible[data-card="self-attention"]';
  assert.equal(await page.locator(cardSelector).getAttribute('heading'), 'Self-attention');
  assert.equal(await page.locator('vscode-collapsible[data-card^="self-attention/"]').count(), 0, 'one card, not one per layer and head');
  const heatmap = async () => (await page.evaluate(() => (window as unknown as { mtlLabDashboard: { heatmaps(): HeatmapView[] } }).mtlLabDashboard.heatmaps())).find((h) => h.kind.startsWith('self-attention/'))!;
  let shown = await heatmap();
  assert.equal(shown.kind, 'self-attention/0/0');
  assert.equal(shown.step, lastStep);
  assert.deepEqual(shown.rows, recorded(lastStep, 'self-attention/0/0'));

  // Layer 2, head 2, with the keyboard: focus each picker, open it (↓), move to the next option (↓), pick it (Enter).
  for (const control of ['self-attention-layer', 'self-attention-head']) {
    await page.locator(`vscode-single-select[data-control="${control}"]`).focus();
    for (const key of ['ArrowDown', 'ArrowDown', 'Enter']) await page.keyboard.press(key);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  shown = await heatmap();
  assert.equal(shown.kind, 'self-attention/1/1');
  assert.deepEqual(shown.rows, recorded(lastStep, 'self-attention/1/1'));
  assert.ok((await inkedFraction(page, `${cardSelector} figure.heatmap canvas`)) > 0.05, 'heatmap drawn');
  assert.match((await page.locator(`${cardSelector} figure.heatmap canvas`).getAttribute('aria-label')) ?? '', /^Self-attention, layer 2, head 2/);
  const summary = (await page.locator(`${cardSelector} figure.heatmap p.sr-only`).textContent()) ?? '';
  assert.ok(summary.includes(`${info.rows[0]}: ${info.columns[0]}`), 'tokens label the rows and columns');

  // The scrubber at its first position: step 4's matrix.
  await page.$eval('input[data-control="self-attention-scrubber"]', (e) => {
    (e as HTMLInputElement).value = '1';
    e.dispatchEvent(new Event('input'));
  });
  shown = await heatmap();
  assert.equal(shown.step, 4);
  assert.deepEqual(shown.rows, recorded(4, 'self-attention/1/1'));
  await page.close();
});
