/**
 * The dashboard's Diagnostics card, host side: the findings of the panel's study groups are posted with ids, and
 * a remedy is resolved only from what was offered to that webview (a forged or stale id is refused, and so is
 * an untrusted workspace); findings are posted again only when another run has ended.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { offeredRemedy, sendStudyDiagnostics } from '../../src/extension/study/dashboardDiagnostics';
import type { RunSnapshot } from '../../src/extension/dashboard/dataSource';
import { parseHostMessage, parseWebviewMessage } from '../../src/webview/protocol';
import { config } from '../helpers/engine';
import type { RunInfo } from '../../src/training/run/records';

/** A completed study run whose first logged losses are 50 and 1 (a 50× imbalance). */
function run(root: string, id: string, seed: number): RunSnapshot {
  const runDir = path.join(root, id);
  mkdirSync(runDir);
  const train = { kind: 'train', step: 1, epoch: 0, time: 1, losses: { a: 50, b: 1 }, totalLoss: 51, weights: { a: 1, b: 1 }, samplesPerSecond: 1 };
  writeFileSync(path.join(runDir, 'metrics.jsonl'), `${JSON.stringify(train)}\n`);
  const summary = { metrics: { a: { loss: 1, rmse: 1 }, b: { loss: 1, rmse: 1 } }, stepsPerSecond: 1, backend: 'cpu', steps: 1, bestStep: null };
  const info = { version: 1, id, name: 's', experimentFile: '/ws/s.mtl.json', status: 'completed', createdAt: id, startedAt: id, endedAt: id, backend: 'cpu', pid: null, step: 1, totalSteps: 1, overrides: [], error: null, summary, baselines: { a: 'ka', b: 'kb' } } as unknown as RunInfo;
  return { info, runDir, config: { ...config({}), seed } };
}

test('dashboard diagnostics: findings posted with ids; a remedy only for an offered id, in a trusted workspace', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'mtl-diag-'));
  const runs = [run(root, 'r1', 1), run(root, 'r2', 2)];
  const posted: unknown[] = [];
  const webview = { postMessage: async (m: unknown) => (posted.push(m), true) };
  sendStudyDiagnostics(webview, runs, ['r1', 'r2'], true);
  assert.equal(posted.length, 1);
  const message = parseHostMessage(posted[0]);
  assert.ok(message?.type === 'diagnostics', 'a valid diagnostics message');
  const imbalance = message.findings.find((f) => /differ by 50\.0×/.test(f.message));
  assert.ok(imbalance, JSON.stringify(message.findings));
  assert.match(imbalance.remedy, /^"sweep": \{"loss\.weighting":\[/);

  // The button's message carries the id alone; the host resolves file and sweep from what it offered.
  assert.ok(parseWebviewMessage({ type: 'applyRemedy', findingId: imbalance.id }));
  assert.equal(parseWebviewMessage({ type: 'applyRemedy', findingId: imbalance.id, sweep: {} })?.type, 'applyRemedy', 'extra fields are ignored, never used');
  assert.equal(parseWebviewMessage({ type: 'applyRemedy', findingId: '../etc' }), undefined);
  const remedy = offeredRemedy(webview, imbalance.id, false);
  assert.equal(remedy.configPath, '/ws/s.mtl.json');
  assert.ok(Array.isArray(remedy.sweep['loss.weighting']));
  assert.throws(() => offeredRemedy(webview, 'f99', false), /no finding f99 was offered/);
  assert.throws(() => offeredRemedy({ postMessage: webview.postMessage }, imbalance.id, false), /was offered/, 'another webview was offered nothing');
  assert.throws(() => offeredRemedy(webview, imbalance.id, true), /not trusted/);

  // Sent again only when another run of the panel has ended.
  sendStudyDiagnostics(webview, runs, ['r1', 'r2']);
  assert.equal(posted.length, 1);
  runs.push(run(root, 'r3', 3));
  sendStudyDiagnostics(webview, runs, ['r1', 'r2', 'r3']);
  assert.equal(posted.length, 2);
});
