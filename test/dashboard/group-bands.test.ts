/**
 * Seed groups on the charts: three runs of one study group drawn as their mean with a ± std (then min–max)
 * band, checked against the fixture's own losses at sample steps (computed here, not by the dashboard's code);
 * a run of a group of one stays a run. Needs `npm run build` first.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startHarness, send, charts, pageErrors, screenshotDir, type Harness } from './harness';
import { fixtureRun, FixtureHost, type FixtureRun } from './fixtures';
import { defaultDashboardState } from '../../src/webview/protocol';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

/** The task loss each run logged at `step` (from the records the runs wrote). */
function lossAt(run: FixtureRun, step: number): number {
  const r = run.records.find((x) => x.kind === 'train' && x.step === step);
  assert.ok(r && r.kind === 'train');
  return r.losses.income;
}

async function chooseGroupView(page: Page, value: string): Promise<void> {
  await page.$eval(
    'vscode-single-select[data-control="group-view"]',
    (e, v) => {
      (e as HTMLElement & { value: string }).value = v;
      e.dispatchEvent(new Event('change'));
    },
    value,
  );
}

test('a seed group is drawn as mean ± std and min–max bands equal to a direct computation', async () => {
  const members = [1, 2, 3].map((seed) => fixtureRun({ id: `hard-s${seed}`, steps: 200, seed, evalEvery: 1000 }));
  const solo = fixtureRun({ id: 'soft-s1', steps: 200, seed: 1, architecture: 'soft', evalEvery: 1000 });
  const host = new FixtureHost([...members, solo]);
  const study = (group: string, seed: number) => ({ group, groupLabel: group === 'g-hard' ? 'hard · equal' : 'soft · equal', seed, baselineOf: null, deltaM: null, deltaMReason: null });
  members.forEach((m, k) => (host.views.get(m.info.id)!.study = study('g-hard', k + 1)));
  host.views.get('soft-s1')!.study = study('g-soft', 1);
  const ids = [...members.map((m) => m.info.id), 'soft-s1'];
  const page = await harness.open({ theme: 'vscode-light', state: { ...defaultDashboardState(ids), smoothing: 0, groupView: 'std' }, runIds: ids });
  await send(page, host.init());

  const drawnLoss = async () => (await charts(page)).find((c) => c.id === 'loss:income')!.drawn;
  let drawn = await drawnLoss();
  assert.deepEqual(drawn.map((d) => d.label).sort(), ['census-mtl · soft-s1 train', 'census-mtl · soft-s1 validation', 'hard · equal (3 seeds, mean ± std) train', 'hard · equal (3 seeds, mean ± std) validation'], 'one band for the group, the run of a group of one as itself');
  let band = drawn.find((d) => d.band && d.label.endsWith('train'))!;
  const samples = [1, 50, 100, 150, 200].filter((s) => band.x.includes(s));
  assert.ok(samples.length >= 3, `sample steps drawn (${samples.join(', ')})`);
  for (const step of samples) {
    const i = band.x.indexOf(step);
    const v = members.map((m) => lossAt(m, step));
    const mean = (v[0] + v[1] + v[2]) / 3;
    const std = Math.sqrt(((v[0] - mean) ** 2 + (v[1] - mean) ** 2 + (v[2] - mean) ** 2) / 2);
    assert.ok(Math.abs(band.y[i] - mean) < 1e-9, `mean at step ${step}`);
    assert.ok(Math.abs(band.band!.lo[i] - (mean - std)) < 1e-9, `mean − std at step ${step}`);
    assert.ok(Math.abs(band.band!.hi[i] - (mean + std)) < 1e-9, `mean + std at step ${step}`);
  }
  await page.screenshot({ path: path.join(screenshotDir, 'group-bands-light.png'), fullPage: false });

  await chooseGroupView(page, 'minmax');
  band = (await drawnLoss()).find((d) => d.band && d.label.endsWith('train'))!;
  for (const step of samples) {
    const v = members.map((m) => lossAt(m, step));
    const i = band.x.indexOf(step);
    assert.ok(Math.abs(band.band!.lo[i] - Math.min(...v)) < 1e-9 && Math.abs(band.band!.hi[i] - Math.max(...v)) < 1e-9, `min–max at step ${step}`);
  }
  assert.equal((await page.evaluate(() => (window as unknown as { __state: { groupView: string } }).__state)).groupView, 'minmax', 'saved with the panel');

  await chooseGroupView(page, 'runs');
  drawn = await drawnLoss();
  assert.equal(drawn.filter((d) => d.label.endsWith('train')).length, 4, 'each run again');
  assert.ok(drawn.every((d) => !d.band));
  const violations = await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  assert.deepEqual(violations, []);
  assert.deepEqual(pageErrors(page), []);
  await page.close();
});
