/**
 * A method is one file: a weighting declared only here, in a test-only catalog, appears in the config schema,
 * the semantic checks (with positioned errors), the New Experiment choices and file, and the config reference,
 * without any other file naming it. Also: the real catalog's descriptors are consistent with what the config
 * layer derives from them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { parse as parseJsonc } from 'jsonc-parser/lib/esm/main.js';
import { configReference } from '../../scripts/config-reference';
import { methodChoices, experimentTemplate, WEIGHTING_CHOICES } from '../../src/extension/newExperiment/template';
import { analyseExperimentText, formatDiagnostic, type ConfigDiagnostic } from '../../src/training/config';
import { METHODS } from '../../src/training/config/catalog';
import { valueAt } from '../../src/training/config/issues';
import type { MethodCatalog } from '../../src/training/config/method';
import { experimentJsonSchema, schemaFor, WEIGHTINGS, type Weighting } from '../../src/training/config/schema';
import type { WeightingMethod } from '../../src/training/weighting/strategy';

const options = {
  throwawayKnob: Type.Number({ minimum: 0, maximum: 1, description: 'how much of each loss to throw away.', default: 0.25 }),
};

const throwaway: WeightingMethod<'throwaway', typeof options> = {
  id: 'throwaway',
  label: 'Throwaway',
  description: 'A weighting that exists only in this test',
  paper: { authors: 'Nobody et al.', year: 1999, title: 'On Throwing Things Away', url: 'https://example.org/throwaway' },
  options,
  check: ({ resolved }) => (valueAt(resolved, ['loss', 'throwawayKnob']) === 0.5 ? [{ path: ['loss', 'throwawayKnob'], message: 'half is not a way to throw things away' }] : []),
  newExperiment: { note: ['Throwaway: declared in a test only.'] },
  tests: [{ file: 'test/unit/methodDescriptors.test.ts', test: 'a throwaway weighting in a test-only catalog' }],
  create: () => {
    throw new Error('the throwaway weighting is never trained');
  },
};

const catalog: MethodCatalog = { ...METHODS, weightings: [...METHODS.weightings, throwaway] };
const FILE = 'x.mtl.json';

function configText(loss: Record<string, unknown>): string {
  return JSON.stringify({ name: 'x', data: { source: 'synthetic', samples: 100, inputDim: 4 }, tasks: [{ name: 'a', type: 'regression' }], loss }, null, 2);
}

/** `line:col` of `target`, searched after `after`, by plain string search. */
function pos(source: string, after: string, target: string): string {
  const offset = source.indexOf(target, source.indexOf(after));
  const before = source.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

const problems = (text: string, from: MethodCatalog = catalog) => analyseExperimentText(text, FILE, [], from).diagnostics.map((d: ConfigDiagnostic) => formatDiagnostic(d));

describe('a throwaway weighting in a test-only catalog', () => {
  it('appears in the JSON Schema: a choice of loss.weighting, and its option with type, default, range and documentation', () => {
    const schema = experimentJsonSchema(schemaFor(catalog)) as { properties: { loss: { properties: Record<string, Record<string, unknown>> } } };
    const loss = schema.properties.loss.properties;
    assert.ok((loss.weighting.enum as string[]).includes('throwaway'));
    assert.match(loss.weighting.description as string, /"throwaway": A weighting that exists only in this test \(Nobody et al\. 1999\)\./);
    assert.deepEqual(loss.throwawayKnob, { type: 'number', minimum: 0, maximum: 1, default: 0.25, description: 'Weighting "throwaway" only: how much of each loss to throw away.' });
    // The real catalog knows nothing of it.
    assert.equal((experimentJsonSchema() as typeof schema).properties.loss.properties.throwawayKnob, undefined);
  });

  it('appears in the checks: its option elsewhere, out of range, its own check; defaults filled in and pruned', () => {
    const elsewhere = configText({ weighting: 'equal', throwawayKnob: 0.3 });
    assert.deepEqual(problems(elsewhere), [`${FILE}:${pos(elsewhere, '"throwawayKnob"', '0.3')}: loss.throwawayKnob: only used by weighting "throwaway"`]);
    const outOfRange = configText({ weighting: 'throwaway', throwawayKnob: 2 });
    assert.deepEqual(problems(outOfRange), [`${FILE}:${pos(outOfRange, '"throwawayKnob"', '2')}: loss.throwawayKnob: must be ≤ 1, got 2`]);
    const half = configText({ weighting: 'throwaway', throwawayKnob: 0.5 });
    assert.deepEqual(problems(half), [`${FILE}:${pos(half, '"throwawayKnob"', '0.5')}: loss.throwawayKnob: half is not a way to throw things away`]);
    assert.deepEqual(analyseExperimentText(configText({ weighting: 'throwaway' }), FILE, [], catalog).config?.loss, { weighting: 'throwaway', throwawayKnob: 0.25 });
    assert.deepEqual(analyseExperimentText(configText({ weighting: 'dwa' }), FILE, [], catalog).config?.loss, { weighting: 'dwa', temperature: 2, window: 'epoch' }, 'its default is pruned under another weighting');
    const unknown = configText({ weighting: 'throwaway' });
    assert.match(problems(unknown, METHODS).join('\n'), /loss\.weighting: expected one of "equal", .*"cagrad"/);
  });

  it('appears in New Experiment: a choice, and a file with its option at its default and its note', () => {
    const choice = methodChoices(catalog.weightings).find((c) => c.id === 'throwaway');
    assert.deepEqual(choice, { id: 'throwaway', label: 'Throwaway', detail: 'A weighting that exists only in this test (Nobody et al. 1999)' });
    const text = experimentTemplate({ name: 'x', data: { kind: 'synthetic' }, architecture: 'hard', weighting: 'throwaway' as Weighting }, catalog);
    assert.match(text, /\/\/ Throwaway: declared in a test only\.\n\s*"weighting": "throwaway",\n\s*"throwawayKnob": 0\.25\n/);
    assert.deepEqual(parseJsonc(text).loss, { weighting: 'throwaway', throwawayKnob: 0.25 });
    assert.deepEqual(problems(text), [], 'the file it writes is a valid config');
  });

  it('appears in the config reference: the key, and the method with its paper', () => {
    const reference = configReference(catalog);
    assert.ok(reference.includes('| `loss.throwawayKnob` | number |  | `0.25` | ≥ 0, ≤ 1 | Weighting "throwaway" only: how much of each loss to throw away. |'));
    assert.ok(reference.includes('| `"throwaway"` | Throwaway | A weighting that exists only in this test | [Nobody et al. 1999](https://example.org/throwaway) | `loss.throwawayKnob` |'));
    assert.ok(!configReference().includes('throwaway'));
  });
});

describe('the real catalog', () => {
  it('lists every weighting once, in the schema and in New Experiment alike', () => {
    const ids = METHODS.weightings.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...WEIGHTINGS], ids);
    assert.deepEqual(WEIGHTING_CHOICES.map((c) => c.id), ids);
  });

  it('an option several methods share is one key, documented as used by each (optimizer.momentum)', () => {
    const optimizer = (experimentJsonSchema() as { properties: { optimizer: { properties: Record<string, { description: string }> } } }).properties.optimizer.properties;
    assert.equal(optimizer.momentum.description, 'Optimiser "sgd" / "rmsprop" only: momentum.');
  });

  it('two methods declaring one key with different schemas is an error, not a silent pick', () => {
    const clash: WeightingMethod<'clash', typeof options> = { ...throwaway, id: 'clash', options: { throwawayKnob: Type.Number({ default: 1 }) } };
    assert.throws(() => schemaFor({ ...catalog, weightings: [...catalog.weightings, clash] }), /"clash" declares the option "throwawayKnob" with another schema than "throwaway"/);
  });
});
