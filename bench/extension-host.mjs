// Extension host footprint: size of dist/extension.js, the cost of loading it, and of activate(),
// measured in plain Node with an inert `vscode` module (every API call is a no-op). This isolates
// what MTL Lab's own code costs at activation; VS Code's API calls themselves are cheap and
// asynchronous. Run after `npm run build`:  node bench/extension-host.mjs
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Module from 'node:module';
import { performance } from 'node:perf_hooks';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist/extension.js');
const require = createRequire(import.meta.url);

/** A value that accepts any use: property reads, calls and `new` all return another inert value. */
function inert(name = 'vscode') {
  const target = function () {};
  return new Proxy(target, {
    get(_t, key) {
      if (key === Symbol.iterator) return function* () {};
      if (key === 'then') return undefined; // not a thenable
      if (key === Symbol.toPrimitive) return () => name;
      return overrides[`${name}.${String(key)}`] ?? inert(`${name}.${String(key)}`);
    },
    set() {
      return true;
    },
    apply() {
      return inert(`${name}()`);
    },
    construct() {
      return inert(`new ${name}`);
    },
  });
}

const resolved = Promise.resolve();
/** The few API values activation reads as data rather than calling. */
const overrides = {
  'vscode.workspace.workspaceFolders': [],
  'vscode.workspace.textDocuments': [],
  'vscode.workspace.isTrusted': true,
  'vscode.workspace.getConfiguration': () => ({ get: (_key, fallback) => fallback }),
  'vscode.workspace.findFiles': () => Promise.resolve([]),
  'vscode.commands.executeCommand': () => resolved,
};

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return 'vscode';
  return originalResolve.call(this, request, ...rest);
};
// A plain object of namespaces (the bundle copies the module's own keys when importing it).
const NAMESPACES = ['workspace', 'window', 'commands', 'languages', 'env', 'extensions', 'Uri', 'Range', 'Position', 'EventEmitter', 'TreeItem', 'ThemeIcon', 'ThemeColor', 'MarkdownString', 'CodeLens', 'Diagnostic', 'DiagnosticSeverity', 'RelativePattern', 'StatusBarAlignment', 'TreeItemCollapsibleState', 'ViewColumn', 'ProgressLocation', 'QuickPickItemKind', 'WorkspaceEdit', 'Disposable'];
const vscodeStub = Object.fromEntries(NAMESPACES.map((name) => [name, inert(`vscode.${name}`)]));
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscodeStub };

const context = { subscriptions: [], extensionPath: root, extensionUri: inert('extensionUri'), workspaceState: { get: () => undefined, update: () => resolved }, globalState: { get: () => undefined, update: () => resolved } };

const silence = console.log;
console.log = () => {};
const t0 = performance.now();
const extension = require(bundle);
const t1 = performance.now();
extension.activate(context);
const t2 = performance.now();
console.log = silence;
for (const d of context.subscriptions) d?.dispose?.();

const kb = (statSync(bundle).size / 1024).toFixed(1);
console.log(`dist/extension.js: ${kb} KB`);
console.log(`load (parse + evaluate the bundle): ${(t1 - t0).toFixed(1)} ms`);
console.log(`activate(): ${(t2 - t1).toFixed(1)} ms`);
console.log(`total: ${(t2 - t0).toFixed(1)} ms`);
process.exit(0);
