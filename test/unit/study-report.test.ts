/** Report tables (Markdown, LaTeX booktabs) and the live progress block of `mtl-lab study`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunGroup } from '../../src/training/study/compare';
import { reportLatex, reportMarkdown } from '../../src/training/study/report';
import { progressLines } from '../../src/training/study/progressView';

const tasks = [{ name: 'acc_task', type: 'classification' as const }, { name: 'reg', type: 'regression' as const }];
const groups = [
  { key: 'b1', label: 'e-stl-acc_task', baselineOf: 'acc_task', runs: [], taskDeltas: {}, metrics: { acc_task: { mean: 0.5, std: 0.1, n: 3 } } },
  { key: 'b2', label: 'e-stl-reg', baselineOf: 'reg', runs: [], taskDeltas: {}, metrics: { reg: { mean: 1.5, std: 0.25, n: 3 } } },
  { key: 'm1', label: 'e loss.weighting="pcgrad" 50%_off', runs: [], taskDeltas: {}, metrics: { acc_task: { mean: 0.6, std: 0.05, n: 3 }, reg: { mean: 1.2, std: 0.1, n: 3 } }, deltaM: { mean: 20, std: 2.5, n: 3 } },
  { key: 'm2', label: 'e', runs: [], taskDeltas: {}, metrics: {}, deltaMReason: 'no run of the group has finished' },
] as RunGroup[];

test('Markdown: baselines as the reference row, then each method; accuracy in percent; Δm signed with its convention', () => {
  const md = reportMarkdown(groups, tasks, 'Study e');
  const lines = md.split('\n');
  assert.equal(lines[2], '| method | acc_task accuracy (%) ↑ | reg RMSE ↓ | Δm (%) ↑ | seeds |');
  assert.equal(lines[4], '| single-task baselines | 50.00 ± 10.00 | 1.50 ± 0.25 | 0 (reference) | 3 |');
  assert.equal(lines[5], '| e loss.weighting="pcgrad" 50%_off | 60.00 ± 5.00 | 1.20 ± 0.10 | +20.00 ± 2.50 | 3 |');
  assert.equal(lines[6], '| e | — | — | undefined: no run of the group has finished | 0 |');
  assert.match(md, /positive = better/);
  // Accuracy 60 > 50 and RMSE 1.2 < 1.5: the method dominates the baselines; the unfinished group takes no part.
  assert.match(md, /Pareto front of the tasks' mean metrics .*: e loss\.weighting="pcgrad" 50%_off\.$/m);
});

test('LaTeX: booktabs rules, math-mode mean ± std, special characters escaped', () => {
  const texText = reportLatex(groups, tasks, 'Study e');
  for (const rule of ['\\toprule', '\\midrule', '\\bottomrule', '\\begin{tabular}{lrrr}']) assert.ok(texText.includes(rule), rule);
  assert.ok(texText.includes('Method & acc\\_task accuracy (\\%) $\\uparrow$ & reg RMSE $\\downarrow$ & $\\Delta_m$ (\\%) $\\uparrow$ \\\\'));
  assert.ok(texText.includes('single-task baselines & $50.00 \\pm 10.00$ & $1.50 \\pm 0.25$ & 0 \\\\'));
  assert.ok(texText.includes('e loss.weighting="pcgrad" 50\\%\\_off & $60.00 \\pm 5.00$ & $1.20 \\pm 0.10$ & $+20.00 \\pm 2.50$ \\\\'));
  // Balanced braces and environments.
  assert.equal((texText.match(/\{/g) ?? []).length, (texText.match(/\}/g) ?? []).length);
  assert.equal((texText.match(/\\begin/g) ?? []).length, (texText.match(/\\end\{/g) ?? []).length);
});

test('the live progress block: the study line, then per run its step, rate, ETA and latest losses', () => {
  const lines = progressLines([{ label: 'seed = 1', step: 50, total: 150, startedAt: 0, losses: { a: 0.12345, b: 12000 } }], { done: 2, failed: 1, queued: 3, total: 6 }, 10_000);
  assert.deepEqual(lines, ['study: 2/6 done, 1 running, 3 queued, 1 failed', '  seed = 1: step 50/150 (33%), 5.0 steps/s, ETA 20s, loss a 0.123, b 1.20e+4']);
});
