/**
 * What the first render of a large comparison leaves out or makes lighter. Its order (src/webview/afterPaint.ts):
 * the charts are drawn without waiting for the text cards below them (comparison table, Pareto view) or the run
 * picker's full list, which are filled once the charts are painted — and then hold every run, as before. The
 * run rows' Remove buttons are native buttons (no shadow root each): named, reachable and pressed with the
 * keyboard, posting the run's removal. Needs `npm run build` first.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, send, pageErrors, posted, type Harness } from './harness';
import { fixtureRun, FixtureHost } from './fixtures';
import { defaultDashboardState } from '../../src/webview/protocol';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

/** 4 seed groups × 2 seeds, finished: past 6 runs the weights card has a run picker; finished runs have a Pareto card. */
function study(): { host: FixtureHost; ids: string[] } {
  const runs = [0, 1, 2, 3].flatMap((g) => [1, 2].map((seed) => fixtureRun({ id: `g${g}-s${seed}`, steps: 200, seed: 10 * g + seed, learningRate: 0.001 * (g + 1) })));
  const host = new FixtureHost(runs);
  for (const r of runs) {
    const [group, seed] = r.info.id.split('-');
    host.views.get(r.info.id)!.study = { group, groupLabel: `lr ${group}`, seed: Number(seed.slice(1)), baselineOf: null, deltaM: null, deltaMReason: null };
  }
  return { host, ids: runs.map((r) => r.info.id) };
}

interface Snapshot {
  chartsDrawn: number;
  tableRuns: string[];
  tableGroups: string[];
  paretoPoints: string[];
  pickerOptions: { value: string; label: string; selected: boolean }[];
  pickerValue: string;
}

test('first render: charts first; the comparison table, Pareto view and run picker filled after their paint, with every run', async () => {
  const { host, ids } = study();
  const page = await harness.open({ width: 1400, height: 900, state: { ...defaultDashboardState(ids), collapsedCards: ['header'] }, runIds: ids });
  const [atIdle, settled] = await page.evaluate(async (text) => {
    const dashboard = (window as unknown as { mtlLabDashboard: { idle(): Promise<void>; settled(): Promise<void>; charts(): { visible: boolean; renders: number }[] } }).mtlLabDashboard;
    window.postMessage(JSON.parse(text), '*');
    await new Promise((r) => setTimeout(r, 0));
    const snapshots: Snapshot[] = [];
    // Once every visible chart is drawn (the work left for after their paint has not run yet), then once settled.
    // (A loop, not a helper function: the bundler would name a helper with a function the page does not have.)
    for (const wait of [() => dashboard.idle(), () => dashboard.settled()]) {
      await wait();
      const picker = document.querySelector<HTMLElement & { value: string }>('vscode-single-select[data-control="weights-run"]');
      snapshots.push({
        chartsDrawn: dashboard.charts().filter((c) => c.visible && c.renders > 0).length,
        tableRuns: [...document.querySelectorAll<HTMLElement>('table.compare tbody tr')].map((tr) => tr.dataset.runId!),
        tableGroups: [...document.querySelectorAll<HTMLElement>('table.compare tfoot tr.group')].map((tr) => tr.dataset.group!),
        paretoPoints: [...document.querySelectorAll('.pareto-point')].map((g) => g.getAttribute('data-id')!),
        pickerOptions: [...(picker?.querySelectorAll('vscode-option') ?? [])].map((o) => ({ value: o.getAttribute('value')!, label: o.textContent!, selected: o.hasAttribute('selected') })),
        pickerValue: picker?.value ?? '',
      });
    }
    return snapshots;
  }, JSON.stringify(host.init()));

  assert.ok(atIdle.chartsDrawn >= 2, `visible charts drawn first (${atIdle.chartsDrawn})`);
  assert.deepEqual(atIdle.tableRuns, [], 'the comparison table is not built before the charts are painted');
  assert.deepEqual(atIdle.paretoPoints, [], 'nor the Pareto view');
  assert.deepEqual(atIdle.pickerOptions.map((o) => o.value), ['g0-s1'], 'the run picker shows the chosen run at once, its list comes later');
  assert.equal(atIdle.pickerValue, 'g0-s1');

  assert.deepEqual([...settled.tableRuns].sort(), [...ids].sort(), 'then the table has a row per run');
  assert.deepEqual(settled.tableGroups.sort(), ['group:g0', 'group:g1', 'group:g2', 'group:g3'], 'and a row per seed group');
  assert.deepEqual([...settled.paretoPoints].sort(), [...ids].sort(), 'the Pareto view a point per run');
  assert.deepEqual(settled.pickerOptions.map((o) => o.value), ids, 'the picker every run, in the run list order');
  assert.deepEqual(settled.pickerOptions.filter((o) => o.selected).map((o) => o.value), ['g0-s1']);
  assert.equal(settled.pickerValue, 'g0-s1', 'still on the chosen run');
  assert.match(settled.pickerOptions[3].label, /g1-s2/);

  // The filled picker works: choosing a run draws its weights.
  await page.$eval('vscode-single-select[data-control="weights-run"]', (e) => {
    (e as HTMLElement & { value: string }).value = 'g2-s2';
    e.dispatchEvent(new Event('change'));
  });
  await send(page, { type: 'notice', level: 'info', message: 'redrawn' });
  const weights = await page.evaluate(() => (window as unknown as { mtlLabDashboard: { charts(): { id: string; drawn: { label: string }[] }[] } }).mtlLabDashboard.charts().find((c) => c.id === 'weights:selected'));
  assert.deepEqual(weights?.drawn.map((d) => d.label), ['income', 'marital', 'age']);
  assert.deepEqual(pageErrors(page), []);
  await page.close();
});

test('a message arriving before the deferred fill: the cards are filled once, with the latest runs', async () => {
  const { host, ids } = study();
  const page = await harness.open({ width: 1400, height: 900, state: { ...defaultDashboardState(ids), collapsedCards: ['header'] }, runIds: ids });
  const init = host.init();
  // The same init twice in one task: the second rebuild replaces the first's queued work.
  const rows = await page.evaluate(async (text) => {
    const dashboard = (window as unknown as { mtlLabDashboard: { settled(): Promise<void> } }).mtlLabDashboard;
    window.postMessage(JSON.parse(text), '*');
    window.postMessage(JSON.parse(text), '*');
    await new Promise((r) => setTimeout(r, 0));
    await dashboard.settled();
    return { tables: document.querySelectorAll('table.compare').length, runs: document.querySelectorAll('table.compare tbody tr').length, options: document.querySelectorAll('vscode-single-select[data-control="weights-run"] vscode-option').length };
  }, JSON.stringify(init));
  assert.deepEqual(rows, { tables: 1, runs: ids.length, options: ids.length });
  assert.deepEqual(pageErrors(page), []);
  await page.close();
});

test('run list: each row has a Remove button, named, focusable and pressed with the mouse or the keyboard', async () => {
  const { host, ids } = study();
  const page = await harness.open({ state: defaultDashboardState(ids), runIds: ids });
  await send(page, host.init());
  const buttons = page.locator('.run-list li button[data-action="remove-run"]');
  assert.equal(await buttons.count(), ids.length);
  assert.deepEqual(await buttons.evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label'))), ids.map((id) => `Remove ${id} from this comparison`));
  await buttons.nth(2).click();
  await buttons.nth(5).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  const removals = (await posted(page)).filter((m) => m.type === 'removeRun').map((m) => m.runId);
  assert.deepEqual(removals, [ids[2], ids[5], ids[5]], 'click, Enter, and Space after Tab reaching it again');
  await page.close();
});
