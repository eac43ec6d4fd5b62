/**
 * A stand-in for @tensorflow/tfjs-node-gpu as npm installs it: a real package tarball whose entry point
 * fails the way the real one does on a machine without CUDA (libcudart.so.11.0 missing). Installing the
 * real package would download libtensorflow from Google's servers, which CI cannot reach.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

export const CUDA_MISSING = 'libcudart.so.11.0: cannot open shared object file: No such file or directory';

/** Packs the stand-in into `workDir` and returns the tarball's path (an npm install spec). */
export async function packFakeGpuPackage(workDir: string): Promise<string> {
  const source = path.join(workDir, 'fake-tfjs-node-gpu');
  await fs.mkdir(source, { recursive: true });
  await fs.writeFile(path.join(source, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'index.js', license: 'MIT' }));
  await fs.writeFile(path.join(source, 'index.js'), `throw new Error(${JSON.stringify(CUDA_MISSING)});\n`);
  const packed = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', '--silent', '--pack-destination', workDir], { cwd: source, encoding: 'utf8', shell: process.platform === 'win32' });
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  return path.join(workDir, packed.stdout.trim().split('\n').pop()!.trim());
}
