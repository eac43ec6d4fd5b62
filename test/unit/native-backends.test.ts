/**
 * Install GPU Backend's pieces without VS Code: the worker's module search order, the npm command, and
 * the real install (npm, from a local package tarball) into a global-storage folder, after which the
 * worker's module loader resolves the package from there — and only from there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GPU_PACKAGE, gpuOptionsFor, installNativePackage, moduleSearchPaths, nativeBackendsDirectory, npmInstallCommand } from '../../src/extension/backends/nativeBackends';
import { explainLoadError, nodeModuleLoader } from '../../src/training/backend/select';
import { packFakeGpuPackage } from '../helpers/fakeNativePackage';

const GPU = '@tensorflow/tfjs-node-gpu';

test('the worker searches the workspace folders first, then the extension’s global storage', () => {
  const storage = path.join(os.tmpdir(), 'storage');
  assert.deepEqual(moduleSearchPaths(['/work/a', '/work/b'], storage), ['/work/a', '/work/b', path.join(storage, 'native-backends')]);
  assert.equal(nativeBackendsDirectory(storage), path.join(storage, 'native-backends'));
  assert.match(GPU_PACKAGE, /^@tensorflow\/tfjs-node-gpu@4\.22\.\d+$/, 'pinned to the tfjs version the worker bundles');
});

test('npm installs into the folder given, with npm.cmd through a shell on Windows', () => {
  assert.deepEqual(npmInstallCommand('/s/native-backends', 'pkg@1', 'linux'), { command: 'npm', args: ['install', '--no-audit', '--no-fund', '--prefix', '/s/native-backends', 'pkg@1'], cwd: '/s/native-backends', shell: false });
  const win = npmInstallCommand('C:\\Users\\Jane Doe\\native-backends', 'pkg@1', 'win32');
  assert.equal(win.command, 'npm.cmd');
  assert.equal(win.shell, true);
  assert.deepEqual(win.args.slice(3), ['--prefix', '"C:\\Users\\Jane Doe\\native-backends"', 'pkg@1'], 'a path with a space is quoted for the shell');
  assert.deepEqual(npmInstallCommand('/home/jane doe/x', 'pkg@1', 'linux').args[4], '/home/jane doe/x', 'no shell, no quoting');
});

test('an installed GPU package is resolved from global storage and fails as the real one does without CUDA', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'mtl-native-'));
  try {
    const tarball = await packFakeGpuPackage(work);
    const storage = path.join(work, 'globalStorage');
    const directory = nativeBackendsDirectory(storage);
    // Before installing: not found from there (nor from this repository, where it is an absent optional dependency).
    const explain = (paths: string[]) => {
      try {
        nodeModuleLoader(paths)(GPU);
        return 'loaded';
      } catch (error) {
        return explainLoadError(GPU, error);
      }
    };
    assert.equal(explain([directory]), 'module not installed');
    const lines: string[] = [];
    const outcome = await installNativePackage(directory, tarball, (line) => lines.push(line));
    assert.deepEqual(outcome, { ok: true, code: 0, cancelled: false }, lines.join('\n'));
    assert.ok(existsSync(path.join(directory, 'node_modules', '@tensorflow', 'tfjs-node-gpu', 'package.json')), 'installed under the storage folder');
    assert.equal(JSON.parse(await fs.readFile(path.join(directory, 'package.json'), 'utf8')).private, true, 'the folder has a package.json of its own');
    assert.equal(explain([directory]), 'libcudart.so.11.0 not found', 'resolved from global storage and loaded (its loading fails without CUDA)');
    assert.equal(explain([]), 'module not installed', 'not found without the storage folder');
    assert.match(lines[0], /^\$ npm install .*--prefix /, 'the command is shown in the output');
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('an install can be cancelled: npm is stopped and nothing is left installed', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'mtl-native-'));
  try {
    const tarball = await packFakeGpuPackage(work);
    const directory = path.join(work, 'native-backends');
    const abort = new AbortController();
    // npm takes far longer than this to start and install.
    setTimeout(() => abort.abort(), 20);
    const outcome = await installNativePackage(directory, tarball, () => undefined, abort.signal);
    assert.deepEqual({ ok: outcome.ok, cancelled: outcome.cancelled }, { ok: false, cancelled: true });
    assert.ok(!existsSync(path.join(directory, 'node_modules', '@tensorflow', 'tfjs-node-gpu', 'index.js')), 'not installed');
    const early = new AbortController();
    early.abort();
    assert.deepEqual(await installNativePackage(directory, tarball, () => undefined, early.signal), { ok: false, code: null, cancelled: true });
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('Install GPU Backend offers WebGPU wherever Dawn is prebuilt, and CUDA only on Linux x64', () => {
  const offered = (platform: NodeJS.Platform, arch: string) => gpuOptionsFor(platform, arch).map((o) => o.backend);
  assert.deepEqual(offered('linux', 'x64'), ['webgpu', 'tensorflow-gpu']);
  assert.deepEqual(offered('linux', 'arm64'), ['webgpu']);
  assert.deepEqual(offered('darwin', 'arm64'), ['webgpu']);
  assert.deepEqual(offered('win32', 'x64'), ['webgpu']);
  assert.deepEqual(offered('freebsd', 'x64'), []);
  const webgpu = gpuOptionsFor('darwin', 'arm64')[0];
  // The versions the repository's optional dependencies pin (the worker's tfjs-core is 4.22).
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { optionalDependencies: Record<string, string> };
  assert.deepEqual(webgpu.specs, [`webgpu@${pkg.optionalDependencies.webgpu}`, `@tensorflow/tfjs-backend-webgpu@${pkg.optionalDependencies['@tensorflow/tfjs-backend-webgpu']}`]);
  assert.deepEqual(npmInstallCommand('/s', webgpu.specs, 'linux').args.slice(-2), webgpu.specs);
});
