/**
 * The study cards. Pareto: points equal to the runs' (or seed groups') final metrics, the front checked against a
 * brute-force dominance test written here, baselines drawn, the pair picker for three tasks, hover and focus
 * naming the run and its config difference. Diagnostics: each finding with its remedy button, which posts the
 * finding's id alone; an invalid diagnostics message is ignored. Needs `npm run build` first.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startHarness, send, pageErrors, posted, screenshotDir, type Harness } from './harness';
import { fixtureRun, FixtureHost, type FixtureRun } from './fixtures';
import { defaultDashboardState } from '../../src/webview/protocol';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

// Final metrics per run: [income accuracy, marital accuracy, age rmse].
const RUNS: Record<string, { weighting: 'equal' | 'uncertainty' | 'dwa'; seed: number; m: [number, number, number] }> = {
  'eq-1': { weighting: 'equal', seed: 1, m: [0.8, 0.7, 1.0] },
  'eq-2': { weighting: 'equal', seed: 2, m: [0.84, 0.72, 1.0] },
  'un-1': { weighting: 'uncertainty', seed: 1, m: [0.78, 0.74, 1.2] },
  'un-2': { weighting: 'uncertainty', seed: 2, m: [0.8, 0.76, 1.2] },
  'dw-1': { weighting: 'dwa', seed: 1, m: [0.77, 0.7, 0.9] },
  'dw-2': { weighting: 'dwa', seed: 2, m: [0.79, 0.72, 0.9] },
};

function fixture(): { host: FixtureHost; ids: string[]; runs: FixtureRun[] } {
  const runs = Object.entries(RUNS).map(([id, r]) => fixtureRun({ id, steps: 20, seed: r.seed, weighting: r.weighting }));
  const baselines = ['income', 'marital'].flatMap((task) => [1, 2].map((seed) => fixtureRun({ id: `base-${task}-${seed}`, steps: 20, seed, tasks: [{ name: task, type: 'classification' }] })));
  const host = new FixtureHost([...runs, ...baselines]);
  for (const [id, r] of Object.entries(RUNS)) {
    const v = host.views.get(id)!;
    v.finalMetrics = { income: { loss: 0.4, accuracy: r.m[0] }, marital: { loss: 0.5, accuracy: r.m[1] }, age: { loss: 1, rmse: r.m[2] } };
    v.study = { group: `g-${r.weighting}`, groupLabel: `hard · ${r.weighting}`, seed: r.seed, baselineOf: null, deltaM: null, deltaMReason: null };
  }
  // Baselines: income 0.81 / 0.83 (mean 0.82), marital 0.73 / 0.73.
  for (const [task, values] of [['income', [0.81, 0.83]], ['marital', [0.73, 0.73]]] as const) {
    values.forEach((accuracy, k) => {
      const v = host.views.get(`base-${task}-${k + 1}`)!;
      v.finalMetrics = { [task]: { loss: 0.4, accuracy } };
      v.study = { group: `b-${task}`, groupLabel: `baseline ${task}`, seed: k + 1, baselineOf: task, deltaM: null, deltaMReason: null };
    });
  }
  return { host, ids: [...host.views.keys()], runs };
}

interface Drawn {
  id: string;
  x: number;
  y: number;
  front: boolean;
  label: string;
}

async function points(page: Page): Promise<Drawn[]> {
  return page.$$eval('.pareto-point', (gs) => gs.map((g) => ({ id: g.getAttribute('data-id')!, x: Number(g.getAttribute('data-x')), y: Number(g.getAttribute('data-y')), front: g.getAttribute('data-front') === 'true', label: g.getAttribute('aria-label')! })));
}

/** The non-dominated ids by brute force; `better[k]` says whether higher is better on objective k. */
function front(values: Record<string, number[]>, better: boolean[]): string[] {
  const ge = (a: number, b: number, k: number) => (better[k] ? a >= b : a <= b);
  const dominated = (id: string) => Object.entries(values).some(([o, v]) => o !== id && v.every((x, k) => ge(x, values[id][k], k)) && v.some((x, k) => x !== values[id][k]));
  return Object.keys(values).filter((id) => !dominated(id)).sort();
}

async function select(page: Page, control: string, value: string): Promise<void> {
  await page.$eval(`vscode-single-select[data-control="${control}"]`, (e, v) => {
    (e as HTMLElement & { value: string }).value = v;
    e.dispatchEvent(new Event('change'));
  }, value);
}

test('Pareto card: groups with error bars, runs, the front, baselines, the pair picker and the hover', async () => {
  const { host, ids, runs } = fixture();
  const page = await harness.open({ theme: 'vscode-high-contrast', state: { ...defaultDashboardState(ids), groupView: 'std' }, runIds: ids });
  await send(page, host.init());
  await page.locator('.card-pareto').scrollIntoViewIfNeeded();

  // Groups: means of the two seeds; the front by brute force on those means.
  const mean = (id: string, k: number) => (RUNS[`${id}-1`].m[k] + RUNS[`${id}-2`].m[k]) / 2;
  const groups = { 'group:g-equal': 'eq', 'group:g-uncertainty': 'un', 'group:g-dwa': 'dw' } as const;
  let drawn = await points(page);
  assert.deepEqual(drawn.map((p) => p.id).sort(), Object.keys(groups).sort(), 'one point per group; baselines are not points');
  for (const p of drawn) {
    const g = groups[p.id as keyof typeof groups];
    assert.ok(Math.abs(p.x - mean(g, 0)) < 1e-12 && Math.abs(p.y - mean(g, 1)) < 1e-12, `${p.id} at its means`);
  }
  const expected = front(Object.fromEntries(Object.entries(groups).map(([id, g]) => [id, [mean(g, 0), mean(g, 1)]])), [true, true]);
  assert.deepEqual(drawn.filter((p) => p.front).map((p) => p.id).sort(), expected);
  assert.deepEqual(expected, ['group:g-equal', 'group:g-uncertainty']);
  assert.equal(await page.locator('.pareto-point[data-id="group:g-equal"] .pareto-bar').count(), 2, 'error bars on both axes');
  assert.deepEqual(await page.$$eval('.pareto-baseline', (ls) => ls.map((l) => l.getAttribute('data-baseline'))), ['income', 'marital']);
  assert.equal(await page.locator('.pareto-front').count(), 1);

  // Hover and keyboard focus name the point and its config difference (not the seed: groups merge seeds).
  await page.locator('.pareto-point[data-id="group:g-dwa"]').hover();
  assert.match((await page.locator('.pareto-detail').textContent()) ?? '', /^hard · dwa \(2 seeds\).*differs by loss\.weighting="dwa"$/);
  await page.locator('.pareto-point[data-id="group:g-equal"]').focus();
  assert.match((await page.locator('.pareto-detail').textContent()) ?? '', /hard · equal \(2 seeds\).*on the front/);
  await page.locator('.card-pareto').screenshot({ path: path.join(screenshotDir, 'pareto-high-contrast.png') });

  // Three tasks: the pair picker; age is an RMSE (lower is better).
  await select(page, 'pareto-y', 'age');
  drawn = await points(page);
  const ageFront = front(Object.fromEntries(Object.entries(groups).map(([id, g]) => [id, [mean(g, 0), mean(g, 2)]])), [true, false]);
  assert.deepEqual(drawn.filter((p) => p.front).map((p) => p.id).sort(), ageFront);
  assert.deepEqual(ageFront, ['group:g-dwa', 'group:g-equal']);
  assert.equal(await page.locator('.pareto-baseline').count(), 1, 'only the income baseline (age has none)');

  // Each run: six points, the front of the runs themselves.
  await select(page, 'pareto-y', 'marital');
  await select(page, 'group-view', 'runs');
  drawn = await points(page);
  assert.equal(drawn.length, 6);
  assert.deepEqual(drawn.filter((p) => p.front).map((p) => p.id).sort(), front(Object.fromEntries(Object.entries(RUNS).map(([id, r]) => [id, [r.m[0], r.m[1]]])), [true, true]));
  assert.match(drawn.find((p) => p.id === 'eq-1')!.label, /census-mtl · eq-1.*differs by loss\.weighting="equal", seed=1/);

  // Trajectory mode: a path per multi-task run through the two train losses, ending at the latest logged ones.
  await select(page, 'pareto-mode', 'trajectories');
  const paths = await page.$$eval('.pareto-path', (gs) => gs.map((g) => ({ run: g.getAttribute('data-run')!, x: Number(g.getAttribute('data-last-x')), y: Number(g.getAttribute('data-last-y')), n: Number(g.getAttribute('data-points')) })));
  assert.deepEqual(paths.map((p) => p.run).sort(), Object.keys(RUNS).sort(), 'baselines have no path');
  for (const p of paths) {
    const last = runs.find((r) => r.info.id === p.run)!.records.filter((r) => r.kind === 'train').at(-1)!;
    assert.ok(last.kind === 'train' && p.x === last.losses.income && p.y === last.losses.marital, `${p.run} ends at its last losses`);
    assert.equal(p.n, 20, 'every logged step (20 ≤ 200 points)');
  }

  assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
  assert.deepEqual(pageErrors(page), []);
  await page.close();
});

test('Pareto card: Export as PNG posts the drawn view, its points in their colours on the theme background', async () => {
  const { host, ids } = fixture();
  const page = await harness.open({ theme: 'vscode-dark', state: { ...defaultDashboardState(ids), groupView: 'std' }, runIds: ids });
  await send(page, host.init());
  await page.locator('.card-pareto [data-action="export-pareto-png"]').click();
  const message = await (async () => {
    for (let i = 0; i < 50; i++) {
      const m = (await posted(page)).find((x) => x.type === 'exportPng');
      if (m) return m as { type: string; suggestedName: string; dataUrl: string };
      await page.waitForTimeout(100);
    }
    throw new Error('no exportPng message');
  })();
  assert.equal(message.suggestedName, 'Pareto-income-marital.png');
  const png = Buffer.from(message.dataUrl.slice('data:image/png;base64,'.length), 'base64');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  const svgSize = await page.$eval('.card-pareto svg', (svg) => [Number(svg.getAttribute('width')), Number(svg.getAttribute('height'))]);
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], svgSize.map((v) => v * 2), 'IHDR: twice the drawn size');
  // Read the image back: the background pixel is the theme's, and the centre of each filled (front) point has
  // the point's colour (the stylesheet's look was carried into the image). tsx names the helpers with __name.
  await page.evaluate('window.__name = (f) => f');
  const check = await page.evaluate(async (url) => {
    const image = new Image();
    await new Promise((r) => ((image.onload = r), (image.src = url)));
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(image, 0, 0);
    const rgb = (x: number, y: number) => [...ctx.getImageData(x, y, 1, 1).data.slice(0, 3)];
    const parse = (css: string) => (css.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    const background = parse(getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim().replace(/^#(..)(..)(..)$/, (_, r, g, b) => `${parseInt(r, 16)},${parseInt(g, 16)},${parseInt(b, 16)}`));
    const filled = [...document.querySelectorAll('.pareto-point[data-front="true"] circle')].map((c) => ({ at: rgb(2 * Number(c.getAttribute('cx')), 2 * Number(c.getAttribute('cy'))), fill: parse(getComputedStyle(c).fill) }));
    const frame = document.querySelector('.card-pareto .pareto-frame')!;
    const inside = rgb(2 * (Number(frame.getAttribute('x')) + 3), 2 * (Number(frame.getAttribute('y')) + 3));
    return { corner: rgb(1, 1), inside, background, filled };
  }, message.dataUrl);
  assert.deepEqual(check.corner, check.background, 'the theme background');
  assert.deepEqual(check.inside, check.background, 'the plot frame is unfilled, as on screen (an SVG rect without its stylesheet fills black)');
  assert.ok(check.filled.length >= 2, 'front points');
  for (const f of check.filled) assert.ok(f.at.every((v, k) => Math.abs(v - f.fill[k]) <= 2), `point colour ${f.at} ≈ ${f.fill}`);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
  assert.deepEqual(pageErrors(page), []);
  await page.close();
});

test('Diagnostics card: each finding with its remedy; the button (mouse or keyboard) posts the finding id', async () => {
  const { host, ids } = fixture();
  const page = await harness.open({ state: defaultDashboardState(ids), runIds: ids });
  await send(page, host.init());
  // Invalid (an id that is not one the host gives): ignored, and no card appears.
  await send(page, { type: 'diagnostics', findings: [{ id: '../x', group: 'g', message: 'm', remedy: 'r', why: 'w', file: '/f' }] });
  assert.equal(await page.locator('.card-diagnostics').count(), 0);
  const findings = [
    { id: 'f0', group: 'hard · equal', message: 'the task losses differ by 50.0× at the first logged step', remedy: '"sweep": {"loss.weighting":["uncertainty","gradnorm"]}', why: 'scale-free weightings', file: '/ws/census.mtl.json' },
    { id: 'f1', group: 'hard · dwa', message: 'tasks income × age conflict on 70 % of 40 logged steps', remedy: '"sweep": {"loss.weighting":["pcgrad","cagrad"]}', why: 'PCGrad projects', file: '/ws/census.mtl.json' },
  ];
  await send(page, { type: 'diagnostics', findings });
  const items = page.locator('.card-diagnostics .finding');
  assert.equal(await items.count(), 2);
  assert.match((await items.nth(0).textContent()) ?? '', /hard · equal: the task losses differ by 50\.0×.*Remedy: scale-free weightings/);
  await page.locator('[data-action="apply-remedy"][data-finding="f1"]').click();
  await page.locator('[data-action="apply-remedy"][data-finding="f0"]').focus();
  await page.keyboard.press('Enter');
  const sent = (await page.evaluate(() => (window as unknown as { __posted: { type: string; findingId?: string }[] }).__posted)).filter((m) => m.type === 'applyRemedy');
  assert.deepEqual(sent, [{ type: 'applyRemedy', findingId: 'f1' }, { type: 'applyRemedy', findingId: 'f0' }]);
  await send(page, { type: 'diagnostics', findings: [] });
  assert.match((await page.locator('.card-diagnostics').textContent()) ?? '', /No findings/);
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations), []);
  assert.deepEqual(pageErrors(page), []);
  await page.close();
});
