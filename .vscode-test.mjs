// @vscode/test-cli configuration for `npm run test:desktop`: the end-to-end scenarios as a mocha suite
// inside desktop VS Code, downloaded by @vscode/test-electron into .vscode-test/ (where Microsoft's
// servers can be reached; elsewhere `npm run test:e2e` runs them in code-server). Each run opens a
// fresh copy of examples/ so runs and edits never touch the repository.
import { defineConfig } from '@vscode/test-cli';
import { cpSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const workspace = mkdtempSync(path.join(os.tmpdir(), 'mtl-desktop-'));
cpSync(path.join(root, 'examples'), workspace, { recursive: true, filter: (source) => !/[/\\]mtl-runs([/\\]|$)/.test(source) });

export default defineConfig({
  label: 'desktop',
  files: 'out/desktop/**/*.test.js',
  version: process.env.MTL_VSCODE_VERSION ?? 'stable',
  extensionDevelopmentPath: root,
  workspaceFolder: workspace,
  launchArgs: ['--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
  download: { timeout: 15_000 },
  mocha: { ui: 'bdd', timeout: 180_000 },
});
