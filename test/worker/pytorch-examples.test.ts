/**
 * The article's PyTorch listings (examples/pytorch/) with the logger lines, run by `mtl-lab train` (dist/cli.js) on
 * Debian's python3-torch, small: each completes, every line is a record of the format, and what it logged is what
 * the script computed — the last validation metrics equal a recomputation from the saved model on regenerated data
 * (test/fixtures/verify_pytorch_example.py, which shares no code path with the logging), the total loss is the
 * weighted sum of the logged losses, the attention and conflict matrices have their defining properties.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EvalRecord, TrainRecord } from '../../src/training/run/records';
import { parseRecords } from '../../src/training/run/metricsTail';
import { PYTHON } from '../../scripts/ensure-python';
import { copyExample } from '../../src/extension/examples/copyExample';

const root = path.resolve(__dirname, '../..');
const cliJs = path.join(root, 'dist/cli.js');
const SAMPLES = 200;
const SEED = 42;
let tmp: string;
before(() => {
  assert.ok(existsSync(cliJs), 'dist/cli.js must be built first (npm run build)');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mtl-pytorch-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Trains the example for 2 epochs of 160 samples (10 steps) and returns its run directory and records. */
function train(example: string): { runDir: string; trains: TrainRecord[]; evals: EvalRecord[]; codes: string[] } {
  const out = execFileSync(process.execPath, [cliJs, 'train', path.join(root, 'examples/pytorch', `${example}.mtl.json`), '--python', PYTHON, '--runs-dir', tmp, '--json', '--set', 'program.params.epochs=2', '--set', `program.params.samples=${SAMPLES}`], { encoding: 'utf8' });
  const result = JSON.parse(out) as { runDir: string; status: string; error: unknown };
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  const parsed = parseRecords(readFileSync(path.join(result.runDir, 'metrics.jsonl')));
  assert.equal(parsed.skipped, 0, 'every line is a record of the format');
  const trains = parsed.records.filter((r): r is TrainRecord => r.kind === 'train');
  assert.deepEqual(trains.map((r) => r.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const evals = parsed.records.filter((r): r is EvalRecord => r.kind === 'eval');
  assert.deepEqual(evals.map((r) => r.step), [5, 10]);
  return { runDir: result.runDir, trains, evals, codes: parsed.records.flatMap((r) => (r.kind === 'event' ? [r.code as string] : [])) };
}

function assertFinalMetricsRecomputed(module: string, runDir: string, last: EvalRecord): void {
  const recomputed = JSON.parse(execFileSync(PYTHON, [path.join(root, 'test/fixtures/verify_pytorch_example.py'), module, runDir, String(SAMPLES), String(SEED)], { encoding: 'utf8' })) as { metrics: Record<string, { loss: number; accuracy: number }> };
  for (const task of ['task1', 'task2']) {
    assert.ok(Math.abs(last.metrics[task]!.loss - recomputed.metrics[task]!.loss) < 1e-5, `${task} loss ${last.metrics[task]!.loss} vs ${recomputed.metrics[task]!.loss}`);
    assert.ok(Math.abs(last.metrics[task]!.accuracy! - recomputed.metrics[task]!.accuracy) < 1e-6, `${task} accuracy (float32 in the script)`);
  }
}

describe('the article\'s PyTorch examples through mtl-lab train', () => {
  it('hard sharing: total = L1 + L2, gradient cosines every 10th step, final metrics recomputed', () => {
    const { runDir, trains, evals } = train('hard-sharing');
    for (const r of trains) assert.ok(Math.abs(r.totalLoss - (r.losses.task1! + r.losses.task2!)) < 1e-5, `step ${r.step}`);
    const conflict = trains.filter((r) => r.matrices?.conflict).map((r) => r.step);
    assert.deepEqual(conflict, [10]);
    const c = trains[9]!.matrices!.conflict!;
    assert.ok(Math.abs(c[0]![0]! - 1) < 1e-9 && Math.abs(c[1]![1]! - 1) < 1e-9 && c[0]![1] === c[1]![0] && Math.abs(c[0]![1]!) <= 1);
    assert.equal(trains[9]!.matrixInfo?.conflict?.unit, 'cosine');
    assertFinalMetricsRecomputed('hard_sharing', runDir, evals.at(-1)!);
  });

  it('soft attention: the attention matrix on every record (softmax: the two weights sum to 1), final metrics recomputed', () => {
    const { runDir, trains, evals } = train('soft-attention');
    assert.deepEqual(trains[0]!.matrixInfo?.attention?.rows, ['task1', 'task2']);
    for (const r of trains) {
      const a = r.matrices!.attention!;
      assert.equal(a[0]![1], 0);
      assert.ok(Math.abs(a[0]![0]! + a[1]![1]! - 1) < 1e-6, `step ${r.step}: ${JSON.stringify(a)}`);
    }
    assertFinalMetricsRecomputed('soft_attention', runDir, evals.at(-1)!);
  });

  it('learned softmax: weights are a softmax (sum 1), total = Σ w·L with the logged weights, final metrics recomputed', () => {
    const { runDir, trains, evals } = train('learned-softmax');
    for (const r of trains) {
      assert.ok(Math.abs(r.weights.task1! + r.weights.task2! - 1) < 1e-9);
      assert.ok(Math.abs(r.totalLoss - (r.weights.task1! * r.losses.task1! + r.weights.task2! * r.losses.task2!)) < 1e-5, `step ${r.step}`);
    }
    // Adam moves the logits from equal weights: the logged weights change.
    assert.equal(trains[0]!.weights.task1, 0.5);
    assert.notEqual(trains[9]!.weights.task1, 0.5);
    assertFinalMetricsRecomputed('learned_softmax', runDir, evals.at(-1)!);
  });

  it('copied into a workspace by Open Examples, an example runs there with the logger copied beside it', async () => {
    const workspace = path.join(tmp, 'workspace');
    const copied = await copyExample(path.join(root, 'examples'), 'pytorch/hard-sharing.mtl.json', path.join(workspace, 'examples'));
    const out = execFileSync(process.execPath, [cliJs, 'train', copied, '--python', PYTHON, '--runs-dir', path.join(workspace, 'runs'), '--json', '--set', 'program.params.epochs=1', '--set', 'program.params.samples=40'], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: '' } });
    const result = JSON.parse(out) as { status: string; error: unknown };
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
  });
});
