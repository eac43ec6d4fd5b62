/**
 * What the dashboard draws for run directories on disk: the panel's path (records read from the directory,
 * the host store, `init`) in the browser harness, and what every chart, heatmap and card then shows.
 *   node --import tsx test/dashboard/runDirectoryCharts.ts <runsDir> <out.json>   writes it as JSON
 * The golden files of test/fixtures/legacy-0.1/expected were written this way by the code that wrote those
 * run directories (see the README there).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { readRunConfigSync, readRunInfoSync } from '../../src/training/run/runDirectory';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import { defaultDashboardState, type InitMessage } from '../../src/webview/protocol';
import { FixtureHost, type FixtureRun } from './fixtures';
import { charts, send, startHarness, type Harness } from './harness';

/** run.json of a fixture run directory (which must be readable). */
function runInfoOf(dir: string) {
  const read = readRunInfoSync(dir);
  if (!read.ok) throw new Error(`${dir}: ${read.reason}`);
  return read.info;
}

/** Every run directory under `runsDir`, as the panel reads it (run.json, config.json, metrics.jsonl). */
export function runsFromDirectory(runsDir: string): FixtureRun[] {
  return readdirSync(runsDir)
    .sort()
    .map((entry) => path.join(runsDir, entry))
    .map((dir) => ({
      info: runInfoOf(dir),
      config: readRunConfigSync(dir),
      records: readRecordsSync(dir),
    }));
}

export interface DrawnDashboard {
  /** Card ids, headings and descriptions, in page order. */
  cards: string[];
  cardHeadings: { id: string; heading: string; description: string }[];
  heatmapCaptions: string[];
  charts: { id: string; title: string; drawn: { label: string; x: number[]; y: number[] }[] }[];
  heatmaps: { kind: string; step: number | null; rows: number[][] | null }[];
  /** The matrices as sent: every snapshot, with its labels. */
  matrices: { runId: string; kind: string; rowLabels: string[]; columnLabels: string[]; snapshots: { step: number; rows: number[][] }[] }[];
}

/** Scroll every chart and heatmap into view (charts draw lazily), then wait until all are drawn. */
export async function drawEverything(page: Page): Promise<void> {
  const figures = page.locator('figure.chart, figure.heatmap');
  const count = await figures.count();
  for (let i = 0; i < count; i++) await figures.nth(i).scrollIntoViewIfNeeded();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Opens one dashboard of the runs (no smoothing) and reads back what it draws. */
export async function drawnDashboard(harness: Harness, runs: FixtureRun[]): Promise<{ page: Page; init: InitMessage; drawn: DrawnDashboard }> {
  const init = new FixtureHost(runs).init();
  const ids = runs.map((r) => r.info.id);
  const page = await harness.open({ state: { ...defaultDashboardState(ids), smoothing: 0 } });
  await send(page, init);
  await drawEverything(page);
  const cards = await page.$$eval('vscode-collapsible', (els) => els.map((e) => (e as HTMLElement).dataset.card ?? ''));
  const cardHeadings = await page.$$eval('vscode-collapsible', (els) => els.map((e) => ({ id: (e as HTMLElement).dataset.card ?? '', heading: e.getAttribute('heading') ?? '', description: e.getAttribute('description') ?? '' })));
  const heatmapCaptions = await page.$$eval('figure.heatmap figcaption', (els) => els.map((e) => e.textContent ?? ''));
  const list = await charts(page);
  const heatmaps = await page.evaluate(() => (window as unknown as { mtlLabDashboard: { heatmaps(): DrawnDashboard['heatmaps'] } }).mtlLabDashboard.heatmaps());
  return {
    page,
    init,
    drawn: {
      cards,
      cardHeadings,
      heatmapCaptions,
      charts: list.map((c) => ({ id: c.id, title: c.title, drawn: c.drawn.map((d) => ({ label: d.label, x: d.x, y: d.y })) })),
      heatmaps,
      matrices: init.matrices.map((m) => ({ runId: m.runId, kind: m.kind, rowLabels: m.rowLabels, columnLabels: m.columnLabels, snapshots: m.snapshots.map((s) => ({ step: s.step, rows: s.rows })) })),
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  const [runsDir, out] = process.argv.slice(2);
  void (async () => {
    const harness = await startHarness();
    try {
      const result: Record<string, DrawnDashboard> = {};
      for (const run of runsFromDirectory(runsDir)) {
        const { page, drawn } = await drawnDashboard(harness, [run]);
        result[run.info.id] = drawn;
        await page.close();
      }
      writeFileSync(out, JSON.stringify(result) + '\n');
      console.log(`wrote ${out}`);
    } finally {
      await harness.close();
    }
  })();
}
