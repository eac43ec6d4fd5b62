/**
 * Run directories written by 0.1 (test/fixtures/legacy-0.1) chart as 0.1 charted them: the same cards, the same
 * charts drawing the same points, the same heatmaps. expected/dashboard.json was dumped from 0.1's dashboard with
 * runDirectoryCharts.ts. Needs `npm run build` first.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startHarness, type Harness } from './harness';
import { drawnDashboard, runsFromDirectory, type DrawnDashboard } from './runDirectoryCharts';
import { inkedFraction } from './harness';

const root = path.resolve(__dirname, '../fixtures/legacy-0.1');
const expected = JSON.parse(readFileSync(path.join(root, 'expected/dashboard.json'), 'utf8')) as Record<string, DrawnDashboard>;

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

/**
 * What 0.1 wrote by hand per matrix and is now the matrix's own description: the card heading and the title of
 * its lines. Everything else — data, labels, heatmap captions, card ids and order — is unchanged.
 */
const RENAMED: Record<string, { heading: string; lines: string }> = {
  attention: { heading: 'Attention', lines: 'Attention over steps' },
  gates: { heading: 'Gates', lines: 'Gates over steps' },
  conflict: { heading: 'Gradient cosine', lines: 'Gradient cosine over steps' },
};

for (const run of runsFromDirectory(path.join(root, 'runs'))) {
  test(`${run.info.id} charts as in 0.1`, async () => {
    const old = expected[run.info.id];
    const { page, drawn } = await drawnDashboard(harness, [run]);
    assert.deepEqual(drawn.cards, old.cards, 'the same cards in the same order');
    assert.deepEqual(
      drawn.cardHeadings.map((c) => c.heading),
      old.cardHeadings.map((c) => RENAMED[c.id]?.heading ?? c.heading),
    );
    for (const c of old.cardHeadings) if (!RENAMED[c.id]) assert.equal(drawn.cardHeadings.find((d) => d.id === c.id)?.description, c.description);
    assert.deepEqual(drawn.heatmapCaptions, old.heatmapCaptions, 'heatmap captions');
    assert.deepEqual(drawn.charts.map((c) => c.id), old.charts.map((c) => c.id), 'the same charts');
    for (const c of old.charts) {
      const now = drawn.charts.find((d) => d.id === c.id)!;
      const matrix = c.id.endsWith(':lines') ? c.id.slice(0, -':lines'.length) : undefined;
      assert.equal(now.title, matrix ? RENAMED[matrix].lines : c.title);
      assert.deepEqual(now.drawn, c.drawn, `${c.id}: the same lines (labels, x, y)`);
    }
    assert.deepEqual(drawn.heatmaps, old.heatmaps, 'heatmaps at the latest step');
    for (const kind of old.heatmaps.map((h) => h.kind)) assert.ok((await inkedFraction(page, `vscode-collapsible[data-card="${kind}"] figure.heatmap canvas`)) > 0.05, `${kind} heatmap drawn`);
    await page.close();
  });
}
