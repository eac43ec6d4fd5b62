// Bundles the desktop suite (test/desktop/*.test.ts) for @vscode/test-cli, which loads plain
// JavaScript into the extension host: out/desktop/<name>.test.js, CommonJS, `vscode` and mocha external.
import * as esbuild from 'esbuild';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = path.join(root, 'test', 'desktop');
const entryPoints = readdirSync(dir).filter((file) => file.endsWith('.test.ts')).map((file) => path.join(dir, file));
await esbuild.build({
  entryPoints,
  outdir: path.join(root, 'out', 'desktop'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  external: ['vscode', 'mocha'],
  logLevel: 'warning',
});
console.log(`out/desktop: ${entryPoints.length} suite(s)`);
