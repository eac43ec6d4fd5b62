/**
 * `mtl-lab study` through the real CLI bundle on tiny configs: baselines trained once per task and seed and
 * reused by the next study, retrained when a setting that matters changes or a baseline was deleted; Δm and
 * the group statistics recomputed here from the run files alone; a baseline that cannot be built named with
 * its reason while the rest trains; forked workers (--jobs 2) and in-process runs (--jobs 1) alike.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
let dir: string;
before(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-study-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

const tiny = (extra: string) => `// two related regression tasks, two weightings × two seeds
{
  "name": "tiny",
  "data": { "source": "synthetic", "generator": "mmoe", "samples": 300, "inputDim": 6, "correlation": 0.9, "validationSplit": 0.5 },
  "tasks": [ { "name": "a", "type": "regression" }, { "name": "b", "type": "regression" } ],
  "model": { "architecture": "hard", "sharedUnits": [8], "taskUnits": [] },
  "optimizer": { "name": "adam", "learningRate": 0.01 },
  "training": { "epochs": 2, "batchSize": 50, "logEvery": 5, "evalEvery": 100 },
  "backend": "cpu"${extra}
}`;

function cli(args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { cwd: dir, encoding: 'utf8' });
}

interface RunFiles {
  dir: string;
  info: { id: string; status: string; createdAt: string; baseline?: { task: string; key: string }; baselines?: Record<string, string>; summary: { metrics: Record<string, { rmse?: number }> } | null };
  config: { seed: number; loss: { weighting: string }; optimizer: { learningRate: number } };
}

/** Every run directory, read with nothing but JSON.parse. */
function readRuns(runsDir: string): RunFiles[] {
  return readdirSync(runsDir).map((name) => ({
    dir: name,
    info: JSON.parse(readFileSync(path.join(runsDir, name, 'run.json'), 'utf8')),
    config: JSON.parse(readFileSync(path.join(runsDir, name, 'config.json'), 'utf8')),
  }));
}

describe('mtl-lab study', () => {
  it('trains each baseline once, reuses it, retrains it when the learning rate changes or it was deleted', () => {
    writeFileSync(path.join(dir, 'tiny.mtl.json'), tiny(',\n  "sweep": { "loss.weighting": ["equal", "uncertainty"] },\n  "study": { "seeds": [1, 2] }'));
    const runsDir = path.join(dir, 'cache');
    const first = cli(['study', 'tiny.mtl.json', '--runs-dir', runsDir, '--jobs', '2']);
    assert.equal(first.status, 0, first.stderr + first.stdout);
    assert.match(first.stderr, /4 runs, 4 baselines to train, 0 reused; 2 at a time/);
    let runs = readRuns(runsDir);
    const baselines = runs.filter((r) => r.info.baseline);
    assert.equal(runs.length, 8);
    assert.deepEqual(baselines.map((b) => `${b.info.baseline!.task} ${b.config.seed}`).sort(), ['a 1', 'a 2', 'b 1', 'b 2']);
    assert.ok(runs.every((r) => r.info.status === 'completed'));
    // Two lanes, each keeping its worker for its jobs: every job is started and finished once, as its own run
    // (a lane's worker must not hand one job's last status to the next job).
    const started = [...first.stderr.matchAll(/started (\S+) \((.*)\)/g)].map((m) => [m[1], m[2]] as const);
    const done = [...first.stderr.matchAll(/\[\d\/8\] (.*): completed/g)].map((m) => m[1]);
    assert.equal(started.length, 8);
    assert.deepEqual(done.sort(), started.map(([, label]) => label).sort());
    for (const [id, label] of started) assert.ok(label.includes(`seed = ${runs.find((r) => r.info.id === id)!.config.seed}`), `${id} is the run of ${label}`);

    const again = cli(['study', 'tiny.mtl.json', '--runs-dir', runsDir, '--jobs', '1']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /4 runs, 0 baselines to train, 4 reused/);
    runs = readRuns(runsDir);
    assert.equal(runs.filter((r) => r.info.baseline).length, 4, 'no baseline trained again');

    const lr = cli(['study', 'tiny.mtl.json', '--runs-dir', runsDir, '--jobs', '1', '--set', 'optimizer.learningRate=0.02']);
    assert.equal(lr.status, 0, lr.stderr);
    assert.match(lr.stderr, /4 baselines to train, 0 reused/);
    assert.equal(readRuns(runsDir).filter((r) => r.info.baseline && r.config.optimizer.learningRate === 0.02).length, 4);

    const deleted = baselines.find((b) => b.info.baseline!.task === 'b' && b.config.seed === 2)!;
    rmSync(path.join(runsDir, deleted.dir), { recursive: true });
    const after = cli(['study', 'tiny.mtl.json', '--runs-dir', runsDir, '--jobs', '1']);
    assert.equal(after.status, 0, after.stderr);
    assert.match(after.stderr, /1 baselines to train, 3 reused/);
    assert.match(after.stderr, /baseline of b, seed = 2: completed/);
  });

  it('reports Δm per run and per group equal to an independent computation from the run files', () => {
    const runsDir = path.join(dir, 'cache');
    // The study's groups: mean and sample std over the seeds of each setting (every finished run of it so far).
    const study = cli(['study', 'tiny.mtl.json', '--runs-dir', runsDir, '--jobs', '1', '--json', '--report', 'report']);
    assert.equal(study.status, 0, study.stderr);
    assert.match(readFileSync(path.join(dir, 'report', 'study.md'), 'utf8'), /^\| single-task baselines \| /m);
    assert.match(readFileSync(path.join(dir, 'report', 'study.tex'), 'utf8'), /\\toprule/);
    // Figures: SVG always, and PNG through the Chromium the test setup installs (twice the SVG's size).
    for (const name of ['pareto-a-b', 'loss-a', 'loss-b']) {
      const svg = readFileSync(path.join(dir, 'report', `${name}.svg`), 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="680" height="400"/);
      const png = readFileSync(path.join(dir, 'report', `${name}.png`));
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], `${name}.png is a PNG`);
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1360, 800], `${name}.png at twice the figure's size`);
    }
    assert.equal((readFileSync(path.join(dir, 'report', 'pareto-a-b.svg'), 'utf8').match(/class="point"/g) ?? []).length, 2, 'a point per weighting group');
    assert.match(study.stderr, /3 figures as SVG, 3 as PNG/);
    const listed = cli(['runs', '--runs-dir', runsDir, '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    const reported = new Map((JSON.parse(listed.stdout) as { id: string; deltaM?: { value?: number } }[]).map((r) => [r.id, r.deltaM?.value]));
    const runs = readRuns(runsDir);
    const baselineByKey = new Map(runs.filter((r) => r.info.baseline && r.info.status === 'completed').map((r) => [r.info.baseline!.key, r]));
    let checked = 0;
    // Per setting and seed, the newest run counts (a seed trained again is the same replicate).
    const newest = new Map<string, { createdAt: string; value: number }>();
    for (const run of runs.filter((r) => r.info.baselines)) {
      // Δm = 100/K Σ −(M_k − B_k)/B_k for RMSE (lower is better).
      const parts = ['a', 'b'].map((task) => {
        const b = baselineByKey.get(run.info.baselines![task])!.info.summary!.metrics[task].rmse!;
        return (-(run.info.summary!.metrics[task].rmse! - b) / b) * 100;
      });
      const expected = (parts[0] + parts[1]) / 2;
      assert.ok(Math.abs(reported.get(run.info.id)! - expected) < 1e-9, `${run.info.id}: ${reported.get(run.info.id)} vs ${expected}`);
      const key = `${run.config.loss.weighting} ${run.config.optimizer.learningRate} ${run.config.seed}`;
      if ((newest.get(key)?.createdAt ?? '') < run.info.createdAt) newest.set(key, { createdAt: run.info.createdAt, value: expected });
      checked++;
    }
    assert.ok(checked >= 8, `${checked} runs checked`);
    const groups = (JSON.parse(study.stdout) as { groups: { label: string; baselineOf?: string; deltaM?: { mean: number; std?: number; n: number } }[] }).groups.filter((g) => !g.baselineOf);
    assert.equal(groups.length, 2);
    for (const g of groups) {
      const weighting = g.label.includes('uncertainty') ? 'uncertainty' : 'equal';
      const values = [...newest.entries()].filter(([k]) => k.startsWith(`${weighting} 0.01 `)).map(([, v]) => v.value);
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
      assert.equal(g.deltaM!.n, 2, 'two seeds');
      assert.ok(Math.abs(g.deltaM!.mean - mean) < 1e-9 && Math.abs(g.deltaM!.std! - std) < 1e-9, `${g.label}: ${JSON.stringify(g.deltaM)} vs ${mean} ± ${std}`);
    }
    assert.match(cli(['runs', '--runs-dir', runsDir]).stdout, /positive = better/);
  });

  it('a task without training labels: its baseline is named with the reason, the other baseline trains (in process and in workers)', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i / 10},${(i % 7) / 3},${(i / 10) * 2 + 1},`);
    writeFileSync(path.join(dir, 'gap.csv'), ['x1,x2,ya,yb', ...rows].join('\n') + '\n');
    writeFileSync(
      path.join(dir, 'gap.mtl.json'),
      `{ "name": "gap", "data": { "source": "csv", "path": "gap.csv", "validationSplit": 0.25 },
  "tasks": [ { "name": "a", "type": "regression", "target": "ya" }, { "name": "b", "type": "regression", "target": "yb" } ],
  "model": { "sharedUnits": [4], "taskUnits": [] }, "training": { "epochs": 1, "batchSize": 10 }, "backend": "cpu",
  "study": { "seeds": [1] } }`,
    );
    const runsDir = path.join(dir, 'gap');
    const r = cli(['study', 'gap.mtl.json', '--runs-dir', runsDir, '--jobs', '1']);
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /the baseline of task "b" \(seed 1\) could not be trained: .*no labels in the training split.*task "b" cannot be trained/);
    const trained = readRuns(runsDir);
    assert.deepEqual(trained.map((t) => [t.info.baseline?.task, t.info.status]), [['a', 'completed']]);
    // The same through forked workers (--jobs 2): the worker's refusal carries the reason.
    const forked = cli(['study', 'gap.mtl.json', '--runs-dir', path.join(dir, 'gap2'), '--jobs', '2']);
    assert.equal(forked.status, 1, forked.stderr + forked.stdout);
    assert.match(forked.stdout, /the baseline of task "b" \(seed 1\) could not be trained: .*task "b" cannot be trained/);
    assert.deepEqual(readRuns(path.join(dir, 'gap2')).map((t) => [t.info.baseline?.task, t.info.status]), [['a', 'completed']]);
  });

  it('a config without a study section, or with a bad one, is an input error (exit 2) with a position', () => {
    writeFileSync(path.join(dir, 'none.mtl.json'), tiny(''));
    const none = cli(['study', 'none.mtl.json', '--runs-dir', path.join(dir, 'x')]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /none\.mtl\.json: no "study" section to run/);
    writeFileSync(path.join(dir, 'bad.mtl.json'), tiny(',\n  "study": { "seeds": [1], "baselines": "always" }'));
    const bad = cli(['study', 'bad.mtl.json', '--runs-dir', path.join(dir, 'x')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /bad\.mtl\.json:10:\d+: study\.baselines: expected one of "auto", "none"/);
  });
});
