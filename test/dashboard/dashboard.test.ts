/**
 * The built dashboard bundle (dist/webview/dashboard.js) in headless Chromium, under the panel's CSP, fed
 * message streams produced by the host's own store code. Screenshots go to test-results/dashboard/.
 * Needs `npm run build` first (the `test` script builds before it runs this).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startHarness, send, charts, posted, pageErrors, inkedFraction, screenshotDir, type Harness, type ChartInfo } from './harness';
import { fixtureRun, FixtureHost, openDuringTraining } from './fixtures';
import { defaultDashboardState, parseWebviewMessage, type InitMessage } from '../../src/webview/protocol';
import { emaDebiased } from '../../src/webview/data/transforms';
import { runView } from '../../src/extension/dashboard/runSeries';
import type { RunnerState } from '../../src/training/runner/runner';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

const noSmoothing = (runIds: string[]) => ({ ...defaultDashboardState(runIds), smoothing: 0 });

async function assertClean(page: Page): Promise<void> {
  const violations = await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  assert.deepEqual(violations, [], 'no CSP violations');
  assert.deepEqual(pageErrors(page), [], 'no uncaught page errors');
}

function chart(list: ChartInfo[], id: string): ChartInfo {
  const c = list.find((x) => x.id === id);
  assert.ok(c, `chart ${id} exists (have ${list.map((x) => x.id).join(', ')})`);
  return c;
}

function sentSeries(init: InitMessage, runId: string, key: string) {
  const d = init.series.find((s) => s.runId === runId && s.key === key);
  assert.ok(d, `series ${runId}/${key} was sent`);
  return { steps: [...d.points.steps, ...d.tail.steps], times: [...d.points.times, ...d.tail.times], values: [...d.points.values, ...d.tail.values] };
}

/** Scroll every chart into view so the lazily drawn ones draw, then wait two frames. */
async function drawAll(page: Page): Promise<void> {
  const count = await page.locator('figure.chart, figure.heatmap').count();
  for (let i = 0; i < count; i++) await page.locator('figure.chart, figure.heatmap').nth(i).scrollIntoViewIfNeeded();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

async function setRange(page: Page, selector: string, value: number): Promise<void> {
  await page.$eval(
    selector,
    (e, v) => {
      (e as HTMLInputElement).value = String(v);
      e.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
  );
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

test('single soft-sharing run: every card drawn and chart data equals what was sent', async () => {
  const run = fixtureRun({ id: 'soft-1', steps: 300, totalSteps: 1000, status: 'running', architecture: 'soft', weighting: 'softmax', collapseAt: 250, conflictEvery: 10, evalEvery: 50 });
  const host = new FixtureHost([run]);
  const init = host.init();
  const page = await harness.open({ state: noSmoothing(['soft-1']) });
  await send(page, init);
  const cards = await page.$$eval('vscode-collapsible', (els) => els.map((e) => (e as HTMLElement).dataset.card));
  assert.deepEqual(cards, ['header', 'losses', 'weights', 'attention', 'conflict', 'validation'], 'cards appear only when their data exists');
  await drawAll(page);
  const list = await charts(page);
  for (const c of list) {
    assert.ok(c.renders > 0, `${c.id} drawn`);
    assert.ok(await inkedFraction(page, `figure[data-chart-id="${c.id}"] canvas`) > 0.01, `${c.id} canvas is not blank`);
  }
  for (const kind of ['attention', 'conflict']) assert.ok(await inkedFraction(page, `vscode-collapsible[data-card="${kind}"] figure.heatmap canvas`) > 0.05, `${kind} heatmap is not blank`);

  const income = sentSeries(init, 'soft-1', 'loss/income');
  const drawnIncome = chart(list, 'loss:income').drawn.find((d) => d.label === 'census-mtl train')!;
  assert.deepEqual(drawnIncome.x, income.steps, 'x = the steps sent');
  assert.deepEqual(drawnIncome.y, income.values, 'y = the values sent');
  const val = sentSeries(init, 'soft-1', 'val/income/loss');
  assert.deepEqual(chart(list, 'loss:income').drawn.find((d) => d.label === 'census-mtl validation')!.y, val.values);
  const acc = sentSeries(init, 'soft-1', 'val/income/accuracy');
  assert.deepEqual(chart(list, 'val:income/accuracy').drawn[0].y, acc.values);
  const weights = chart(list, 'weights:soft-1').drawn;
  assert.deepEqual(weights.map((d) => d.label), ['income', 'marital', 'age'], 'one stacked layer per task');
  assert.deepEqual(weights[0].y, sentSeries(init, 'soft-1', 'weight/income').values);

  const heat = await page.evaluate(() => (window as unknown as { mtlLabDashboard: { heatmaps(): { kind: string; step: number; rows: number[][] }[] } }).mtlLabDashboard.heatmaps());
  const attention = init.matrices.find((m) => m.kind === 'attention')!;
  assert.deepEqual(heat.find((h) => h.kind === 'attention')?.rows, attention.snapshots.at(-1)!.rows, 'heatmap shows the latest snapshot');

  const alert = await page.locator('.alerts .alert').textContent();
  assert.match(alert ?? '', /collapsed at step 250/);
  const summary = await page.locator('figure[data-chart-id="loss:income"] .sr-only').textContent();
  assert.match(summary ?? '', /census-mtl train: last [\d.]+ at step 300/, 'text summary for screen readers');
  await page.screenshot({ path: path.join(screenshotDir, 'single-run-dark.png'), fullPage: true });
  await assertClean(page);
  await page.close();
});

test('controls: smoothing, log scale, outliers, x axis, visibility, colour, zoom, scrubber, exports, sort, stop/resume, persistence', async () => {
  const a = fixtureRun({ id: 'run-a', steps: 300, totalSteps: 600, status: 'running', architecture: 'routing', learningRate: 0.01 });
  const b = fixtureRun({ id: 'run-b', steps: 300, status: 'stopped', totalSteps: 600, weighting: 'uncertainty', seed: 3 });
  // An outlier the "ignore outliers" control must leave out of the y range.
  const spike = b.records.find((r) => r.kind === 'train' && r.step === 150);
  if (spike?.kind === 'train') spike.losses.income = 1000;
  const host = new FixtureHost([a, b]);
  const init = host.init();
  const page = await harness.open({ state: noSmoothing(['run-a', 'run-b']) });
  await send(page, init);
  const label = (id: string) => `census-mtl · ${id} train`;
  const drawnOf = async (chartId: string, l: string) => chart(await charts(page), chartId).drawn.find((d) => d.label === l);

  // Smoothing: the drawn line is the debiased EMA of what was sent, with the raw line behind it.
  await setRange(page, 'input[data-control="smoothing"]', 0.9);
  const sent = sentSeries(init, 'run-a', 'loss/income');
  const smoothed = await drawnOf('loss:income', label('run-a'));
  const expected = emaDebiased(sent.values, 0.9);
  smoothed!.y.forEach((y, i) => assert.ok(Math.abs(y - expected[i]) < 1e-12));
  assert.ok(await drawnOf('loss:income', `${label('run-a')} (raw)`), 'raw line kept faint behind the smoothed one');
  await setRange(page, 'input[data-control="smoothing"]', 0);

  // Log scale.
  await page.locator('vscode-checkbox[data-control="log-scale"]').click();
  assert.equal(chart(await charts(page), 'loss:income').scales?.yType, 'logarithmic');
  await page.locator('vscode-checkbox[data-control="log-scale"]').click();
  assert.equal(chart(await charts(page), 'loss:income').scales?.yType, 'linear');

  // Ignore outliers: the spike of run-b no longer sets the y range.
  assert.ok(chart(await charts(page), 'loss:income').scales!.yMax >= 1000);
  await page.locator('vscode-checkbox[data-control="ignore-outliers"]').click();
  assert.ok(chart(await charts(page), 'loss:income').scales!.yMax < 10, 'outlier ignored');
  await page.locator('vscode-checkbox[data-control="ignore-outliers"]').click();

  // X axis: relative time in seconds from the run start; wall time in ms.
  await page.$eval('vscode-single-select[data-control="x-axis"]', (e) => {
    (e as HTMLElement & { value: string }).value = 'relative';
    e.dispatchEvent(new Event('change'));
  });
  const started = Date.parse(init.runs[0].startedAt!);
  assert.deepEqual((await drawnOf('loss:income', label('run-a')))!.x, sent.times.map((t) => (t - started) / 1000));
  await page.$eval('vscode-single-select[data-control="x-axis"]', (e) => {
    (e as HTMLElement & { value: string }).value = 'wall';
    e.dispatchEvent(new Event('change'));
  });
  assert.deepEqual((await drawnOf('loss:income', label('run-a')))!.x, sent.times);
  await page.$eval('vscode-single-select[data-control="x-axis"]', (e) => {
    (e as HTMLElement & { value: string }).value = 'step';
    e.dispatchEvent(new Event('change'));
  });

  // Show / hide a run.
  await page.locator('vscode-checkbox[data-control="show-run"][data-run-id="run-b"]').click();
  let labels = chart(await charts(page), 'loss:income').drawn.map((d) => d.label);
  assert.ok(labels.every((l) => !l.includes('run-b')), 'hidden run not drawn');
  await page.locator('vscode-checkbox[data-control="show-run"][data-run-id="run-b"]').click();
  labels = chart(await charts(page), 'loss:income').drawn.map((d) => d.label);
  assert.ok(labels.some((l) => l.includes('run-b')));

  // Colour: stable default, editable, remembered through the host.
  const before = (await drawnOf('loss:income', label('run-a')))!.color;
  assert.match(before, /^#[0-9a-f]{6}$/i);
  await page.$eval('input.swatch[data-run-id="run-a"]', (e) => {
    (e as HTMLInputElement).value = '#ff0000';
    e.dispatchEvent(new Event('change'));
  });
  assert.equal((await drawnOf('loss:income', label('run-a')))!.color, '#ff0000');
  assert.ok((await posted(page)).some((m) => m.type === 'setRunColor' && m.runId === 'run-a' && m.color === '#ff0000'));

  // Drag-zoom, keyboard zoom, reset.
  const canvas = page.locator('figure[data-chart-id="loss:income"] canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  let zoomed = chart(await charts(page), 'loss:income');
  assert.ok(zoomed.zoom && zoomed.zoom.max > zoomed.zoom.min, 'drag zoomed');
  const inside = zoomed.drawn.find((d) => d.label === label('run-a'))!.x.filter((x) => x >= zoomed.zoom!.min && x <= zoomed.zoom!.max);
  assert.ok(inside.length > 0 && zoomed.drawn.find((d) => d.label === label('run-a'))!.x.length <= inside.length + 2, 'only the zoomed range (plus one neighbour each side) drawn');
  await page.locator('vscode-button[data-action="reset-zoom"]').click();
  assert.equal(chart(await charts(page), 'loss:income').zoom, null);
  await canvas.focus();
  await page.keyboard.press('+');
  zoomed = chart(await charts(page), 'loss:income');
  assert.ok(zoomed.zoom, 'keyboard zoom');
  await page.keyboard.press('0');
  assert.equal(chart(await charts(page), 'loss:income').zoom, null);

  // Heatmap scrubber (routing gates of run-a).
  const gates = init.matrices.find((m) => m.kind === 'gates' && m.runId === 'run-a')!;
  await setRange(page, 'input[data-control="gates-scrubber"]', 0);
  const heat = await page.evaluate(() => (window as unknown as { mtlLabDashboard: { heatmaps(): { kind: string; step: number; rows: number[][] }[] } }).mtlLabDashboard.heatmaps());
  assert.equal(heat.find((h) => h.kind === 'gates')?.step, gates.snapshots[0].step);
  assert.deepEqual(heat.find((h) => h.kind === 'gates')?.rows, gates.snapshots[0].rows);

  // Stop the running run, resume the stopped one.
  await page.locator('.run-row[data-run-id="run-a"] vscode-button[data-action="stop"]').click();
  await page.locator('.run-row[data-run-id="run-b"] vscode-button[data-action="resume"]').click();
  const intents = (await posted(page)).filter((m) => m.type === 'stopRun' || m.type === 'resumeRun');
  assert.deepEqual(intents, [{ type: 'stopRun', runId: 'run-a' }, { type: 'resumeRun', runId: 'run-b' }]);

  // Exports: CSV of the visible series, PNG of a chart, Markdown of the table. Each is a valid message.
  await page.locator('vscode-button[data-action="export-csv"]').click();
  await page.locator('figure[data-chart-id="loss:income"] vscode-button.png').click();
  await page.locator('vscode-button[data-action="copy-markdown"]').click();
  const exports = (await posted(page)).filter((m) => ['exportCsv', 'exportPng', 'copyMarkdown'].includes(m.type));
  assert.equal(exports.length, 3);
  for (const m of exports) assert.ok(parseWebviewMessage(m), `${m.type} passes the host's validation`);
  const csv = String(exports.find((m) => m.type === 'exportCsv')!.csv).trim().split('\r\n');
  assert.equal(csv[0], 'run,run_id,series,step,wall_time,relative_seconds,value');
  assert.ok(csv.some((l) => l.startsWith('census-mtl,run-a,loss/income,1,')));
  assert.ok(String(exports.find((m) => m.type === 'exportPng')!.dataUrl).length > 2000, 'PNG has content');
  const md = String(exports.find((m) => m.type === 'copyMarkdown')!.markdown);
  assert.match(md, /\| census-mtl \(run-a\) \| running \|/);
  assert.match(md, /optimizer\.learningRate \*/);

  // Sort the comparison table by learning rate, descending on the second click.
  await page.locator('button.sort[data-column="config:optimizer.learningRate"]').click();
  await page.locator('button.sort[data-column="config:optimizer.learningRate"]').click();
  const order = await page.$$eval('table.compare tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.runId));
  assert.deepEqual(order, ['run-a', 'run-b']);
  const differing = await page.$$eval('table.compare thead th.differs', (ths) => ths.map((t) => t.textContent?.replace(/[▴▾]/g, '').trim()));
  for (const key of ['optimizer.learningRate', 'loss.weighting', 'seed', 'model.architecture']) assert.ok(differing.includes(key), `${key} highlighted (${differing.join(', ')})`);
  assert.ok(!differing.includes('optimizer.name'), 'equal values are not highlighted');

  // Collapse a card (keyboard on its header), then check everything persisted and restores after a reload.
  await page.locator('vscode-collapsible[data-card="validation"]').click({ position: { x: 40, y: 10 } });
  const saved = await page.evaluate(() => (window as unknown as { __state: ReturnType<typeof defaultDashboardState> }).__state);
  assert.deepEqual(saved.collapsedCards, ['validation']);
  assert.deepEqual(saved.runIds, ['run-a', 'run-b']);
  assert.deepEqual(saved.sort, { column: 'config:optimizer.learningRate', descending: true });
  await page.screenshot({ path: path.join(screenshotDir, 'controls.png'), fullPage: true });
  await assertClean(page);
  await page.close();

  const restored = await harness.open({ state: { ...saved, logScale: true, xAxis: 'relative' } });
  await send(restored, init);
  assert.equal(chart(await charts(restored), 'loss:income').scales?.yType, 'logarithmic', 'restored log scale');
  assert.equal(await restored.locator('vscode-collapsible[data-card="validation"][open]').count(), 0, 'restored collapsed card');
  await assertClean(restored);
  await restored.close();
});

test('every control is reachable with the keyboard', async () => {
  const host = new FixtureHost([fixtureRun({ id: 'k1', steps: 100, status: 'running', totalSteps: 200 }), fixtureRun({ id: 'k2', steps: 100 })]);
  const page = await harness.open();
  await send(page, host.init());
  const reached = new Set<string>();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    reached.add(await page.evaluate(() => {
      const e = document.activeElement as HTMLElement | null;
      return e ? `${e.tagName.toLowerCase()}${e.dataset.control ? `[${e.dataset.control}]` : ''}${e.dataset.action ? `[${e.dataset.action}]` : ''}` : '';
    }));
  }
  for (const expected of ['input[smoothing]', 'vscode-single-select[x-axis]', 'vscode-checkbox[log-scale]', 'vscode-checkbox[ignore-outliers]', 'vscode-button[reset-zoom]', 'vscode-button[export-csv]', 'vscode-checkbox[show-run]', 'vscode-button[stop]', 'canvas']) {
    assert.ok(reached.has(expected), `${expected} reachable by Tab (reached: ${[...reached].join(', ')})`);
  }
  await page.close();
});

test('50-run comparison', async () => {
  const runs = Array.from({ length: 50 }, (_, i) => fixtureRun({ id: `sweep-${String(i).padStart(2, '0')}`, steps: 400, seed: i, learningRate: [0.01, 0.001, 0.0001][i % 3], weighting: i % 2 ? 'equal' : 'dwa' }));
  const host = new FixtureHost(runs);
  const page = await harness.open({ state: noSmoothing(runs.map((r) => r.info.id)) });
  const started = Date.now();
  const init = host.init();
  await send(page, init);
  const elapsed = Date.now() - started;
  assert.equal(await page.locator('table.compare tbody tr').count(), 50);
  assert.equal(chart(await charts(page), 'loss:income').renders, 0, 'a chart below the fold is not drawn yet');
  await page.locator('figure[data-chart-id="loss:income"]').scrollIntoViewIfNeeded();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const loss = chart(await charts(page), 'loss:income');
  assert.equal(loss.drawn.length, 100, 'train and validation line per run');
  assert.ok(await inkedFraction(page, 'figure[data-chart-id="loss:income"] canvas') > 0.02);
  assert.ok((await page.locator('input.swatch').count()) === 50);
  // Past 6 runs the weights card shows one stacked chart and a run picker instead of 50 charts.
  const ids = (await charts(page)).map((c) => c.id);
  assert.ok(ids.includes('weights:selected') && !ids.some((id) => id.startsWith('weights:sweep')));
  await page.locator('figure[data-chart-id="weights:selected"]').scrollIntoViewIfNeeded();
  await page.$eval('vscode-single-select[data-control="weights-run"]', (e) => {
    (e as HTMLElement & { value: string }).value = 'sweep-07';
    e.dispatchEvent(new Event('change'));
  });
  // The card re-renders for the picked run and is drawn once visible on a later frame: wait (bounded).
  let picked = chart(await charts(page), 'weights:selected').drawn;
  for (const deadline = Date.now() + 5000; picked.length === 0 && Date.now() < deadline; ) {
    // Off-screen charts are not drawn: keep the (re-rendered) weights chart in view.
    await page.locator('figure[data-chart-id="weights:selected"]').scrollIntoViewIfNeeded();
    picked = chart(await charts(page), 'weights:selected').drawn;
  }
  assert.deepEqual(picked.map((d) => d.label), ['income', 'marital', 'age']);
  assert.deepEqual(picked[0].y, sentSeries(init, 'sweep-07', 'weight/income').values, 'the chosen run’s weights are drawn');
  const colors = new Set(loss.drawn.map((d) => d.color));
  assert.ok(colors.size >= 15, `distinct run colours (${colors.size})`);
  await page.screenshot({ path: path.join(screenshotDir, 'compare-50.png') });
  await assertClean(page);
  await page.close();
  console.log(`# 50-run comparison: message to drawn ${elapsed} ms (including transfer into the page)`);
});

test('live appends: only new points cross, charts follow', async () => {
  const full = fixtureRun({ id: 'live', steps: 1000, totalSteps: 1000, status: 'running', architecture: 'routing', conflictEvery: 25 });
  const history = full.records.filter((r) => r.step <= 200);
  // run.json as it was when the panel opened (step 200); the header must follow the live records.
  const host = new FixtureHost([{ ...full, info: { ...full.info, step: 200 }, records: history }], 256);
  const page = await harness.open({ state: noSmoothing(['live']) });
  await send(page, host.init());
  await page.locator('.run-row[data-run-id="live"] vscode-button[data-action="stop"]').focus();
  for (let from = 200; from < 1000; from += 100) {
    const batch = full.records.filter((r) => r.step > from && r.step <= from + 100 && r.kind !== 'event');
    const message = host.append('live', batch);
    const sentPoints = message.series.reduce((s, d) => s + d.points.steps.length, 0);
    const trainRecords = batch.filter((r) => r.kind === 'train').length;
    assert.ok(sentPoints <= trainRecords * message.series.length, 'an append carries at most the new points');
    await send(page, message);
    const list = await charts(page);
    const loss = chart(list, 'loss:income').drawn.find((d) => d.label === 'census-mtl train')!;
    assert.equal(loss.x.at(-1), from + 100, 'the newest step is drawn');
    // The screen-reader summary is written after the drawing pass, and follows it.
    const summary = await page.locator('figure[data-chart-id="loss:income"] .sr-only').textContent();
    assert.match(summary ?? '', new RegExp(`census-mtl train: last [\\d.e-]+ at step ${from + 100}\\b`), 'the text summary names the newest step');
    // The webview's copy equals the host's bounded series after compactions.
    const hostPoints = host.stores.get('live')!;
    assert.ok(hostPoints.heldPoints().points <= 258 * hostPoints.keys().length);
  }
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.action), 'stop', 'live updates keep the keyboard focus');
  const step = await page.locator('.run-row[data-run-id="live"] .steps').textContent();
  assert.match(step ?? '', /step 1,000/);
  await drawAll(page);
  await page.screenshot({ path: path.join(screenshotDir, 'live.png'), fullPage: true });
  await assertClean(page);
  await page.close();
});

test('a dashboard opened on a running run, records arriving during its history read: whole history drawn, then live without gap or duplicate', async () => {
  // 300 steps: few enough that the chart draws every point (no decimation to its pixel width).
  const run = fixtureRun({ id: 'opened-mid-run', steps: 300, totalSteps: 5000, status: 'running', evalEvery: 50 });
  const opened = await openDuringTraining(run, { batchSize: 20, readAtStep: 137, arrivedDuringRead: 2 });
  const host = new FixtureHost([{ ...run, records: [] }]);
  host.attachFeed(run.info.id, opened.feed);
  const page = await harness.open({ state: noSmoothing([run.info.id]) });
  await send(page, host.init());
  const drawnSteps = async () => chart(await charts(page), 'loss:income').drawn.find((d) => d.label.endsWith(' train'))!.x;
  const first = await drawnSteps();
  assert.equal(first[0], 1, 'the first drawn step is the run\'s first');
  assert.deepEqual(first, Array.from({ length: first.length }, (_, i) => i + 1), 'no gap and no duplicate in the history');
  const newestDuringRead = Math.max(...opened.during.flatMap((b) => b.records).filter((r) => r.kind === 'train').map((r) => r.step));
  assert.ok(newestDuringRead > 137 + 30, 'two batches arrived after the one the read cut');
  assert.equal(first.length, newestDuringRead, 'the records that arrived during the read are drawn');
  for (const batch of opened.later) await send(page, host.receive(run.info.id, batch));
  assert.deepEqual(await drawnSteps(), Array.from({ length: 300 }, (_, i) => i + 1), 'then every live step once');
  await assertClean(page);
  await page.close();
});

/** The step a tooltip's title names ("step 120"), NaN when it names none. */
function tooltipStep(lines: string[]): number {
  return Number(/^step (\d+)$/.exec(lines[0] ?? '')?.[1]);
}

/** Moves the pointer to a fraction of a chart's canvas and reads the tooltip that appears there. */
async function hoverChart(page: Page, chartId: string, fx: number, fy: number) {
  const canvas = page.locator(`figure[data-chart-id="${chartId}"] canvas`);
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
  const tooltip = page.locator(`figure[data-chart-id="${chartId}"] .chart-tooltip`);
  await tooltip.waitFor({ state: 'visible', timeout: 5000 });
  const lines = (await tooltip.innerText()).split('\n');
  return { canvas, box, tooltip, lines, step: tooltipStep(lines) };
}

test('tooltip: the values nearest the pointer, a stacked layer its own value; drawing keeps to its budget; a closed card catches up when opened', async () => {
  const a = fixtureRun({ id: 'run-a', steps: 300, totalSteps: 600, status: 'running', weighting: 'softmax' });
  const b = fixtureRun({ id: 'run-b', steps: 300, totalSteps: 600, status: 'running', seed: 3 });
  const host = new FixtureHost([
    { ...a, info: { ...a.info, step: 200 }, records: a.records.filter((r) => r.step <= 200) },
    { ...b, info: { ...b.info, step: 200 }, records: b.records.filter((r) => r.step <= 200) },
  ]);
  const page = await harness.open({ width: 1280, height: 900, state: { ...noSmoothing(['run-a', 'run-b']), collapsedCards: ['header'] } });
  await send(page, host.init());

  // Every drawing pass started its last chart within the budget (the rest went to a later pass).
  const { budgetMs, passes } = await page.evaluate(() => (window as unknown as { mtlLabDashboard: { passes(): { budgetMs: number; passes: { charts: number; beforeLastMs: number; plannedMs: number; left: number }[] } } }).mtlLabDashboard.passes());
  assert.ok(passes.length > 0, 'charts were drawn in passes');
  // A pass of several charts started its last one only when that chart's previous drawing time fitted in what
  // was left of the budget.
  for (const p of passes) assert.ok(p.charts === 1 || p.plannedMs <= budgetMs, `a pass started a chart at ${p.beforeLastMs.toFixed(1)} ms expecting to end at ${p.plannedMs.toFixed(1)} ms (budget ${budgetMs} ms)`);
  assert.ok((await charts(page)).filter((c) => c.visible).every((c) => c.renders > 0), 'every visible chart drawn in the end');

  // Hover the middle of the income loss chart: one row per run with the value of its nearest point.
  const { canvas, box, tooltip, lines: text, step } = await hoverChart(page, 'loss:income', 0.55, 0.4);
  assert.ok(step > 0 && step <= 200, `title names the step (${text[0]})`);
  const drawnLoss = chart(await charts(page), 'loss:income').drawn;
  for (const id of ['run-a', 'run-b']) {
    const row = text.find((t) => t.startsWith(`census-mtl · ${id} train: `));
    assert.ok(row, `a row for ${id} (${text.join(' | ')})`);
    const line = drawnLoss.find((d) => d.label === `census-mtl · ${id} train`)!;
    const nearest = line.x.reduce((best, x, i) => (Math.abs(x - step) < Math.abs(line.x[best] - step) ? i : best), 0);
    assert.ok(Math.abs(Number(row.split(': ')[1]) - line.y[nearest]) <= 1e-3 * Math.abs(line.y[nearest]), `${id}: ${row} shows the value at step ${line.x[nearest]} (${line.y[nearest]})`);
  }
  await page.mouse.move(box.x - 20, box.y - 20);
  await tooltip.waitFor({ state: 'hidden', timeout: 5000 });

  // From the keyboard: End puts the value cursor on the newest step, arrows move it, the live region reads
  // the values, Escape hides it.
  await canvas.focus();
  await page.keyboard.press('End');
  await tooltip.waitFor({ state: 'visible', timeout: 5000 });
  const announced = () => page.locator('figure[data-chart-id="loss:income"] [aria-live="polite"]').textContent();
  assert.match((await tooltip.innerText()).split('\n')[0], /^step 200$/, 'End: the newest step');
  const reading = (await announced()) ?? '';
  assert.match(reading, /^step 200; /);
  for (const id of ['run-a', 'run-b']) assert.match(reading, new RegExp(`census-mtl · ${id} train: [\\d.]+`), `the live region reads ${id}`);
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
  const moved = tooltipStep((await tooltip.innerText()).split('\n'));
  assert.ok(moved >= 150 && moved <= 165, `ten steps of 2 % to the left of 200 (of 0–200 drawn): step ${moved}`);
  assert.match((await announced()) ?? '', new RegExp(`^step ${moved};`));
  assert.equal(await page.locator('figure[data-chart-id="loss:income"] .value-cursor').isVisible(), true, 'the cursor line is shown');
  await page.keyboard.press('Escape');
  await tooltip.waitFor({ state: 'hidden', timeout: 5000 });
  assert.equal(await page.locator('figure[data-chart-id="loss:income"] .value-cursor').isVisible(), false);

  // A stacked weights layer shows its own weight, not the running total it is drawn at.
  await page.locator('figure[data-chart-id="weights:run-a"] canvas').scrollIntoViewIfNeeded();
  await charts(page);
  const { lines: wtext, step: wstep } = await hoverChart(page, 'weights:run-a', 0.6, 0.5);
  const layers = chart(await charts(page), 'weights:run-a').drawn;
  for (const layer of layers) {
    const row = wtext.find((t) => t.startsWith(`${layer.label}: `));
    assert.ok(row, `a row for ${layer.label}`);
    const i = layer.x.indexOf(wstep);
    assert.ok(i >= 0 && Math.abs(Number(row.split(': ')[1]) - layer.y[i]) <= 1e-3, `${row} = own weight ${layer.y[i]} at step ${wstep}`);
  }

  // The run rows are not kept while their card is closed; opening it shows the newest step.
  await send(page, host.append('run-a', a.records.filter((r) => r.step > 200 && r.step <= 260 && r.kind !== 'event')));
  await page.locator('vscode-collapsible[data-card="header"]').click({ position: { x: 40, y: 10 } });
  await page.locator('.run-row[data-run-id="run-a"] .steps').waitFor({ timeout: 5000 });
  assert.equal(await page.locator('.run-row[data-run-id="run-a"] .steps').textContent(), 'step 260 / 600');
  await page.screenshot({ path: path.join(screenshotDir, 'tooltip-weights.png') });
  await assertClean(page);
  await page.close();
});

test('theme switch: light, dark and high contrast', async () => {
  const host = new FixtureHost([fixtureRun({ id: 'theme', steps: 200, architecture: 'soft', conflictEvery: 20 })]);
  const page = await harness.open({ theme: 'vscode-light' });
  await send(page, host.init());
  const tick = async () => chart(await charts(page), 'loss:income').scales?.tickColor;
  assert.equal(await tick(), '#3b3b3b');
  await drawAll(page);
  await page.screenshot({ path: path.join(screenshotDir, 'theme-light.png'), fullPage: true });
  for (const [cls, color] of [['vscode-dark', '#cccccc'], ['vscode-high-contrast', '#ffffff']] as const) {
    await page.evaluate((c) => (document.body.className = c), cls);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await tick(), color, `${cls} colours`);
    await drawAll(page);
    await page.screenshot({ path: path.join(screenshotDir, `theme-${cls.replace('vscode-', '')}.png`), fullPage: true });
  }
  await assertClean(page);
  await page.close();
});

test('hostile and malformed messages are ignored; names are text, never HTML', async () => {
  const run = fixtureRun({ id: 'victim', steps: 100, name: 'x<img src=x id=pwn>' });
  const host = new FixtureHost([run]);
  const page = await harness.open();
  for (const junk of [
    null,
    'init',
    42,
    { type: 'init' },
    { type: 'append', series: [{ runId: 'victim', key: 'total', width: 1, dropFrom: null, points: { steps: [1], times: [1], values: [NaN] }, tail: { steps: [], times: [], values: [] } }], matrices: [], events: [] },
    { type: 'append', series: [{ runId: 'victim', key: 'total', width: 1, dropFrom: null, points: { steps: [1, 2], times: [1], values: [1] }, tail: { steps: [], times: [], values: [] } }], matrices: [], events: [] },
    { type: 'eval', code: 'document.body.remove()' },
    { type: 'runs', runs: [{ id: '' }], removed: [] },
    { type: 'notice', level: 'info', message: 'x'.repeat(5000) },
  ]) {
    await send(page, junk);
  }
  assert.equal(await page.locator('#app[aria-busy="true"]').count(), 1, 'nothing rendered from junk');
  await send(page, host.init());
  assert.equal(await page.locator('#pwn').count(), 0, 'a run name is never parsed as HTML');
  assert.match((await page.locator('.run-row .run-name').first().textContent()) ?? '', /x<img src=x id=pwn>/);
  const logs = (await posted(page)).filter((m) => m.type === 'log');
  assert.equal(logs.length, 5, 'invalid messages reported to the host, rate-limited');
  // An append for a run the panel does not show, and a width going backwards, do not break it.
  await send(page, { type: 'append', series: [{ runId: 'victim', key: 'total', width: 1, dropFrom: null, points: { steps: [], times: [], values: [] }, tail: { steps: [], times: [], values: [] } }], matrices: [], events: [] });
  assert.ok(chart(await charts(page), 'loss:income').renders > 0);
  await assertClean(page);
  // Control: the CSP is in force and the violation listener works, so "no violations" above means something.
  const blocked = await page.evaluate(async () => {
    const style = document.createElement('style');
    style.textContent = 'body { background: red; }';
    document.head.append(style);
    const script = document.createElement('script');
    script.textContent = 'window.__inline = 1;';
    document.head.append(script);
    await new Promise((r) => setTimeout(r, 50));
    return { violations: (window as unknown as { __cspViolations: string[] }).__cspViolations, ran: (window as unknown as { __inline?: number }).__inline ?? null };
  });
  assert.equal(blocked.ran, null, 'inline script blocked');
  assert.ok(blocked.violations.some((v) => v.startsWith('style-src')) && blocked.violations.some((v) => v.startsWith('script-src')), `violations recorded: ${blocked.violations.join('; ')}`);
  await page.close();
});

test('the run ids are saved at once, so a reload before the first data still restores the panel', async () => {
  const page = await harness.open({ runIds: ['run-a', 'run-b'] });
  // No `init` has been sent: the state must already name the runs the host wrote into the page.
  const state = await page.evaluate(() => (window as unknown as { __state: { runIds: string[] } | undefined }).__state);
  assert.deepEqual(state?.runIds, ['run-a', 'run-b']);
  await assertClean(page);
  await page.close();
});

test('a queued cluster run shows its Slurm job and why it waits, live as the host polls; running, then failed with the reason', async () => {
  const run = fixtureRun({ id: 'slurm-a', steps: 0, status: 'queued' });
  const info = { ...run.info, cluster: { runner: 'slurm' as const, jobId: '12', arrayTaskId: 3, output: '/r/.slurm/x-12_3.out', submittedAt: 's' } };
  const host = new FixtureHost([{ ...run, info }]);
  const page = await harness.open();
  await send(page, host.init());
  const cell = page.locator('.run-row[data-run-id="slurm-a"] .cluster-state');
  const badge = page.locator('.run-row[data-run-id="slurm-a"] .badge.status');
  assert.equal(await cell.textContent(), 'job 12_3');
  const post = async (state: RunnerState) => send(page, { type: 'runs', runs: [runView(info, run.config, undefined, undefined, state)], removed: [] });
  await post({ status: 'queued', reason: 'Priority', schedulerState: 'PENDING' });
  await page.waitForFunction(() => document.querySelector('.run-row[data-run-id="slurm-a"] .cluster-state')?.textContent === 'job 12_3 · PENDING (Priority)');
  await post({ status: 'queued', reason: 'Resources', schedulerState: 'PENDING' });
  await page.waitForFunction(() => document.querySelector('.run-row[data-run-id="slurm-a"] .cluster-state')?.textContent === 'job 12_3 · PENDING (Resources)');
  assert.equal(await badge.textContent(), 'queued');
  await page.screenshot({ path: path.join(screenshotDir, 'cluster-queued.png') });
  await post({ status: 'running', schedulerState: 'RUNNING' });
  await page.waitForFunction(() => document.querySelector('.run-row[data-run-id="slurm-a"] .cluster-state')?.textContent === 'job 12_3 · RUNNING');
  assert.equal(await badge.textContent(), 'running');
  // run.json still says running; the cluster knows the node failed.
  await post({ status: 'failed', reason: 'node failure (NodeDown)', schedulerState: 'NODE_FAIL' });
  await page.waitForFunction(() => document.querySelector('.run-row[data-run-id="slurm-a"] .cluster-state')?.textContent === 'job 12_3 · NODE_FAIL (node failure (NodeDown))');
  assert.equal(await badge.textContent(), 'failed');
  assert.equal(await page.locator('.run-row[data-run-id="slurm-a"] vscode-button[data-action="resume"]').count(), 1, 'Resume offered');
  await assertClean(page);
  await page.close();
});
