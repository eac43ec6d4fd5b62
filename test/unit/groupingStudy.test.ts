/**
 * "Study this grouping" writes a study config that the config loader accepts, whose sweep trains all tasks together
 * and each group alone, × seeds, with one single-task baseline per task and seed (shared by every arm).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadExperimentConfig } from '../../src/training/config/load';
import { parseExperimentText } from '../../src/training/config/parse';
import { tabularColumns } from '../../src/training/data/tabular';
import { groupingStudyConfig, groupingStudyText } from '../../src/training/study/groupingStudy';
import { planStudy } from '../../src/training/study/plan';

const root = path.resolve(__dirname, '../..');

describe('Study this grouping', () => {
  it('from the two-pairs example and B = 2: a valid study of all together, {a, b}, {c, d} × 3 seeds with 4 × 3 baselines', async () => {
    const { config } = await loadExperimentConfig(path.join(root, 'examples', 'affinity-pairs.mtl.json'), []);
    const dir = mkdtempSync(path.join(tmpdir(), 'grouping-study-'));
    const file = path.join(dir, 'affinity-pairs-grouping.mtl.json');
    writeFileSync(file, groupingStudyText(config, [['b', 'a'], ['c', 'd']], 'affinity-pairs-1'));
    const text = readFileSync(file, 'utf8');
    const parsed = parseExperimentText(text, file);
    assert.equal(parsed.name, 'affinity-pairs-grouping');
    assert.deepEqual(parsed.sweep, { 'training.tasks': [['a', 'b', 'c', 'd'], ['a', 'b'], ['c', 'd']] });
    assert.deepEqual(parsed.study, { seeds: [1, 2, 3], baselines: 'auto' });
    assert.equal(parsed.training.affinityEvery, undefined);
    assert.deepEqual(parsed.data, config.data);
    const plan = await planStudy(file, [], path.join(dir, 'runs'), tabularColumns);
    const runs = plan.jobs.filter((j) => j.kind === 'run');
    const baselines = plan.jobs.filter((j) => j.kind === 'baseline');
    assert.equal(runs.length, 9);
    // One baseline per task and seed: the arms share them (a baseline does not depend on the subset).
    assert.equal(baselines.length, 12);
    assert.deepEqual([...new Set(baselines.map((b) => b.task))].sort(), ['a', 'b', 'c', 'd']);
    // Each run names the baselines of the tasks it trains, and only those.
    const pairRun = runs.find((r) => r.overrides.some((o) => o === 'training.tasks=["c","d"]'))!;
    assert.deepEqual(Object.keys(pairRun.marks.baselines!).sort(), ['c', 'd']);
  });

  it('a group of one task is a single-task arm; an unknown task is refused', async () => {
    const { config } = await loadExperimentConfig(path.join(root, 'examples', 'affinity-pairs.mtl.json'), []);
    const study = groupingStudyConfig(config, [['a', 'b', 'c'], ['d']]);
    const parsed = parseExperimentText(JSON.stringify(study), 'x.mtl.json');
    assert.deepEqual(parsed.sweep!['training.tasks'], [['a', 'b', 'c', 'd'], ['a', 'b', 'c'], ['d']]);
    assert.throws(() => groupingStudyConfig(config, [['a', 'x']]), /names a task the run does not have: "x"/);
  });
});
