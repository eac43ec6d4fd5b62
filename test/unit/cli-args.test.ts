/** The `mtl-lab` command line as parsed: commands, positionals, options, repeatable --set, and usage errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/training/cliArgs';

const defaults = { positional: [], runsDir: 'mtl-runs', sets: [], json: false, csv: false, help: false, runner: 'local', study: false, wait: false };

test('a command, its positionals and options, in any order; --set repeats, as --set v or --set=v', () => {
  const args = parseArgs(['train', '--set', 'optimizer.learningRate=0.01', 'exp.mtl.json', '--set=training.epochs=2', '--runs-dir', 'out', '--backend', 'wasm', '--json']);
  assert.deepEqual({ ...args }, {
    ...defaults,
    command: 'train',
    positional: ['exp.mtl.json'],
    runsDir: 'out',
    runner: 'local',
    backend: 'wasm',
    sets: ['optimizer.learningRate=0.01', 'training.epochs=2'],
    json: true,
  });
  assert.equal(parseArgs(['validate', 'a.mtl.json', '--set', 'x=a=b']).sets[0], 'x=a=b', 'only the first = splits --set=');
});

test('defaults, resume, export, help', () => {
  assert.deepEqual({ ...parseArgs(['runs']) }, { ...defaults, command: 'runs' });
  assert.deepEqual({ ...parseArgs([]) }, { ...defaults, command: undefined });
  const resume = parseArgs(['train', '--resume', 'mtl-runs/exp-1']);
  assert.equal(resume.resume, 'mtl-runs/exp-1');
  assert.deepEqual(resume.positional, []);
  const exported = parseArgs(['export', 'mtl-runs/exp-1', '--csv', '--out', 'x.csv']);
  assert.deepEqual([exported.command, exported.positional, exported.csv, exported.out], ['export', ['mtl-runs/exp-1'], true, 'x.csv']);
  assert.equal(parseArgs(['--help']).help, true);
  assert.equal(parseArgs(['train', '-h']).help, true);
  // An option's value may start with a dash (a directory named so).
  assert.equal(parseArgs(['runs', '--runs-dir', '-odd']).runsDir, '-odd');
  assert.deepEqual(parseArgs(['validate', '--', '-odd.mtl.json']).positional, ['-odd.mtl.json'], 'after --, a positional may start with a dash');
});

test('usage errors name the option', () => {
  assert.throws(() => parseArgs(['train', 'a.mtl.json', '--bogus']), /^Error: unknown option --bogus$/);
  assert.throws(() => parseArgs(['train', '-x']), /^Error: unknown option -x$/);
  assert.throws(() => parseArgs(['runs', '--runs-dir']), /^Error: --runs-dir needs a value$/);
  assert.throws(() => parseArgs(['train', 'a.mtl.json', '--set']), /^Error: --set needs a value$/);
  assert.throws(() => parseArgs(['runs', '--json=yes']), /^Error: --json takes no value$/);
  assert.throws(() => parseArgs(['sweep', 'a.mtl.json', '--runner', 'k8s']), /^Error: --runner: expected one of local, slurm, got "k8s"$/);
  assert.throws(() => parseArgs(['train', 'a.mtl.json', '--point', '-1']), /^Error: --point: expected a point index \(0, 1, …\), got "-1"$/);
  assert.throws(() => parseArgs(['train', 'a.mtl.json', '--point', '1.5']), /^Error: --point: expected a point index/);
  assert.throws(() => parseArgs(['train', 'a.mtl.json', '--backend', 'tpu']), /^Error: --backend: expected one of auto, .*, got "tpu"$/);
});

test('cluster options: --runner, --node, --point, --study, --wait', () => {
  assert.deepEqual(parseArgs(['sweep', 'a.mtl.json', '--runner', 'slurm', '--node', '/opt/node/bin/node']), { ...defaults, command: 'sweep', positional: ['a.mtl.json'], runner: 'slurm', node: '/opt/node/bin/node' });
  assert.deepEqual(parseArgs(['train', 'a.mtl.json', '--point=3']), { ...defaults, command: 'train', positional: ['a.mtl.json'], point: 3 });
  assert.deepEqual(parseArgs(['train', 'a.mtl.json', '--point', '4', '--study']), { ...defaults, command: 'train', positional: ['a.mtl.json'], point: 4, study: true });
  assert.deepEqual(parseArgs(['study', 'a.mtl.json', '--runner', 'slurm', '--wait']), { ...defaults, command: 'study', positional: ['a.mtl.json'], runner: 'slurm', wait: true });
  assert.throws(() => parseArgs(['study', 'a.mtl.json', '--wait=yes']), /--wait takes no value/);
});
