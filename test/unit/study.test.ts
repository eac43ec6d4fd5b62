/**
 * Studies without training: the `study` section's errors (positioned), its points, baseline keys (what changes
 * them and what does not), Δm's undefined cases with their reasons, and groups' mean ± std against a direct
 * computation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTooltipMarkdown } from '../../src/extension/tree/runText';
import { jobFailure, studyRunCount } from '../../src/extension/study/studyPlan';
import { parseArgs } from '../../src/training/cliArgs';
import { diagnoseExperimentText, parseExperimentText } from '../../src/training/config/parse';
import { studyPoints } from '../../src/training/config/study';
import { deltaMParts } from '../../src/training/evaluation/deltaM';
import type { RunInfo } from '../../src/training/run/records';
import type { RunListing } from '../../src/training/run/runDirectory';
import { baselineKey, baselineOverrides, dataFingerprint, groupKey } from '../../src/training/study/baselines';
import { compareRuns, meanStd } from '../../src/training/study/compare';
import { planStudy, studyBatch } from '../../src/training/study/plan';

const config = (extra = '') => `{
  "name": "s",
  "data": { "source": "synthetic", "samples": 200, "inputDim": 4 },
  "tasks": [ { "name": "a", "type": "regression" }, { "name": "b", "type": "classification", "classes": 3 } ]${extra}
}`;

test('a bad study section is reported at the value, with its JSON path', () => {
  const text = config(`,
  "sweep": { "seed": [1, 2] },
  "study": { "seeds": [1, 1], "baselines": "some", "extra": 1 }`);
  const found = diagnoseExperimentText(text, 's.mtl.json').map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`);
  assert.deepEqual(found, [
    '5:14 sweep.seed: a study sets the seeds (study.seeds); remove "seed" from the sweep',
    '6:23 study.seeds: must not contain duplicates',
    '6:44 study.baselines: expected one of "auto", "none"',
    '6:52 study: unknown key "extra"',
  ]);
  assert.match(diagnoseExperimentText(config(',\n  "study": { "seeds": [] }'), 's.mtl.json')[0].message, /at least 1/);
  const big = config(`,\n  "sweep": { "optimizer.learningRate": [${Array.from({ length: 64 }, (_, i) => (i + 1) / 1000).join(', ')}] },\n  "study": { "seeds": [1, 2, 3, 4, 5] }`);
  const [tooBig] = diagnoseExperimentText(big, 's.mtl.json');
  assert.equal(tooBig.path, 'study.seeds');
  assert.match(tooBig.message, /^320 runs \(64 sweep points × 5 seeds\); at most 256$/);
  assert.equal(parseExperimentText(config(',\n  "study": { "seeds": [3] }'), 's.mtl.json').study?.baselines, 'auto');
});

test('study points: each sweep point × each seed, seeds fastest; without a sweep, one point per seed', () => {
  const points = studyPoints({ 'loss.weighting': ['equal', 'pcgrad'] }, [1, 2]);
  assert.deepEqual(points.map((p) => p.overrides), [
    ['loss.weighting="equal"', 'seed=1'],
    ['loss.weighting="equal"', 'seed=2'],
    ['loss.weighting="pcgrad"', 'seed=1'],
    ['loss.weighting="pcgrad"', 'seed=2'],
  ]);
  assert.equal(points[3].label, 'loss.weighting = pcgrad, seed = 2');
  assert.deepEqual(studyPoints(undefined, [7]).map((p) => p.overrides), [['seed=7']]);
});

test('a baseline key changes with what determines the result, not with names, the sweep or the study', () => {
  const text = config(',\n  "model": { "architecture": "routing", "experts": 3 },\n  "loss": { "weighting": "pcgrad" }');
  const keyOf = (sets: string[], task = 'a', data: string | null = null) => {
    const c = parseExperimentText(text, 's.mtl.json', sets);
    return baselineKey(parseExperimentText(text, 's.mtl.json', [...sets, ...baselineOverrides(c, task)]), task, data);
  };
  const key = keyOf([]);
  assert.equal(keyOf(['name="other"', 'description="x"']), key);
  assert.equal(keyOf(['loss.weighting="equal"']), key, 'the weighting of the multi-task run does not matter to its baselines');
  assert.equal(keyOf(['study={"seeds":[1]}', 'sweep={"optimizer.learningRate":[0.1]}']), key);
  assert.notEqual(keyOf(['optimizer.learningRate=0.002']), key);
  assert.notEqual(keyOf(['seed=7']), key);
  assert.notEqual(keyOf(['training.epochs=3']), key);
  assert.notEqual(keyOf(['data.correlation=0.1']), key);
  assert.notEqual(keyOf([], 'b'), key);
  assert.notEqual(keyOf([], 'a', 'f00d'), key);
  // The baseline is the hard trunk with the run's layer sizes and the task's loss alone.
  const baseline = parseExperimentText(text, 's.mtl.json', baselineOverrides(parseExperimentText(text, 's.mtl.json'), 'b'));
  assert.equal(baseline.model.architecture, 'hard');
  assert.deepEqual(baseline.loss, { weighting: 'static', weights: { a: 0, b: 1 } });
});

test('file data: a changed data file changes the baseline key; the baseline trains its task alone on the same features', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-study-'));
  writeFileSync(path.join(dir, 'd.csv'), 'x,y,t1,t2\n1,2,3,4\n');
  const text = `{ "name": "f", "data": { "source": "csv", "path": "d.csv" }, "tasks": [ { "name": "a", "type": "regression", "target": "t1" }, { "name": "b", "type": "regression", "target": "t2" } ] }`;
  const c = parseExperimentText(text, 'f.mtl.json');
  const first = dataFingerprint(c, dir);
  writeFileSync(path.join(dir, 'd.csv'), 'x,y,t1,t2\n1,2,3,5\n');
  assert.notEqual(dataFingerprint(c, dir), first);
  const baseline = parseExperimentText(text, 'f.mtl.json', baselineOverrides(c, 'b', ['x', 'y']));
  assert.deepEqual(baseline.tasks.map((t) => t.name), ['b']);
  assert.deepEqual(baseline.data.features, ['x', 'y']);
});

test('Δm: a zero baseline or a missing metric leaves it undefined with the reason; each part is s_k (M_k − B_k)/B_k', () => {
  const tasks = [{ name: 'r', type: 'regression' as const }, { name: 'c', type: 'classification' as const }];
  const zero = deltaMParts(tasks, { r: { loss: 1, rmse: 0.5 }, c: { loss: 1, accuracy: 0.5 } }, { r: { loss: 1, rmse: 0 }, c: { loss: 1, accuracy: 0.4 } });
  assert.equal(zero.value, undefined);
  assert.match(zero.reason ?? '', /baseline rmse of task "r" is 0/);
  assert.ok(Math.abs((zero.tasks[1].relative ?? NaN) - 25) < 1e-9, 'accuracy 0.5 vs 0.4: +25 %');
  const missing = deltaMParts(tasks, { r: { loss: 1, rmse: 0.5 }, c: { loss: 1, accuracy: 0.5 } }, { r: { loss: 1, rmse: 1 } });
  assert.match(missing.reason ?? '', /no accuracy for task "c" in its baseline/);
  assert.ok(Math.abs((missing.tasks[0].relative ?? NaN) - 50) < 1e-9, 'RMSE 0.5 vs 1: +50 %');
});

test('mean ± std is the sample standard deviation (n − 1); one value has none', () => {
  assert.deepEqual(meanStd([2, 4, 4, 4, 5, 5, 7, 9]), { mean: 5, std: Math.sqrt(32 / 7), n: 8 });
  assert.deepEqual(meanStd([3]), { mean: 3, n: 1 });
  assert.equal(meanStd([]), undefined);
});

/** A run listing as run.json would say it (only what the comparison reads). */
function listing(id: string, info: Partial<RunInfo>): RunListing {
  const full = { version: 1, id, name: 's', experimentFile: null, status: 'completed', createdAt: id, startedAt: null, endedAt: null, backend: 'cpu', pid: null, step: 1, totalSteps: 1, overrides: [], error: null, summary: null, ...info } as RunInfo;
  return { runId: id, runDir: `/runs/${id}`, info: full };
}

test('groups: runs differing only by seed; Δm needs completed runs and baselines, and says which baseline is missing', () => {
  const base = parseExperimentText(config(), 's.mtl.json');
  const configs = new Map([1, 2, 3].map((seed) => [`/runs/m${seed}`, { ...base, seed }]));
  const baselineConfig = (task: string) => parseExperimentText(config(), 's.mtl.json', ['seed=1', ...baselineOverrides(base, task)]);
  configs.set('/runs/ba', baselineConfig('a'));
  configs.set('/runs/bb', baselineConfig('b'));
  const summary = (rmse: number, accuracy: number) => ({ metrics: { a: { loss: 1, rmse }, b: { loss: 1, accuracy } }, stepsPerSecond: 1, backend: 'cpu', steps: 1, bestStep: null });
  const runs = [
    listing('m1', { summary: summary(0.8, 0.6), baselines: { a: 'ka', b: 'kb' } }),
    listing('m2', { summary: summary(1.2, 0.5), baselines: { a: 'ka', b: 'kb' } }),
    listing('m3', { status: 'running', baselines: { a: 'ka', b: 'kb' } }),
    listing('ba', { summary: summary(1, 0), baseline: { task: 'a', key: 'ka' } }),
    listing('bb', { summary: summary(9, 0.5), baseline: { task: 'b', key: 'kb' } }),
  ];
  const { runs: compared, groups } = compareRuns(runs, (r) => configs.get(r.runDir));
  // m1: a (0.8 vs 1) +20 %, b (0.6 vs 0.5) +20 % → +20; m2: −20 %, 0 % → −10.
  assert.ok(Math.abs((compared[0].deltaM?.value ?? NaN) - 20) < 1e-9);
  assert.ok(Math.abs((compared[1].deltaM?.value ?? NaN) + 10) < 1e-9);
  assert.match(compared[2].deltaM?.reason ?? '', /has not finished \(running\)/);
  const group = groups.find((g) => g.runs.some((r) => r.listing.runId === 'm1'))!;
  assert.equal(group.runs.length, 3, 'three seeds, one group');
  assert.equal(group.deltaM?.n, 2, 'the running run does not count');
  assert.ok(Math.abs(group.deltaM.mean - 5) < 1e-9);
  assert.ok(Math.abs((group.deltaM.std ?? NaN) - Math.sqrt((15 ** 2 + 15 ** 2) / 1)) < 1e-9);
  // The tree tooltip: the run's Δm with each task's part, its group's mean ± std, the convention.
  const md = runTooltipMarkdown({ info: runs[0].info, runDir: '/runs/m1', config: configs.get('/runs/m1') }, { study: { run: compared[0], group } });
  assert.match(md, /\*\*Δm \+20\.00 %\*\* vs single-task baselines \(a \+20\.00 %, b \+20\.00 %\)/);
  assert.match(md, /Group of 3 runs differing only by seed: Δm \+5\.00 ± 21\.21 % \(n = 2\)/);
  assert.match(md, /positive = better/);
  assert.match(runTooltipMarkdown({ info: runs[3].info, runDir: '/runs/ba', config: undefined }, { study: { run: compared[3] } }), /Single-task baseline of task `a`/);
  // Without b's baseline, Δm is undefined and says which baseline is missing.
  const { runs: without } = compareRuns(runs.filter((r) => r.runId !== 'bb'), (r) => configs.get(r.runDir));
  assert.equal(without[0].deltaM?.value, undefined);
  assert.match(without[0].deltaM?.reason ?? '', /no completed single-task baseline for task "b"/);
});

test('--jobs takes a whole number from 1 to 64', () => {
  assert.equal(parseArgs(['study', 'a.mtl.json', '--jobs', '3']).jobs, 3);
  assert.equal(parseArgs(['study', 'a.mtl.json']).jobs, undefined);
  assert.throws(() => parseArgs(['study', 'a.mtl.json', '--jobs', '0']), /--jobs: expected a whole number from 1 to 64, got "0"/);
  assert.throws(() => parseArgs(['study', 'a.mtl.json', '--jobs', 'x']), /--jobs/);
});

test('Start Study: the CodeLens count (sweep points × seeds), and a job that could not start names its task', () => {
  assert.equal(studyRunCount(config(',\n  // comment\n  "sweep": { "loss.weighting": ["equal", "pcgrad"], "x": 1 },\n  "study": { "seeds": [1, 2, 3] }')), 6);
  assert.equal(studyRunCount(config(',\n  "study": { "seeds": [5] }')), 1);
  assert.equal(studyRunCount(config()), 0);
  assert.equal(studyRunCount('{ "study": '), 0);
  assert.equal(
    jobFailure({ kind: 'baseline', label: 'baseline of b, seed = 1', overrides: [], marks: {}, seed: 1, task: 'b' }, 'tasks[0].target: no labels'),
    'the baseline of task "b" (seed 1) could not start: tasks[0].target: no labels',
  );
});

test('a study as a runner batch (what Slurm submits): its jobs in plan order, --set applied once, marks kept', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-study-batch-'));
  const file = path.join(dir, 's.mtl.json');
  writeFileSync(file, config(`,\n  "study": { "seeds": [1, 2] },\n  "cluster": { "maxParallel": 2 }`));
  const sets = ['optimizer.learningRate=0.02'];
  const plan = await planStudy(file, sets, path.join(dir, 'runs'), async () => []);
  const batch = studyBatch(plan, { runsDir: path.join(dir, 'runs'), sets });
  assert.equal(batch.of, 'study');
  assert.deepEqual(batch.sets, sets);
  assert.equal(batch.cluster?.maxParallel, 2);
  assert.deepEqual(batch.points.map((p) => p.label), ['baseline of a, seed = 1', 'baseline of b, seed = 1', 'baseline of a, seed = 2', 'baseline of b, seed = 2', 'seed = 1', 'seed = 2']);
  // What a run is made of: the batch's --set first, then the point's own; exactly the plan's overrides.
  for (const [i, point] of batch.points.entries()) {
    assert.deepEqual([...batch.sets, ...point.overrides], plan.jobs[i].overrides);
    assert.deepEqual(point.marks, plan.jobs[i].marks);
  }
  assert.deepEqual(Object.keys(batch.points[4].marks?.baselines ?? {}), ['a', 'b']);
  assert.equal(batch.points[1].marks?.baseline?.task, 'b');
});

test('text data on a Transformer: each task\'s baseline keeps the trunk, shares it "hard" and stands alone; hard, task-attention and LoRA runs share their baselines', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-study-text-'));
  writeFileSync(path.join(dir, 'd.jsonl'), '{"id":"p","text":"a tool","kind":"x","tags":["y"]}\n');
  const file = path.join(dir, 't.mtl.json');
  writeFileSync(
    file,
    JSON.stringify({
      name: 't',
      data: { source: 'jsonl', path: 'd.jsonl', text: 'text', tokenizer: { vocabSize: 50, maxLength: 8 } },
      tasks: [{ name: 'kind', type: 'classification', target: 'kind' }, { name: 'tags', type: 'multilabel', target: 'tags' }],
      model: { architecture: 'transformer', sharing: 'lora', loraRank: 2, norm: 'post', pooling: 'cls', layers: 1, dModel: 8, heads: 2, feedForwardUnits: 16 },
      loss: { weighting: 'uncertainty' },
      sweep: { 'model.sharing': ['hard', 'task-attention', 'lora'] },
      study: { seeds: [1] },
    }),
  );
  // The columns a file has (the extension host reads its first line): the text and the package id are no features.
  const plan = await planStudy(file, [], path.join(dir, 'runs'), async () => ['id', 'text', 'kind', 'tags']);
  const baselines = plan.jobs.filter((j) => j.kind === 'baseline');
  assert.deepEqual(baselines.map((j) => j.label), ['baseline of kind, seed = 1', 'baseline of tags, seed = 1'], 'one baseline per task for the three runs');
  const runs = plan.jobs.filter((j) => j.kind === 'run');
  assert.equal(runs.length, 3);
  for (const run of runs) assert.deepEqual(run.marks.baselines, runs[0].marks.baselines);
  const text = readFileSync(file, 'utf8');
  const baseline = parseExperimentText(text, file, baselines[1].overrides);
  assert.deepEqual(baseline.tasks.map((t) => t.name), ['tags']);
  assert.equal(baseline.data.features, 'auto', 'text data pins no feature columns (the default stays)');
  const model = baseline.model as Record<string, unknown>;
  assert.deepEqual(
    { architecture: model.architecture, sharing: model.sharing, norm: model.norm, pooling: model.pooling, layers: model.layers, dModel: model.dModel, heads: model.heads, feedForwardUnits: model.feedForwardUnits },
    { architecture: 'transformer', sharing: 'hard', norm: 'post', pooling: 'cls', layers: 1, dModel: 8, heads: 2, feedForwardUnits: 16 },
  );
});

test('a program study: each seed also sets program.params.seed, the replicates share a group key, and sweeping that seed or automatic baselines are positioned errors', () => {
  assert.deepEqual(studyPoints(undefined, [1, 2], true).map((p) => p.overrides), [['seed=1', 'program.params.seed=1'], ['seed=2', 'program.params.seed=2']]);
  assert.deepEqual(studyPoints(undefined, [1], false)[0].overrides, ['seed=1']);
  const text = JSON.stringify({ name: 'p', tasks: [{ name: 'a', type: 'regression' }], program: { command: ['python', 't.py'], params: { seed: 42, lr: 0.1 } }, study: { seeds: [1, 2], baselines: 'none' } }, null, 2);
  const replicate = (seed: number) => parseExperimentText(text, 'p.mtl.json', [`seed=${seed}`, `program.params.seed=${seed}`]);
  assert.equal(groupKey(replicate(1)), groupKey(replicate(2)));
  assert.notEqual(groupKey(replicate(1)), groupKey(parseExperimentText(text, 'p.mtl.json', ['seed=1', 'program.params.seed=1', 'program.params.lr=0.2'])));
  const swept = text.replace('"study"', '"sweep": { "program.params.seed": [1, 2] },\n  "study"');
  assert.ok(diagnoseExperimentText(swept, 'p.mtl.json').some((d) => /remove "program\.params\.seed" from the sweep/.test(d.message)));
  const auto = diagnoseExperimentText(text.replace('"baselines": "none"', '"baselines": "auto"'), 'p.mtl.json');
  const issue = auto.find((d) => /no automatic single-task baselines/.test(d.message));
  assert.ok(issue, JSON.stringify(auto));
  assert.equal(issue.path, 'study.baselines');
});
