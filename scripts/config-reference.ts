/**
 * The config reference, generated from the one schema (src/training/config/schema.ts) and the method
 * descriptors it is derived from, so the docs cannot drift from what the code accepts.
 * `node --import tsx scripts/config-reference.ts` rewrites docs/config-reference.md;
 * test/unit/configReference.test.ts fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { METHODS } from '../src/training/config/catalog';
import { citation, type MethodCatalog, type MethodDescriptor } from '../src/training/config/method';
import { experimentJsonSchema, schemaFor } from '../src/training/config/schema';

type Schema = {
  type?: string;
  enum?: string[];
  anyOf?: Schema[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  pattern?: string;
  patternProperties?: Record<string, Schema>;
};

function typeOf(s: Schema): string {
  if (s.enum) return s.enum.map((v) => `\`"${v}"\``).join(' \\| ');
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'value'}[]`;
  if (s.type === 'object' && s.patternProperties) return `{ name: ${typeOf(Object.values(s.patternProperties)[0])} }`;
  if (s.type === 'null') return '`null`';
  return s.type ?? 'value';
}

function range(s: Schema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`< ${s.exclusiveMaximum}`);
  if (s.items) parts.push(...range(s.items).split(', ').filter(Boolean).map((p) => `each ${p}`));
  for (const alt of s.anyOf ?? []) parts.push(range(alt));
  return parts.filter(Boolean).join(', ');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function section(title: string, prefix: string, s: Schema): string[] {
  const rows = Object.entries(s.properties ?? {}).map(([key, p]) => {
    const required = s.required?.includes(key) && p.default === undefined ? 'yes' : '';
    const dflt = p.default !== undefined ? `\`${JSON.stringify(p.default)}\`` : '';
    return `| \`${prefix}${key}\` | ${typeOf(p)} | ${required} | ${dflt} | ${range(p)} | ${cell(p.description ?? '')} |`;
  });
  return [`## ${title}`, '', s.description && prefix ? `${s.description}\n` : '', '| key | type | required | default | range | meaning |', '|---|---|---|---|---|---|', ...rows, ''].filter((l, i) => l !== '' || i > 0);
}

/** One table per kind of method: what each one is, its paper, and the keys only it uses. */
function methodTable(title: string, section: string, methods: readonly (MethodDescriptor & { taskOptions?: object })[]): string[] {
  const keys = (m: (typeof methods)[number]) => [...Object.keys(m.options).map((k) => `\`${section}.${k}\``), ...Object.keys(m.taskOptions ?? {}).map((k) => `\`tasks[].${k}\``)].join(', ');
  const rows = methods.map((m) => `| \`"${m.id}"\` | ${m.label} | ${cell(m.description)} | ${m.paper ? `[${citation(m.paper)}](${m.paper.url})` : ''} | ${keys(m)} |`);
  return [`### ${title}`, '', '| value | name | what it does | paper | its own keys |', '|---|---|---|---|---|', ...rows, ''];
}

export function configReference(catalog: MethodCatalog = METHODS): string {
  const schema = experimentJsonSchema(schemaFor(catalog)) as Schema;
  const props = schema.properties!;
  // Sections are objects with fixed keys (and the tasks array); everything else, maps included (\`sweep\`), is a top-level row.
  const top: Schema = { properties: Object.fromEntries(Object.entries(props).filter(([, p]) => (p.type !== 'object' || p.patternProperties) && p.type !== 'array')), required: schema.required };
  const lines = [
    '# Experiment config reference (`*.mtl.json`)',
    '',
    '<!-- Generated from src/training/config/schema.ts and the method descriptors by scripts/config-reference.ts. Do not edit by hand. -->',
    '',
    'An experiment is one JSON file with comments (`// …`, `/* … */`) and trailing commas allowed. Unknown keys are errors;',
    'keys that only apply to one architecture, weighting, data source or optimiser are errors elsewhere. Every error names',
    'the file, line and column and the JSON path: `experiments/a.mtl.json:12:5: model.architecture: expected one of "hard", "soft", "routing"`.',
    'Any value can be overridden from the command line or a sweep with `--set path=value` (JSON values; `tasks[1].classes=5`).',
    '',
    ...section('Top level', '', top),
    ...section('data', 'data.', props.data),
    ...section('tasks[]', 'tasks[].', props.tasks.items!),
    ...section('model', 'model.', props.model),
    ...section('loss', 'loss.', props.loss),
    ...section('optimizer', 'optimizer.', props.optimizer),
    ...section('training', 'training.', props.training),
    ...section('cluster', 'cluster.', props.cluster),
    ...section('study', 'study.', props.study),
  ];
  const es = props.training.properties!.earlyStopping.anyOf?.find((a) => a.type === 'object');
  if (es) lines.push(...section('training.earlyStopping', 'training.earlyStopping.', es));
  const blocks = props.data.properties!.correlation.anyOf?.find((a) => a.type === 'object');
  if (blocks) lines.push(...section('data.correlation as blocks', 'data.correlation.', blocks));
  // Nested objects of fixed keys: a table each.
  for (const [holder, key] of [['data', 'tokenizer'], ['model', 'init']] as const) {
    const nested = props[holder].properties?.[key];
    if (nested?.properties) lines.push(...section(`${holder}.${key}`, `${holder}.${key}.`, nested));
  }
  if (props.program) lines.push(...section('program', 'program.', props.program));
  lines.push(
    '## Methods',
    '',
    'What each choice of `model.architecture`, `loss.weighting` and `optimizer.name` is (formulas, conventions and the tests',
    'that check them: [methods.md](methods.md)).',
    '',
    ...methodTable('model.architecture', 'model', catalog.architectures),
    ...methodTable('loss.weighting', 'loss', catalog.weightings),
    ...methodTable('optimizer.name', 'optimizer', catalog.optimizers),
  );
  return lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

export const CONFIG_REFERENCE_PATH = path.resolve(__dirname, '../docs/config-reference.md');

if (require.main === module) {
  writeFileSync(CONFIG_REFERENCE_PATH, configReference());
  console.log(`wrote ${path.relative(process.cwd(), CONFIG_REFERENCE_PATH)}`);
}
