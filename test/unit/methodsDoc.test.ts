/**
 * docs/methods.md: its generated blocks are current with the method files, it has a section for every
 * registered method, and every test it (or a descriptor) names exists under that name.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { METHODS_DOC_PATH, methodsDoc } from '../../scripts/methods-doc';
import { METHODS } from '../../src/training/config/catalog';

const doc = readFileSync(METHODS_DOC_PATH, 'utf8');

it('docs/methods.md is current with the method files (run scripts/methods-doc.ts)', () => {
  assert.equal(doc, methodsDoc(doc));
});

it('has a section for every architecture and weighting', () => {
  for (const method of [...METHODS.architectures, ...METHODS.weightings]) assert.ok(doc.includes(`### ${method.label} (\`"${method.id}"\`)`), method.id);
});

it('every test it names exists under that name', () => {
  const named = [...doc.matchAll(/`(test\/[^`]+\.test\.ts)`: “([^”]+)”/g)].map((m) => ({ file: m[1], test: m[2] }));
  assert.ok(named.length > 40, `${named.length} tests named`);
  for (const { file, test } of named) {
    const full = path.resolve(__dirname, '../..', file);
    assert.ok(existsSync(full), `${file} exists`);
    // As written in the source: a quote inside a single-quoted test name is escaped there.
    assert.ok(readFileSync(full, 'utf8').replace(/\\'/g, "'").includes(test), `${file} has a test “${test}”`);
  }
});
