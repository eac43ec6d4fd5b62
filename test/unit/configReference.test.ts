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
