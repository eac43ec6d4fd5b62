/**
 * docs/methods.md keeps its hand-written parts; the blocks between `<!-- methods:<kind> -->` and
 * `<!-- /methods:<kind> -->` are written from the method files: each registered method's descriptor (name,
 * value, paper, own keys, what it needs, the tests that pin it) and its file's header comment (formula and
 * conventions, written once, beside the code). `node --import tsx scripts/methods-doc.ts` rewrites them;
 * test/unit/methodsDoc.test.ts fails while the file is stale or names a test that does not exist.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { METHODS } from '../src/training/config/catalog';
import { citation, type MethodDescriptor } from '../src/training/config/method';
import type { WeightingMethod } from '../src/training/weighting/strategy';

const ROOT = path.resolve(__dirname, '..');
export const METHODS_DOC_PATH = path.join(ROOT, 'docs/methods.md');

/** Which file declares each descriptor: the module in `dir` that exports it. */
function declaringFiles(dir: string, methods: readonly MethodDescriptor[]): Map<MethodDescriptor, string> {
  const files = new Map<MethodDescriptor, string>();
  for (const name of readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.ts')).sort()) {
    const file = path.join(dir, name);
    const exports = require(path.join(ROOT, file)) as Record<string, unknown>;
    for (const value of Object.values(exports)) if (methods.includes(value as MethodDescriptor)) files.set(value as MethodDescriptor, file);
  }
  for (const method of methods) if (!files.has(method)) throw new Error(`no file in ${dir} exports the descriptor of "${method.id}"`);
  return files;
}

/** The file's first doc comment, without its comment markers. */
function headerComment(file: string): string[] {
  const match = /^\/\*\*([\s\S]*?)\*\//.exec(readFileSync(path.join(ROOT, file), 'utf8'));
  if (!match) throw new Error(`${file} has no header comment to document its method`);
  return match[1].split('\n').map((line) => line.replace(/^\s*\* ?/, '').trimEnd());
}

/** A header comment as Markdown: prose as paragraphs, indented lines (formulas) as text blocks, "- " lines as lists. */
function markdownOf(lines: string[]): string[] {
  const out: string[] = [];
  let block: string[] = [];
  const flushBlock = () => {
    if (block.length) out.push('', '```text', ...block, '```', '');
    block = [];
  };
  let inList = false;
  for (const line of lines) {
    const indented = /^ {2,}\S/.test(line);
    if (indented && !inList) {
      block.push(line.replace(/^ {2}/, ''));
      continue;
    }
    flushBlock();
    // An indented line right after a list item continues it.
    inList = line.startsWith('- ') || (inList && indented);
    out.push(line);
  }
  flushBlock();
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trim().split('\n');
}

const NEEDS: Record<NonNullable<WeightingMethod['needs']>, string> = {
  'shared-parameters': 'parameters every task shares (a config error otherwise)',
  'last-shared-layer': 'a last layer the tasks share (a config error otherwise)',
};

function section(method: MethodDescriptor & { taskOptions?: object; needs?: WeightingMethod['needs'] }, file: string, keyPrefix: string): string[] {
  const keys = [
    ...Object.entries(method.options).map(([key, schema]) => `\`${keyPrefix}.${key}\`${(schema as { default?: unknown }).default !== undefined ? ` (default \`${JSON.stringify((schema as { default?: unknown }).default)}\`)` : ''}`),
    ...Object.keys(method.taskOptions ?? {}).map((key) => `\`tasks[].${key}\``),
  ];
  const facts = [
    method.paper ? `Paper: ${citation(method.paper)}, [${method.paper.title}](${method.paper.url}).` : 'Paper: none (a baseline, or the article\'s own method).',
    `Code: [\`${file}\`](../${file}).`,
    ...(keys.length ? [`Its keys: ${keys.join(', ')} ([reference](config-reference.md)).`] : []),
    ...(method.needs ? [`Needs: ${NEEDS[method.needs]}.`] : []),
  ];
  const tests = method.tests.length
    ? ['Pinned by:', '', ...method.tests.map((t) => `- \`${t.file}\`: “${t.test}”`)]
    : ['Pinned by: no test yet.'];
  return [`### ${method.label} (\`"${method.id}"\`)`, '', ...facts.map((f) => `${f}  `), '', ...markdownOf(headerComment(file)), '', ...tests, ''];
}

function optimizerTable(): string[] {
  return [
    '| value | name | what it does | paper | its own keys |',
    '|---|---|---|---|---|',
    ...METHODS.optimizers.map((m) => `| \`"${m.id}"\` | ${m.label} | ${m.description} | ${m.paper ? `[${citation(m.paper)}](${m.paper.url})` : ''} | ${Object.keys(m.options).map((k) => `\`optimizer.${k}\``).join(', ')} |`),
  ];
}

/** The generated blocks, by marker name. */
export function generatedBlocks(): Record<string, string[]> {
  const architectures = declaringFiles('src/training/models', METHODS.architectures);
  const weightings = declaringFiles('src/training/weighting', METHODS.weightings);
  return {
    architectures: METHODS.architectures.flatMap((m) => section(m, architectures.get(m)!, 'model')),
    weightings: METHODS.weightings.flatMap((m) => section(m, weightings.get(m)!, 'loss')),
    optimizers: optimizerTable(),
  };
}

/** `text` with every generated block replaced by its current content. */
export function methodsDoc(text: string): string {
  const blocks = generatedBlocks();
  let out = text;
  for (const [name, lines] of Object.entries(blocks)) {
    const open = `<!-- methods:${name} -->`;
    const close = `<!-- /methods:${name} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`docs/methods.md: no ${open} … ${close} block`);
    out = `${out.slice(0, start + open.length)}\n\n${lines.join('\n').trim()}\n\n${out.slice(end)}`;
  }
  return out;
}

if (require.main === module) {
  writeFileSync(METHODS_DOC_PATH, methodsDoc(readFileSync(METHODS_DOC_PATH, 'utf8')));
  console.log(`wrote ${path.relative(process.cwd(), METHODS_DOC_PATH)}`);
}
