/**
 * Bad input for the affinity log and the task subset: positioned config errors (file:line:col and the JSON path),
 * and an affinityEvery longer than the run refused before a run directory exists.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../src/training/backend/select';
import { analyseExperimentText, formatDiagnostic, parseExperimentText } from '../../src/training/config';
import { loadDataset } from '../../src/training/data/load';
import { runExperiment } from '../../src/training/run/runExperiment';
import { InputError } from '../../src/training/run/inputError';
import type { TrainRecord } from '../../src/training/run/records';
import { train } from '../helpers/engine';

before(async () => {
  await selectBackend('cpu');
});

const FILE = 'x.mtl.json';

function text(training: Record<string, unknown>, model: Record<string, unknown> = { architecture: 'hard', sharedUnits: [8] }, tasks = ['a', 'b', 'c']): string {
  const config = {
    name: 'x',
    data: { source: 'synthetic', samples: 200, inputDim: 6, validationSplit: 0.2 },
    tasks: tasks.map((name) => ({ name, type: 'regression' })),
    model,
    training: { epochs: 1, batchSize: 40, ...training },
    backend: 'cpu',
  };
  return JSON.stringify(config, null, 2);
}

/** `line:col` of `target`, searched after `after`. */
function pos(source: string, after: string, target: string): string {
  const offset = source.indexOf(target, source.indexOf(after));
  const lines = source.slice(0, offset).split('\n');
  return `${lines.length}:${lines[lines.length - 1].length + 1}`;
}

const problems = (source: string) => analyseExperimentText(source, FILE).diagnostics.map(formatDiagnostic);

describe('affinity and task subset: config errors', () => {
  it('affinity on a model that shares nothing is an error at training.affinityEvery', () => {
    const source = text({ affinityEvery: 2 }, { architecture: 'hard', sharedUnits: [] });
    assert.deepEqual(problems(source), [
      `${FILE}:${pos(source, '"affinityEvery"', '2')}: training.affinityEvery: measures how a step on one task's loss changes the others' through the parameters they share, and this model shares none (model.sharedUnits is empty); remove it or set it to 0`,
    ]);
  });

  it('affinity with one task, or one trained task, is an error', () => {
    const one = text({ affinityEvery: 1 }, undefined, ['a']);
    assert.deepEqual(problems(one), [`${FILE}:${pos(one, '"affinityEvery"', '1')}: training.affinityEvery: inter-task affinity needs at least two trained tasks, and this config trains one ("a"); remove it or set it to 0`]);
    const subset = text({ affinityEvery: 1, tasks: ['b'] });
    assert.deepEqual(problems(subset), [`${FILE}:${pos(subset, '"affinityEvery"', '1')}: training.affinityEvery: inter-task affinity needs at least two trained tasks, and this config trains one ("b"); remove it or set it to 0`]);
  });

  it('affinityEvery must be a multiple of logEvery', () => {
    const source = text({ affinityEvery: 3, logEvery: 2 });
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"affinityEvery"', '3')}: training.affinityEvery: must be a multiple of training.logEvery (2): affinity is written with the train record of the step it is measured at`]);
    assert.deepEqual(problems(text({ affinityEvery: 4, logEvery: 2 })), []);
  });

  it('training.tasks: an unknown name is an error at its element, naming the tasks', () => {
    const source = text({ tasks: ['a', 'bb'] });
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"tasks": [\n      "a"', '"bb"')}: training.tasks[1]: no task named "bb" (tasks: "a", "b", "c")`]);
  });

  it('affinityEvery and tasks are absent from a resolved config that does not write them (resolved configs, baseline keys unchanged)', () => {
    const resolved = parseExperimentText(text({}), FILE);
    assert.equal('affinityEvery' in resolved.training, false);
    assert.equal('tasks' in resolved.training, false);
  });

  it('affinityEvery longer than the run: a positioned InputError, and no run directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'affinity-'));
    const source = text({ affinityEvery: 50 });
    writeFileSync(path.join(dir, FILE), source);
    const runsDir = path.join(dir, 'runs');
    await assert.rejects(
      runExperiment({ configPath: path.join(dir, FILE), runsDir }, { shouldStop: () => false }),
      (error: Error) => {
        assert.ok(error instanceof InputError);
        // 160 training rows / 40 = 4 steps.
        assert.equal(error.message, `${path.join(dir, FILE)}:${pos(source, '"affinityEvery"', '50')}: training.affinityEvery: 50 is more steps than the run has (4: 1 epochs × 4), so no affinity would ever be measured; lower it or set it to 0`);
        return true;
      },
    );
    assert.deepEqual(readdirSync(dir), [FILE]);
  });
});

describe('training.tasks: a task subset', () => {
  it('trains only the named tasks on the same rows and labels as the full config', async () => {
    const full = parseExperimentText(text({}), FILE);
    const subset = parseExperimentText(text({ tasks: ['c', 'a'] }), FILE);
    const all = await loadDataset(full, '.');
    const some = await loadDataset(subset, '.');
    // Config order, not the subset's order.
    assert.deepEqual(some.tasks.map((t) => t.name), ['a', 'c']);
    assert.deepEqual(Object.keys(some.train.labels), ['a', 'c']);
    assert.deepEqual(some.train.x, all.train.x);
    assert.deepEqual(some.train.labels.c, all.train.labels.c);
    assert.deepEqual(some.validation.labels.a, all.validation.labels.a);
    const { records } = await train(subset, some);
    const trains = records.filter((r): r is TrainRecord => r.kind === 'train');
    assert.ok(trains.length > 0);
    for (const r of trains) assert.deepEqual(Object.keys(r.losses), ['a', 'c']);
    const evals = records.filter((r) => r.kind === 'eval');
    assert.ok(evals.every((r) => r.kind === 'eval' && Object.keys(r.metrics).join() === 'a,c'));
  });
});
