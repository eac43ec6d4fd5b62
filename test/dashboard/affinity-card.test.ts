/**
 * The affinity cards in headless Chromium, fed the records of a run with affinity as the host store turns them into
 * messages: the three matrix cards (sample, average, approximation, labelled so), and the Suggested groupings card —
 * the asymmetry Z − Zᵀ of the average at the scrubbed step, the best grouping for every B (worked out by hand below),
 * the B picker, the shared step scrubber from the keyboard, and "Study this grouping" posting a valid message.
 * Needs `npm run build` first.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { loadExperimentConfig } from '../../src/training/config/load';
import { affinityApproxMatrixInfo, affinityMatrixInfo, affinityMeanMatrixInfo } from '../../src/training/run/matrices';
import type { MetricRecord, RunInfo, TrainRecord } from '../../src/training/run/records';
import { defaultDashboardState, parseWebviewMessage } from '../../src/webview/protocol';
import { FixtureHost } from './fixtures';
import { inkedFraction, pageErrors, posted, send, startHarness, type Harness } from './harness';

let harness: Harness;
before(async () => (harness = await startHarness()));
after(async () => harness?.close());

const TASKS = ['a', 'b', 'c', 'd'];
/** Step 5: a and c help each other, b and d too. */
const EARLY = [
  [0, 0, 0.5, 0],
  [0, 0, 0, 0.5],
  [0.5, 0, 0, 0],
  [0, 0.5, 0, 0],
];
/** Step 10: the pairs, a → b stronger than b → a. B = 2: {a, b} {c, d}, score 0.6 + 0.2 + 0.4 + 0.4 = 1.6; B = 1: (0 + 0.4/3 + 0.2/3 + 0.2/3) = 0.2667. */
const LATE = [
  [0, 0.6, -0.1, -0.1],
  [0.2, 0, -0.1, -0.1],
  [-0.1, -0.1, 0, 0.4],
  [-0.1, -0.1, 0.4, 0],
];

function records(): MetricRecord[] {
  const train = (step: number, mean: number[][]): TrainRecord => ({
    kind: 'train', step, epoch: 0, time: 1_700_000_000_000 + step * 1000, losses: { a: 1, b: 1, c: 1, d: 1 }, totalLoss: 4, weights: { a: 1, b: 1, c: 1, d: 1 }, samplesPerSecond: 100,
    matrices: { affinity: mean, 'affinity-mean': mean, 'affinity-approx': mean.map((r) => r.map((v) => v / 2)) },
  });
  const first = train(5, EARLY);
  first.matrixInfo = { affinity: affinityMatrixInfo(TASKS), 'affinity-mean': affinityMeanMatrixInfo(TASKS), 'affinity-approx': affinityApproxMatrixInfo(TASKS) };
  return [first, train(10, LATE)];
}

async function currentRow(page: Page): Promise<{ budget: string; text: string }> {
  return page.$eval('[data-card="affinity-groups"] tr[aria-current="true"]', (tr) => ({ budget: tr.getAttribute('data-budget')!, text: tr.textContent ?? '' }));
}

const asymmetry = (page: Page) => page.evaluate(() => (window as unknown as { mtlLabDashboard: { heatmaps(): { kind: string; step: number | null; rows: number[][] | null }[] } }).mtlLabDashboard.heatmaps().find((h) => h.kind === 'affinity-asymmetry'));

for (const theme of ['vscode-dark', 'vscode-light']) {
  test(`affinity cards (${theme}): asymmetry, groupings per B, scrubber, B picker, Study this grouping`, async () => {
    const { config } = await loadExperimentConfig(path.resolve(__dirname, '../../examples/affinity-pairs.mtl.json'), []);
    const info: RunInfo = { version: 1, id: 'pairs-1', name: 'affinity-pairs', experimentFile: null, status: 'completed', createdAt: new Date(0).toISOString(), startedAt: null, endedAt: null, backend: 'cpu', pid: null, step: 10, totalSteps: 10, overrides: [], error: null, summary: null };
    const host = new FixtureHost([{ info, config, records: records() }]);
    const page = await harness.open({ theme, state: defaultDashboardState(['pairs-1']) });
    await send(page, host.init());

    for (const [id, heading] of [['affinity', 'Affinity'], ['affinity-mean', 'Affinity, average so far'], ['affinity-approx', 'Affinity, first-order approximation']]) {
      assert.equal(await page.locator(`vscode-collapsible[data-card="${id}"]`).getAttribute('heading'), heading);
    }
    assert.match((await page.locator('vscode-collapsible[data-card="affinity-approx"]').getAttribute('description')) ?? '', /approximation, not measured/);
    const card = page.locator('vscode-collapsible[data-card="affinity-groups"]');
    assert.equal(await card.getAttribute('heading'), 'Suggested groupings');

    // Latest step: the pairs at B = 2, the asymmetry Z − Zᵀ.
    assert.deepEqual(await currentRow(page), { budget: '2', text: '2{a, b}  {c, d}1.6000' });
    assert.match(await card.locator('tr[data-budget="1"]').textContent() ?? '', /^1\{a, b, c, d\}0\.2667$/);
    const late = await asymmetry(page);
    assert.equal(late?.step, 10);
    late!.rows!.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - (LATE[i][j] - LATE[j][i])) < 1e-9, `asymmetry ${i},${j}`)));
    assert.ok(Math.abs(late!.rows![0][1] - 0.4) < 1e-9 && Math.abs(late!.rows![1][0] + 0.4) < 1e-9);
    assert.ok((await inkedFraction(page, '[data-card="affinity-groups"] figure.heatmap canvas')) > 0.05, 'asymmetry heatmap drawn');

    // The shared scrubber, from the keyboard: Home goes to step 5, where the pairs are a–c and b–d.
    await page.focus('input[data-control="affinity-mean-scrubber"]');
    await page.keyboard.press('Home');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.deepEqual(await currentRow(page), { budget: '2', text: '2{a, c}  {b, d}2.0000' });
    assert.equal((await asymmetry(page))?.step, 5);
    await page.keyboard.press('End');

    // The B picker (keyboard-focusable), then Study this grouping posts the picked groups.
    const picker = page.locator('vscode-single-select[data-control="affinity-budget"]');
    await picker.focus();
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.control), 'affinity-budget');
    await picker.evaluate((e) => {
      (e as HTMLElement & { value: string }).value = '1';
      e.dispatchEvent(new Event('change'));
    });
    assert.equal((await currentRow(page)).budget, '1');
    await picker.evaluate((e) => {
      (e as HTMLElement & { value: string }).value = '2';
      e.dispatchEvent(new Event('change'));
    });
    const study = page.locator('[data-card="affinity-groups"] vscode-button[data-action="study-grouping"]');
    await study.focus();
    await page.keyboard.press('Enter');
    const message = (await posted(page)).find((m) => m.type === 'studyGrouping');
    assert.deepEqual(message, { type: 'studyGrouping', runId: 'pairs-1', groups: [['a', 'b'], ['c', 'd']] });
    assert.ok(parseWebviewMessage(message), 'the host accepts it');
    assert.deepEqual(pageErrors(page), []);
    await page.screenshot({ path: path.resolve(__dirname, `../../test-results/dashboard/affinity-${theme}.png`), fullPage: true });
    await page.close();
  });
}
