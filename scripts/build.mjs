// Builds every bundle with esbuild, copies the tfjs WebAssembly binaries beside the worker, and emits
// the experiment JSON Schema from its single TypeScript definition.
//   node scripts/build.mjs            production build (minified host bundle)
//   node scripts/build.mjs --watch    rebuild on change
//   node scripts/build.mjs --no-minify  readable bundles (for CPU profiles, see bench/profileDashboard.ts)
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, copyFileSync, readdirSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lazyCsv, lazyNewExperiment, lazySlurm, lazyStudy } from './lazyBundles.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const minify = !process.argv.includes('--no-minify');
const require = createRequire(import.meta.url);

// Native TensorFlow bindings are optional and loaded at run time from wherever they are installed.
const nativeModules = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
  // tfjs marks its Node entry points side-effect free, which would drop the kernel and gradient registrations.
  ignoreAnnotations: true,
};

const builds = [
  { ...node, entryPoints: { cli: 'src/training/cli.ts' }, outdir: dist, external: nativeModules, banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { worker: 'src/training/worker.ts' }, outdir: dist, external: nativeModules },
];
/**
 * The extension host never runs tensor code, but it reads the method descriptors (the config schema, New
 * Experiment), which sit beside their implementations in src/training/: there TensorFlow.js resolves to an
 * empty module, so the host bundle never contains or loads it (a tensor call there would fail loudly); so do
 * modules that hold tensor code only (models/transformerLayers.ts, models/transformerModel.ts, engine/fusedKernels.ts,
 * engine/simd/simdKernels.ts with its WebAssembly bytes),
 * which the host never reaches.
 */
const withoutTensorFlow = {
  name: 'without-tensorflow',
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\// }, (args) => ({ path: args.path, namespace: 'without-tensorflow' }));
    // Modules that are nothing but tensor code (the Transformer's layers and model, the fused WebAssembly/CPU
    // kernels) go the same way: they are reached only through the implementations beside the descriptors.
    build.onResolve({ filter: /\/(transformerLayers|transformerModel|fusedKernels|simdKernels)$/ }, (args) => ({ path: args.path, namespace: 'without-tensorflow' }));
    build.onLoad({ filter: /.*/, namespace: 'without-tensorflow' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};
if (existsSync(path.join(root, 'src/extension/extension.ts'))) {
  // The extension host bundle stays small: no TensorFlow.js, the CSV parser loaded when first needed, minified.
  // jsonc-parser's CommonJS entry cannot be bundled (it requires files by computed paths): prefer ESM entries.
  // The host bundle has no TensorFlow.js (the reason for ignoreAnnotations above), so it honours the packages'
  // "sideEffects": false: TypeBox's value modules the host never calls (Create, Cast, Convert…) are dropped (≈ 25 KB).
  builds.push({ ...node, ignoreAnnotations: false, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: dist, external: ['vscode', './csvHead.js', './slurmRunner.js', './studyHost.js', './newExperiment.js'], minify: true, metafile: true, mainFields: ['module', 'main'], plugins: [withoutTensorFlow, lazyCsv, lazySlurm, lazyStudy, lazyNewExperiment] });
  builds.push({ ...node, entryPoints: { csvHead: 'src/training/data/csv.ts' }, outdir: dist, minify: true });
  builds.push({ ...node, entryPoints: { slurmRunner: 'src/training/runner/slurm/slurmRunner.ts' }, outdir: dist, minify: true, mainFields: ['module', 'main'], plugins: [withoutTensorFlow] });
  builds.push({ ...node, entryPoints: { newExperiment: 'src/extension/newExperiment/newExperimentCommand.ts' }, outdir: dist, external: ['vscode', './csvHead.js'], minify: true, mainFields: ['module', 'main'], plugins: [withoutTensorFlow, lazyCsv] });
  builds.push({ ...node, entryPoints: { studyHost: 'src/extension/study/host.ts' }, outdir: dist, external: ['vscode', './csvHead.js', './slurmRunner.js'], minify: true, mainFields: ['module', 'main'], plugins: [withoutTensorFlow, lazyCsv, lazySlurm] });
}
if (existsSync(path.join(root, 'src/webview/main.ts'))) {
  builds.push({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: true,
    minify,
    logLevel: 'warning',
    entryPoints: { dashboard: 'src/webview/main.ts' },
    outdir: path.join(dist, 'webview'),
    loader: { '.css': 'css', '.ttf': 'file' },
  });
}

// The dashboard's icon font: vscode-elements clones the stylesheet linked as #vscode-codicon-stylesheet.
function copyCodicons() {
  const from = path.join(path.dirname(require.resolve('@vscode/codicons/package.json')), 'dist');
  const to = path.join(dist, 'webview', 'codicons');
  mkdirSync(to, { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) copyFileSync(path.join(from, file), path.join(to, file));
}

function copyWasmBinaries() {
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const from = path.join(wasmDir, 'dist');
  for (const file of readdirSync(from).filter((f) => f.endsWith('.wasm'))) {
    copyFileSync(path.join(from, file), path.join(dist, file));
  }
}

async function emitSchema() {
  const out = await esbuild.build({ ...node, sourcemap: false, entryPoints: ['src/training/config/schema.ts'], write: false });
  const mod = { exports: {} };
  new Function('module', 'exports', 'require', out.outputFiles[0].text)(mod, mod.exports, require);
  const schema = mod.exports.experimentJsonSchema();
  mkdirSync(path.join(root, 'schemas'), { recursive: true });
  writeFileSync(path.join(root, 'schemas/mtl-experiment.schema.json'), JSON.stringify(schema, null, 2) + '\n');
}

mkdirSync(dist, { recursive: true });
copyWasmBinaries();
if (existsSync(path.join(root, 'src/webview/main.ts'))) copyCodicons();
await emitSchema();
if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
  console.log('watching…');
} else {
  const results = await Promise.all(builds.map((options) => esbuild.build(options)));
  for (const result of results) {
    if (result.metafile) {
      for (const [file, output] of Object.entries(result.metafile.outputs)) {
        if (file.endsWith('.js')) console.log(`${file}: ${(output.bytes / 1024).toFixed(1)} KB`);
      }
    }
  }
  chmodSync(path.join(dist, 'cli.js'), 0o755);
}
