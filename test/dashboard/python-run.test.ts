/**
 * A run written by the Python logger — standalone, so its config.json is the script's own dict, not an experiment —
 * is drawn by the dashboard like MTL Lab's own: loss curves with the logged values, the weights card with its
 * collapse alert, the attention and gradient-cosine cards from the named matrices. Needs `npm run build` first and
 * Debian's python3 (no PyTorch).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PYTHON } from '../../scripts/ensure-python';
import { inkedFraction, pageErrors, startHarness, type Harness } from './harness';
import { drawnDashboard, runsFromDirectory } from './runDirectoryCharts';
import { fixtureRun } from './fixtures';

const SCRIPT = `
import sys
sys.path.insert(0, sys.argv[1])
import mtl_lab
with mtl_lab.open_run("torch-run", config={"lr": 0.1, "hidden": 50}, runs_dir=sys.argv[2], total_steps=4, collapse_alert=True) as run:
    for s, (wa, wb) in zip((1, 2, 3, 4), ((0.5, 0.5), (0.7, 0.3), (0.8, 0.2), (0.95, 0.05))):
        att = mtl_lab.matrix([[0.6 + s / 100, 0.0], [0.0, 0.4 - s / 100]], ["a", "b"], ["0", "1"], "Attention",
                             description="each task's attention on its own tower", row_axis="task", column_axis="tower")
        run.train(s, {"a": 2.0 / s, "b": 1.0 / s}, weights={"a": wa, "b": wb},
                  matrices={"attention": att}, conflict=[[1.0, -0.2 * s], [-0.2 * s, 1.0]])
    run.eval(4, {"a": {"loss": 1.5, "accuracy": 0.5}, "b": {"loss": 2.5, "rmse": 0.3}})
`;

let harness: Harness;
let runsDir: string;
before(async () => {
  runsDir = mkdtempSync(path.join(os.tmpdir(), 'mtl-dash-py-'));
  execFileSync(PYTHON, ['-c', SCRIPT, path.resolve(__dirname, '../../python'), runsDir]);
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
  rmSync(runsDir, { recursive: true, force: true });
});

test('the dashboard draws a Python run: losses, weights with the collapse alert, attention and gradient cosines', async () => {
  const runs = runsFromDirectory(runsDir);
  assert.equal(runs.length, 1);
  const { page, drawn } = await drawnDashboard(harness, runs);
  assert.deepEqual(pageErrors(page), []);
  const chart = (id: string) => drawn.charts.find((c) => c.id === id)?.drawn ?? [];
  const line = (id: string, label: string) => chart(id).find((d) => d.label === label);
  // Each task's loss curve is the logged values at the logged steps; the validation point is the eval record's.
  assert.deepEqual(line('loss:a', 'torch-run train'), { label: 'torch-run train', x: [1, 2, 3, 4], y: [2, 1, 2 / 3, 0.5] });
  assert.deepEqual(line('loss:b', 'torch-run validation')?.y, [2.5]);
  assert.deepEqual(line('loss:total', 'torch-run')?.y, [2 * 0.5 + 1 * 0.5, 1 * 0.7 + 0.5 * 0.3, (2 / 3) * 0.8 + (1 / 3) * 0.2, 0.5 * 0.95 + 0.25 * 0.05]);
  assert.deepEqual(chart(`weights:${runs[0]!.info.id}`).map((d) => [d.label, d.y]), [['a', [0.5, 0.7, 0.8, 0.95]], ['b', [0.5, 0.3, 0.2, 0.05]]]);
  assert.deepEqual(line('val:a/accuracy', 'torch-run')?.y, [0.5]);
  assert.deepEqual(line('val:b/rmse', 'torch-run')?.y, [0.3]);
  // The named matrices: their cards, heatmaps at the latest step, and lines over the steps.
  assert.ok(drawn.cards.includes('attention') && drawn.cards.includes('conflict'), drawn.cards.join(', '));
  assert.deepEqual(drawn.heatmaps.find((h) => h.kind === 'attention')?.rows, [[0.6 + 4 / 100, 0], [0, 0.4 - 4 / 100]]); // as Python computed them
  assert.deepEqual(drawn.heatmaps.find((h) => h.kind === 'conflict')?.rows, [[1, -0.8], [-0.8, 1]]);
  assert.deepEqual(line('conflict:lines', 'a · b')?.x, [1, 2, 3, 4]);
  assert.ok((await inkedFraction(page, 'vscode-collapsible[data-card="attention"] figure.heatmap canvas')) > 0.05, 'attention heatmap drawn');
  // The logger's collapse alert (max weight 0.95 > 0.9 at step 4) is the weights card's alert.
  assert.match((await page.locator('.alerts .alert').textContent()) ?? '', /collapsed at step 4 onto 'a'/);
  await page.close();
});

test('a Python run and a built-in run compared in one dashboard: each task chart holds both runs', async () => {
  const builtIn = fixtureRun({ id: 'builtin-20250101-120000-aaaa', name: 'builtin', steps: 8, evalEvery: 4, tasks: [{ name: 'a', type: 'regression' }, { name: 'b', type: 'regression' }] });
  const [python] = runsFromDirectory(runsDir);
  const { page, drawn } = await drawnDashboard(harness, [python!, builtIn]);
  assert.deepEqual(pageErrors(page), []);
  for (const task of ['a', 'b']) {
    const lines = drawn.charts.find((c) => c.id === `loss:${task}`)?.drawn ?? [];
    // Runs are told apart by name and id when several are shown.
    const train = (run: { info: { name: string; id: string } }) => lines.find((d) => d.label === `${run.info.name} · ${run.info.id} train`);
    assert.deepEqual(train(python!)?.x, [1, 2, 3, 4], `loss:${task}: the Python run; lines: ${JSON.stringify(lines.map((d) => d.label))}`);
    assert.deepEqual(train(python!)?.y, [2 / 1, 2 / 2, 2 / 3, 2 / 4].map((v) => (task === 'a' ? v : v / 2)));
    assert.deepEqual(train(builtIn)?.x, [1, 2, 3, 4, 5, 6, 7, 8], `loss:${task}: the built-in run`);
    const logged = builtIn.records.flatMap((r) => (r.kind === 'train' ? [r.losses[task]!] : []));
    assert.deepEqual(train(builtIn)?.y, logged);
  }
  await page.close();
});
