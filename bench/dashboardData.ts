/**
 * The synthetic runs both dashboard benchmarks (dashboard.ts, profileDashboard.ts) feed: records computed on the
 * fly, deterministic per (step, seed), the two browser scenarios built from them, and how both benchmarks put
 * a message into the page and time it.
 */
import type { Page } from 'playwright-core';
import type { MetricRecord } from '../src/training/run/records';
import { RunSeriesStore, newRunCursor, pointsPerSeries, runView } from '../src/extension/dashboard/runSeries';
import type { AppendMessage, InitMessage } from '../src/webview/protocol';
import { fixtureRun } from '../test/dashboard/fixtures';

export const TASKS = ['income', 'marital', 'age'];

/** One train record of a synthetic run, computed on the fly (a million records are never held at once). */
export function trainRecord(step: number, seed: number, start: number): MetricRecord {
  const noise = (k: number) => Math.sin(step * 12.9898 + seed * 78.233 + k * 37.719) * 43758.5453 % 1;
  const losses: Record<string, number> = {};
  const weights: Record<string, number> = {};
  TASKS.forEach((t, k) => {
    losses[t] = (0.7 + 0.1 * (seed % 5)) * Math.exp(-step / (20_000 + 5_000 * k)) + 0.1 + 0.05 * noise(k);
    weights[t] = 1 / 3 + 0.1 * Math.sin(step / 5000 + k);
  });
  return { kind: 'train', step, epoch: Math.floor(step / 1000), time: start + step * 20, losses, totalLoss: losses.income + losses.marital + losses.age, weights, samplesPerSecond: 1500 + 100 * noise(9) };
}

export function evalRecord(step: number, start: number): MetricRecord {
  return {
    kind: 'eval', step, epoch: Math.floor(step / 1000), time: start + step * 20 + 5, split: 'validation',
    metrics: { income: { loss: 0.3 + 1 / step, accuracy: 0.9 - 10 / step }, marital: { loss: 0.4 + 1 / step, accuracy: 0.85 - 10 / step }, age: { loss: 0.2 + 1 / step, rmse: 0.45 + 1 / step, mae: 0.3 } },
  };
}

/** When every synthetic run starts (its records' times are START + 20 ms per step). */
export const START = Date.UTC(2025, 0, 1);

/** Feeds steps `from`..`to` of a synthetic run (train every step, eval every 1000) in batches of 1000. */
export function ingestSteps(store: RunSeriesStore, seed: number, from: number, to: number, start = START): void {
  const batch: MetricRecord[] = [];
  for (let step = from; step <= to; step++) {
    batch.push(trainRecord(step, seed, start));
    if (step % 1000 === 0) batch.push(evalRecord(step, start));
    if (batch.length >= 1000) {
      store.add(batch);
      batch.length = 0;
    }
  }
  store.add(batch);
}


function initMessage(runs: InitMessage['runs'], series: InitMessage['series']): InitMessage {
  return { type: 'init', protocol: 1, runs, series, matrices: [], events: [], colors: {}, maxPointsPerSeries: 2000, readOnly: false };
}

/**
 * The first-render scenario: `count` finished runs of `steps` steps, as the host would send them in one
 * `init`. `buildMs` is the host-side time spent building the stores and their deltas.
 */
export function comparisonScenario(count = 20, steps = 100_000): { runIds: string[]; init: InitMessage; buildMs: number } {
  const runIds = Array.from({ length: count }, (_, i) => `sweep-${i}`);
  const init = initMessage([], []);
  let buildMs = 0;
  runIds.forEach((id, i) => {
    const fixture = fixtureRun({ id, steps: 10, seed: i, learningRate: [0.01, 0.001][i % 2] });
    const t0 = performance.now();
    const store = new RunSeriesStore(id, pointsPerSeries(2000, count), TASKS);
    ingestSteps(store, i, 1, steps);
    const series = store.deltas(newRunCursor()).series;
    buildMs += performance.now() - t0;
    init.runs.push(runView({ ...fixture.info, step: steps, totalSteps: steps }, fixture.config));
    init.series.push(...series);
  });
  return { runIds, init, buildMs };
}

/**
 * The study scenario: `groups` seed groups × `seeds` finished runs of `steps` steps, each run marked as a member
 * of its group (as the host marks a study's runs), so the dashboard can draw each group as a mean ± std band.
 */
export function studyScenario(groups = 25, seeds = 4, steps = 10_000): { runIds: string[]; init: InitMessage; buildMs: number } {
  const runIds: string[] = [];
  const init = { ...initMessage([], []), maxPointsPerSeries: pointsPerSeries(2000, groups * seeds) };
  let buildMs = 0;
  for (let g = 0; g < groups; g++) {
    for (let s = 1; s <= seeds; s++) {
      const id = `g${g}-s${s}`;
      const fixture = fixtureRun({ id, steps: 10, seed: s, learningRate: 0.001 * (g + 1) });
      const t0 = performance.now();
      // What the host keeps per series for a dashboard of this many runs (the setting at its default, 2000).
      const store = new RunSeriesStore(id, pointsPerSeries(2000, groups * seeds), TASKS);
      ingestSteps(store, g * 10 + s, 1, steps);
      const series = store.deltas(newRunCursor()).series;
      buildMs += performance.now() - t0;
      const view = runView({ ...fixture.info, step: steps, totalSteps: steps }, fixture.config);
      view.study = { group: `group-${g}`, groupLabel: `lr ${(0.001 * (g + 1)).toFixed(3)}`, seed: s, baselineOf: null, deltaM: null, deltaMReason: null };
      runIds.push(id);
      init.runs.push(view);
      init.series.push(...series);
    }
  }
  return { runIds, init, buildMs };
}

/** The live-append scenario: a run 200 000 steps into 400 000, its `init`, and `next(n)`: the append of its next n steps. */
export function liveScenario(): { init: InitMessage; next(n: number): AppendMessage } {
  const store = new RunSeriesStore('live', 2000, TASKS);
  let step = 200_000;
  ingestSteps(store, 7, 1, step);
  const cursor = newRunCursor();
  const fixture = fixtureRun({ id: 'live', steps: 10, status: 'running', totalSteps: 400_000 });
  const init = initMessage([runView({ ...fixture.info, step, totalSteps: 400_000 }, fixture.config)], store.deltas(cursor).series);
  return {
    init,
    next(n) {
      ingestSteps(store, 7, step + 1, step + n);
      step += n;
      const d = store.deltas(cursor);
      return { type: 'append', series: d.series, matrices: d.matrices, events: d.events };
    },
  };
}

// ---------------------------------------------------------------- in the page

export async function loadMessage(page: Page, message: unknown): Promise<void> {
  await page.evaluate((text) => {
    (window as unknown as { __pending: unknown }).__pending = JSON.parse(text);
  }, JSON.stringify(message));
}

/**
 * Post the message already parsed in the page; time until it is handled, every visible chart is drawn
 * (drawing is spread over frames within a budget) and that frame has been painted (a task queued from the
 * last drawing frame runs after its paint): `total`. `settled`: until the work left for after that paint
 * (text cards, long pickers: src/webview/afterPaint.ts) has run too. `mark` names User Timing marks around
 * both for the trace.
 */
export async function timedDispatch(page: Page, mark = ''): Promise<{ total: number; settled: number; drawMs: number; charts: number }> {
  return page.evaluate(async (mark) => {
    const w = window as unknown as { __pending: unknown; mtlLabDashboard: { charts(): { renders: number; lastRenderMs: number; visible: boolean }[]; idle(): Promise<void>; settled(): Promise<void> } };
    const rendersBefore = w.mtlLabDashboard.charts().map((c) => c.renders);
    if (mark) performance.mark(`${mark}:start`);
    const t0 = performance.now();
    window.postMessage(w.__pending, '*');
    await new Promise((r) => setTimeout(r, 0));
    await w.mtlLabDashboard.idle();
    await new Promise((r) => setTimeout(r, 0));
    const total = performance.now() - t0;
    await w.mtlLabDashboard.settled();
    await new Promise((r) => setTimeout(r, 0));
    const settled = performance.now() - t0;
    // Let the compositor finish the frame before the window closes.
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    if (mark) performance.mark(`${mark}:end`);
    const after = w.mtlLabDashboard.charts();
    const redrawn = after.filter((c, i) => c.renders > (rendersBefore[i] ?? 0));
    return { total, settled, drawMs: redrawn.reduce((s, c) => s + c.lastRenderMs, 0), charts: redrawn.length };
  }, mark);
}
