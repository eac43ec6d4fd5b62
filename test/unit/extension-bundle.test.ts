/**
 * The built extension host bundle (dist/extension.js; needs a build) carries the method descriptors, which
 * sit beside their implementations, but not TensorFlow.js (scripts/build.mjs resolves it to an empty module):
 * so no training module may call TensorFlow.js when it is loaded, or the extension would fail to activate.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

const bundle = path.resolve(__dirname, '../../dist/extension.js');

it('holds no TensorFlow.js code', () => {
  // A message of tfjs-core's flag registry: present in every bundle that includes tfjs-core.
  assert.ok(!readFileSync(bundle, 'utf8').includes('Cannot evaluate flag'));
});

it('loads without TensorFlow.js (nothing calls it at load time) and exports activate', () => {
  type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
  const loader = Module as unknown as { _load: Load };
  const original = loader._load;
  // Just enough of the vscode module for loading (not activating) the bundle.
  const vscode = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : class {}) });
  loader._load = function (request, parent, isMain) {
    if (request === 'vscode') return vscode;
    if (request.startsWith('@tensorflow/')) throw new Error(`the extension host loaded ${request}`);
    return original.call(this, request, parent, isMain);
  };
  try {
    const extension = require(bundle) as { activate?: unknown };
    assert.equal(typeof extension.activate, 'function');
  } finally {
    loader._load = original;
  }
});
