/**
 * Every shipped example trains end to end through the real CLI bundle (shortened with --set so the
 * suite stays quick; the full runs are the README's quick start).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunInfo } from '../../src/training/run/records';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import { isTextExample, textSample } from '../helpers/textSample';

const root = path.resolve(__dirname, '../..');
const examples = readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.mtl.json'));
let runsDir: string;
before(() => (runsDir = mkdtempSync(path.join(os.tmpdir(), 'mtl-examples-'))));
after(() => rmSync(runsDir, { recursive: true, force: true }));

describe('examples', () => {
  it('ships the article\'s four listings on its random data and on synthetic data, a routing, a CSV, four text examples, two studies and the affinity pairs', () => {
    for (const name of ['article-hard-sharing', 'article-soft-attention', 'article-learned-softmax', 'article-static-weights', 'synthetic-hard-sharing', 'synthetic-soft-attention', 'synthetic-learned-softmax', 'synthetic-static-weights', 'routing-mmoe', 'orchard', 'weighting-sweep', 'synthetic-cross-stitch', 'debian-hard-sharing', 'debian-task-attention', 'debian-lora', 'debian-learned-softmax', 'sharing-study', 'affinity-pairs', 'debian-study']) {
      assert.ok(examples.includes(`${name}.mtl.json`), name);
    }
  });

  it('weighting-sweep.mtl.json: mtl-lab sweep trains its eight combinations, each with its weighting and seed', () => {
    const sweepRuns = path.join(runsDir, 'sweep');
    const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'sweep', path.join('examples', 'weighting-sweep.mtl.json'), '--runs-dir', sweepRuns, '--json', '--set', 'training.epochs=1', '--set', 'data.samples=1500'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as (RunInfo & { runDir: string })[];
    assert.equal(runs.length, 8);
    assert.ok(runs.every((run) => run.status === 'completed'));
    const resolved = runs.map((run) => JSON.parse(readFileSync(path.join(run.runDir, 'config.json'), 'utf8')) as { loss: { weighting: string }; seed: number });
    assert.deepEqual(resolved.map((c) => `${c.loss.weighting}/${c.seed}`), ['equal/1', 'equal/2', 'uncertainty/1', 'uncertainty/2', 'dwa/1', 'dwa/2', 'gradnorm/1', 'gradnorm/2']);
  });

  it('weighting-sweep.mtl.json: mtl-lab train --point N trains the sweep\'s N-th combination (what a Slurm array task runs)', () => {
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'train', path.join('examples', 'weighting-sweep.mtl.json'), '--runs-dir', path.join(runsDir, 'point'), '--json', '--set', 'training.epochs=1', '--set', 'data.samples=1500', ...args], { cwd: root, encoding: 'utf8' });
    const r = cli('--point', '5');
    assert.equal(r.status, 0, r.stderr);
    const run = JSON.parse(r.stdout) as RunInfo & { runDir: string };
    assert.deepEqual(run.overrides, ['training.epochs=1', 'data.samples=1500', 'loss.weighting="dwa"', 'seed=2']);
    const config = JSON.parse(readFileSync(path.join(run.runDir, 'config.json'), 'utf8')) as { loss: { weighting: string }; seed: number };
    assert.equal(`${config.loss.weighting}/${config.seed}`, 'dwa/2');
    const beyond = cli('--point', '8');
    assert.equal(beyond.status, 2);
    assert.match(beyond.stderr, /--point 8: the sweep has 8 points \(0-7\)/);
  });

  for (const file of examples) {
    it(`${file} trains`, () => {
      const text = readFileSync(path.join(root, 'examples', file), 'utf8');
      const sets = ['--set', 'training.epochs=1'];
      if (text.includes('"mmoe"')) sets.push('--set', 'data.samples=1500');
      // Text examples: the first 300 rows of their data and a small vocabulary (the full file is 63 692 texts).
      if (isTextExample(text)) sets.push('--set', `data.path=${textSample(text, runsDir)}`, '--set', 'data.tokenizer.vocabSize=400');
      const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), 'train', path.join('examples', file), '--runs-dir', runsDir, '--json', ...sets], { cwd: root, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const info = JSON.parse(r.stdout) as RunInfo & { runDir: string };
      assert.equal(info.status, 'completed');
      assert.ok(info.summary && Object.keys(info.summary.metrics).length >= 2);
      const records = readRecordsSync(info.runDir);
      const train = records.find((x) => x.kind === 'train');
      assert.ok(train && train.kind === 'train');
      if (text.includes('"soft"')) assert.ok(train.matrices?.attention, 'soft sharing logs attention');
      if (text.includes('"routing"')) assert.ok(train.matrices?.gates, 'routing logs gates');
      if (text.includes('"cross-stitch"')) assert.ok(train.matrices?.['cross-stitch/0'], 'cross-stitch logs its mixing matrices');
      if (text.includes('"affinityEvery"')) assert.ok(train.matrices?.affinity && train.matrices['affinity-mean'] && train.matrices['affinity-approx'] && info.summary.affinity, 'affinity logs its matrices and summary');
      if (text.includes('"sharing": "task-attention"')) assert.ok(train.matrices?.['token-attention'], 'task attention logs its attention over tokens');
      if (text.includes('"softmax"')) {
        // Learned softmax weights: one per task, a softmax (summing to 1), moved off their equal start.
        const trains = records.filter((x) => x.kind === 'train');
        const last = trains.at(-1)!;
        assert.ok(last.kind === 'train');
        const w = Object.values(last.weights);
        assert.equal(w.length, Object.keys(info.summary.metrics).length);
        assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-5, `weights ${w}`);
        assert.ok(w.some((v) => Math.abs(v - w[0]) > 1e-7), `weights moved: ${w}`);
      }
      if (text.includes('"text":')) assert.ok(existsSync(path.join(info.runDir, 'tokenizer.json')), 'a text run keeps its tokenizer');
    });
  }
});
