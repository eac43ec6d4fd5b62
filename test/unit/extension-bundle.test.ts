/**
 * The built extension host bundle (dist/extension.js; needs a build) carries the method descriptors, which
 * sit beside their implementations, but not TensorFlow.js (scripts/build.mjs resolves it to an empty module):
 * so no training module may call TensorFlow.js when it is loaded, or the extension would fail to activate.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(__dirname, '../..');
const bundle = path.join(root, 'dist/extension.js');

it('stays under 300 KB (what runs on activation; features used on demand are bundles of their own)', () => {
  const bytes = statSync(bundle).size;
  assert.ok(bytes < 300 * 1024, `dist/extension.js is ${(bytes / 1024).toFixed(1)} KB`);
});

it('holds no TensorFlow.js code', () => {
  // A message of tfjs-core's flag registry: present in every bundle that includes tfjs-core.
  assert.ok(!readFileSync(bundle, 'utf8').includes('Cannot evaluate flag'));
});

/** Loads a built bundle as the extension host would, with just enough of `vscode`; loading TensorFlow.js throws. */
function requireInHost(file: string): Record<string, unknown> {
  type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
  const loader = Module as unknown as { _load: Load };
  const original = loader._load;
  // Just enough of the vscode module for loading (not activating) the bundle.
  const vscode = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : class {}) });
  loader._load = function (request, parent, isMain) {
    if (request === 'vscode') return vscode;
    if (request.startsWith('@tensorflow/')) throw new Error(`${path.basename(file)} loaded ${request}`);
    return original.call(this, request, parent, isMain);
  };
  try {
    return require(file) as Record<string, unknown>;
  } finally {
    loader._load = original;
  }
}

it('loads without TensorFlow.js (nothing calls it at load time) and exports activate', () => {
  assert.equal(typeof requireInHost(bundle).activate, 'function');
});

/** `import { a, b } from '<…>/training/data/csv'` in every source file under src/extension: the names the host uses. */
function hostCsvImports(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const file = path.join(dir, entry);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith('.ts')) {
        for (const m of readFileSync(file, 'utf8').matchAll(/import\s*(type\s*)?\{([^}]*)\}\s*from\s*'[./]*training\/data\/csv'/g)) {
          if (m[1]) continue;
          for (const name of m[2]!.split(',')) if (name.trim() && !name.trim().startsWith('type ')) names.add(name.trim().split(/\s+as\s+/)[0]!);
        }
      }
    }
  };
  walk(path.join(root, 'src/extension'));
  return names;
}

it('keeps the CSV parser out of the host bundle and loads it from dist/csvHead.js on first use', async () => {
  const text = readFileSync(bundle, 'utf8');
  assert.ok(!text.includes('relax_quotes'), "csv-parse's code is not in dist/extension.js");
  assert.ok(text.includes('require("./csvHead.js")'), 'the host requires dist/csvHead.js (lazily, see scripts/build.mjs)');
  const { LAZY_CSV_EXPORTS } = (await import(pathToFileURL(path.join(root, 'scripts/lazyBundles.mjs')).href)) as { LAZY_CSV_EXPORTS: string[] };
  const used = [...hostCsvImports()].sort();
  assert.ok(used.length > 0, 'src/extension imports from training/data/csv');
  assert.deepEqual([...LAZY_CSV_EXPORTS].sort(), used, 'the lazy stub forwards exactly what src/extension imports');
  const csvHead = require(path.join(root, 'dist/csvHead.js')) as Record<string, unknown>;
  for (const name of used) assert.equal(typeof csvHead[name], 'function', `dist/csvHead.js exports ${name}`);
  const parsed = (csvHead.parseCsvRecords as (text: string, file: string) => { records: string[][] })('"a,b",c\n1,2\n', 'x.csv');
  assert.deepEqual(parsed.records, [['a,b', 'c'], ['1', '2']]);
});

it('keeps the Slurm runner out of the host bundle and constructs it from dist/slurmRunner.js on first use', () => {
  const text = readFileSync(bundle, 'utf8');
  assert.ok(!text.includes('--parsable'), "sbatch's command line is not in dist/extension.js");
  assert.ok(text.includes('require("./slurmRunner.js")'), 'the host requires dist/slurmRunner.js (lazily, see scripts/build.mjs)');
  const { SlurmRunner } = require(path.join(root, 'dist/slurmRunner.js')) as { SlurmRunner: new (options: { node: string; cli: string }) => { name: string; logs(run: unknown): string[] } };
  const runner = new SlurmRunner({ node: 'node', cli: '/x/cli.js' });
  assert.equal(runner.name, 'slurm');
});

it('keeps New Experiment out of the host bundle and loads it from dist/newExperiment.js on first use', async () => {
  const text = readFileSync(bundle, 'utf8');
  assert.ok(text.includes('require("./newExperiment.js")'), 'the host requires dist/newExperiment.js (lazily)');
  assert.ok(!text.includes('Where should the experiment go?'), 'the New Experiment questions are not in the host bundle');
  const { LAZY_NEW_EXPERIMENT_EXPORTS } = (await import(pathToFileURL(path.join(root, 'scripts/lazyBundles.mjs')).href)) as { LAZY_NEW_EXPERIMENT_EXPORTS: string[] };
  const used = new Set<string>();
  for (const file of ['newExperiment/commands.ts', 'commands/commandContext.ts']) {
    const source = readFileSync(path.join(root, 'src/extension', file), 'utf8');
    for (const m of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'[./]*(?:newExperiment\/)?newExperimentCommand'/g)) for (const name of m[1]!.split(',')) if (name.trim()) used.add(name.trim());
  }
  assert.deepEqual([...LAZY_NEW_EXPERIMENT_EXPORTS].sort(), [...used].sort(), 'the lazy stub forwards exactly what the host imports');
  const lazy = readFileSync(path.join(root, 'dist/newExperiment.js'), 'utf8');
  assert.ok(lazy.includes('Where should the experiment go?') && lazy.includes('require("vscode")'), 'dist/newExperiment.js holds the command and uses the host\'s vscode module');
  const loaded = requireInHost(path.join(root, 'dist/newExperiment.js'));
  for (const name of LAZY_NEW_EXPERIMENT_EXPORTS) assert.equal(typeof loaded[name], 'function', `dist/newExperiment.js exports ${name}`);
});

it('keeps the study commands\' work out of the host bundle and loads it from dist/studyHost.js on first use', async () => {
  const text = readFileSync(bundle, 'utf8');
  assert.ok(text.includes('require("./studyHost.js")'), 'the host requires dist/studyHost.js (lazily)');
  const { LAZY_STUDY_EXPORTS } = (await import(pathToFileURL(path.join(root, 'scripts/lazyBundles.mjs')).href)) as { LAZY_STUDY_EXPORTS: string[] };
  const used = new Set<string>();
  for (const [file, from] of [['study/studyCommands.ts', "'\\.\\/host'"], ['dashboard/panel.ts', "'\\.\\.\\/study\\/host'"]]) {
    for (const m of readFileSync(path.join(root, 'src/extension', file), 'utf8').matchAll(new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*${from}`, 'g'))) for (const name of m[1]!.split(',')) if (name.trim()) used.add(name.trim());
  }
  assert.deepEqual([...LAZY_STUDY_EXPORTS].sort(), [...used].sort(), 'the lazy stub forwards exactly what studyCommands.ts and the dashboard panel import');
  assert.ok(!text.includes('could not start: '), 'Start Study itself is not in the host bundle');
  const host = readFileSync(path.join(root, 'dist/studyHost.js'), 'utf8');
  assert.ok(host.includes('could not start: ') && host.includes('require("vscode")'), 'dist/studyHost.js holds Start Study and uses the host\'s vscode module');
  const loaded = requireInHost(path.join(root, 'dist/studyHost.js'));
  for (const name of LAZY_STUDY_EXPORTS) assert.equal(typeof loaded[name], 'function', `dist/studyHost.js exports ${name}`);
});
