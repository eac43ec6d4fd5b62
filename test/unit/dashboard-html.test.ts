import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, dashboardHtml, makeNonce } from '../../src/extension/dashboard/html';
import { DashboardModel } from '../../src/webview/model';
import { FixtureHost, fixtureRun } from '../dashboard/fixtures';

test('the page allows only the nonce script and extension styles, fonts and images', () => {
  const csp = contentSecurityPolicy('https://ext.vscode-cdn.net', 'abc');
  assert.equal(csp, "default-src 'none'; script-src 'nonce-abc'; style-src https://ext.vscode-cdn.net; font-src https://ext.vscode-cdn.net; img-src https://ext.vscode-cdn.net data:");
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const html = dashboardHtml({ cspSource: 'https://ext', nonce: 'n"1', scriptUri: 'https://ext/d.js', styleUri: 'https://ext/d.css', codiconUri: 'https://ext/c.css' });
  assert.match(html, /<script nonce="n&quot;1" src="https:\/\/ext\/d.js"><\/script>/);
  assert.match(html, /id="vscode-codicon-stylesheet"/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.doesNotMatch(html, /style="/);
});

test('nonces are fresh and long enough', () => {
  const a = makeNonce();
  assert.notEqual(a, makeNonce());
  assert.ok(Buffer.from(a, 'base64').length >= 16);
});

test('the webview model mirrors the host series exactly through init and appends', () => {
  const run = fixtureRun({ id: 'm', steps: 3000, architecture: 'routing', conflictEvery: 7 });
  const host = new FixtureHost([{ ...run, records: run.records.filter((r) => r.step <= 500) }], 64);
  const model = new DashboardModel();
  model.apply(host.init());
  for (let from = 500; from < 3000; from += 250) {
    const changes = model.apply(host.append('m', run.records.filter((r) => r.step > from && r.step <= from + 250 && r.kind !== 'event')));
    assert.ok(changes.series.size > 0 && !changes.reset);
  }
  const store = host.stores.get('m')!;
  for (const key of store.keys()) assert.deepEqual(model.points('m', key), (store as unknown as { series: Map<string, { all(): unknown }> }).series.get(key)!.all(), key);
  assert.equal(model.latest('m', 'loss/income'), run.records.filter((r) => r.kind === 'train').at(-1)!.kind === 'train' ? (run.records.filter((r) => r.kind === 'train').at(-1) as { losses: Record<string, number> }).losses.income : NaN);
  assert.ok((model.stepsPerSecond('m') ?? 0) > 0);
  const removed = model.apply({ type: 'runs', runs: [], removed: ['m'] });
  assert.ok(removed.reset && model.points('m', 'total') === undefined);
});

test('live updates are throttled to one flush per interval, the first one immediate', async () => {
  const { Throttle, FLUSH_INTERVAL_MS } = await import('../../src/extension/dashboard/throttle');
  // A simulated clock: timers fire in order as time advances, so the test does not depend on machine load.
  let now = 0;
  let timers: { at: number; fn: () => void }[] = [];
  const clock = { now: () => now, after: (ms: number, fn: () => void) => { const t = { at: now + ms, fn }; timers.push(t); return () => (timers = timers.filter((x) => x !== t)); } };
  const advance = (to: number) => {
    for (;;) {
      const next = timers.filter((t) => t.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      timers = timers.filter((t) => t !== next);
      now = next.at;
      next.fn();
    }
    now = to;
  };
  const flushes: number[] = [];
  const throttle = new Throttle(FLUSH_INTERVAL_MS, () => flushes.push(now), clock);
  // A worker logging a record every 2 ms for 3 seconds.
  for (let t = 0; t < 3000; t += 2) {
    advance(t);
    throttle.request();
  }
  advance(4000);
  assert.equal(flushes[0], 0, 'the first update goes out at once');
  for (let i = 1; i < flushes.length; i++) assert.ok(flushes[i] - flushes[i - 1] >= FLUSH_INTERVAL_MS, `flushes at ${flushes[i - 1]} and ${flushes[i]} ms`);
  assert.equal(flushes.length, 13, '3 s of records → 13 flushes (≤ 4 a second)');
  assert.equal(FLUSH_INTERVAL_MS, 250);
  throttle.request();
  throttle.dispose();
  advance(10_000);
  assert.equal(flushes.length, 13, 'nothing runs after dispose');
});
