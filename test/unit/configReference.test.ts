import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_REFERENCE_PATH, configReference } from '../../scripts/config-reference';
import { experimentJsonSchema } from '../../src/training/config/schema';

it('docs/config-reference.md is the one generated from the schema (run scripts/config-reference.ts)', () => {
  assert.equal(readFileSync(CONFIG_REFERENCE_PATH, 'utf8'), configReference());
});

it('documents every key of every section', () => {
  const text = configReference();
  const schema = experimentJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown>; items?: { properties: Record<string, unknown> } }> };
  for (const [section, s] of Object.entries(schema.properties)) {
    const keys = s.properties ?? s.items?.properties;
    if (!keys) assert.ok(text.includes(`| \`${section}\` |`), section);
    else for (const key of Object.keys(keys)) assert.ok(text.includes(`\`${section}${s.items ? '[]' : ''}.${key}\``), `${section}.${key}`);
  }
});

it('the emitted JSON Schema requires only keys without defaults (editors must not flag valid files)', () => {
  const required: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (!node || typeof node !== 'object') return;
    const n = node as { required?: string[]; properties?: Record<string, unknown>; items?: unknown; anyOf?: unknown[] };
    for (const key of n.required ?? []) required.push(`${path}${key}`);
    for (const [key, child] of Object.entries(n.properties ?? {})) walk(child, `${path}${key}.`);
    if (n.items) walk(n.items, `${path}[].`);
    for (const alt of n.anyOf ?? []) walk(alt, path);
  };
  walk(experimentJsonSchema(), '');
  assert.deepEqual(required.sort(), ['data.correlation.blocks', 'model.init.path', 'name', 'program.command', 'study.seeds', 'tasks', 'tasks.[].name', 'tasks.[].type', 'training.earlyStopping.patience']);
});
