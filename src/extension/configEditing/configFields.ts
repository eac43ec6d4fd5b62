/**
 * The key values shown under an experiment's Config node, read from the `*.mtl.json` text, and edits to
 * them computed with jsonc-parser so comments and formatting survive. No `vscode` import: the command
 * turns the returned text edits into a WorkspaceEdit (which makes the change undoable with Ctrl+Z).
 */
import { findNodeAtLocation, modify, parseTree, printParseErrorCode, type Edit, type JSONPath, type Node, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { Check } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import { ARCHITECTURES, BACKENDS, ExperimentSchema, WEIGHTINGS } from '../../training/config/schema';

export type ConfigFieldKind = 'enum' | 'number' | 'integer';

export interface ConfigField {
  id: string;
  label: string;
  path: JSONPath;
  kind: ConfigFieldKind;
  options?: readonly string[];
  schema: TSchema;
}

function schemaAt(path: readonly string[]): TSchema {
  let schema = ExperimentSchema as TSchema;
  for (const key of path) {
    const next = (schema as { properties?: Record<string, TSchema> }).properties?.[key];
    if (!next) throw new Error(`No schema at ${path.join('.')}`);
    schema = next;
  }
  return schema;
}

function field(id: string, label: string, path: string[], kind: ConfigFieldKind, options?: readonly string[]): ConfigField {
  return { id, label, path, kind, options, schema: schemaAt(path) };
}

/** In the order the tree shows them. */
export const CONFIG_FIELDS: readonly ConfigField[] = [
  field('architecture', 'architecture', ['model', 'architecture'], 'enum', ARCHITECTURES),
  field('weighting', 'weighting', ['loss', 'weighting'], 'enum', WEIGHTINGS),
  field('learningRate', 'learning rate', ['optimizer', 'learningRate'], 'number'),
  field('epochs', 'epochs', ['training', 'epochs'], 'integer'),
  field('batchSize', 'batch size', ['training', 'batchSize'], 'integer'),
  field('backend', 'backend', ['backend'], 'enum', BACKENDS),
];

export function configFieldById(id: string): ConfigField | undefined {
  return CONFIG_FIELDS.find((f) => f.id === id);
}

export interface ConfigValueView {
  field: ConfigField;
  /** The value in the file, or the schema default when the file omits it. */
  value: unknown;
  isDefault: boolean;
  /** Offset of the value in the text (for revealing it), when the file has it. */
  offset: number | undefined;
}

export interface TaskView {
  name: string;
  type: string;
  detail: string;
  offset: number;
}

export interface ParsedExperimentText {
  root: Node | undefined;
  errors: ParseError[];
}

export function parseExperimentTree(text: string): ParsedExperimentText {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  return { root, errors };
}

function valueOf(node: Node | undefined): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key && typeof key.value === 'string') result[key.value] = valueOf(value);
      }
      return result;
    }
    case 'array':
      return (node.children ?? []).map(valueOf);
    default:
      return node.value;
  }
}

export function readConfigValues(text: string): ConfigValueView[] {
  const { root } = parseExperimentTree(text);
  return CONFIG_FIELDS.map((f) => {
    const node = root && findNodeAtLocation(root, f.path);
    if (node) return { field: f, value: valueOf(node), isDefault: false, offset: node.offset };
    return { field: f, value: (f.schema as { default?: unknown }).default, isDefault: true, offset: undefined };
  });
}

export function readTasks(text: string): TaskView[] {
  const { root } = parseExperimentTree(text);
  const tasks = root && findNodeAtLocation(root, ['tasks']);
  if (!tasks || tasks.type !== 'array') return [];
  return (tasks.children ?? []).map((node) => {
    const task = (valueOf(node) ?? {}) as Record<string, unknown>;
    const type = typeof task.type === 'string' ? task.type : '?';
    const parts: string[] = [type];
    if (typeof task.classes === 'number') parts.push(`${task.classes} classes`);
    if (typeof task.target === 'string') parts.push(`target ${task.target}`);
    if (typeof task.weight === 'number') parts.push(`weight ${task.weight}`);
    return { name: typeof task.name === 'string' ? task.name : '?', type, detail: parts.join(' · '), offset: node.offset };
  });
}

/** The parsed value of the whole file (comments allowed), or undefined when it is not an object. */
export function readExperimentObject(text: string): Record<string, unknown> | undefined {
  const value = valueOf(parseExperimentTree(text).root);
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function formatConfigValue(value: unknown): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------------
// Validation of a new value

export type FieldInput = { ok: true; value: string | number } | { ok: false; message: string };

interface NumberBounds {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** "a number > 0 and ≤ 10", from the schema's bounds. */
export function describeNumberRange(fieldDef: ConfigField): string {
  const b = fieldDef.schema as NumberBounds;
  const parts: string[] = [];
  if (b.exclusiveMinimum !== undefined) parts.push(`> ${b.exclusiveMinimum}`);
  else if (b.minimum !== undefined) parts.push(`≥ ${b.minimum}`);
  if (b.exclusiveMaximum !== undefined) parts.push(`< ${b.exclusiveMaximum}`);
  else if (b.maximum !== undefined) parts.push(`≤ ${b.maximum}`);
  const noun = fieldDef.kind === 'integer' ? 'a whole number' : 'a number';
  return parts.length > 0 ? `${noun} ${parts.join(' and ')}` : noun;
}

/** Checks what the user typed (or picked) against the field's schema. */
export function validateFieldInput(fieldDef: ConfigField, input: string): FieldInput {
  const trimmed = input.trim();
  if (fieldDef.kind === 'enum') {
    if (!fieldDef.options?.includes(trimmed)) return { ok: false, message: `${fieldDef.label} must be one of ${fieldDef.options?.map((o) => `"${o}"`).join(', ')}` };
    return { ok: true, value: trimmed };
  }
  if (trimmed === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed)) {
    return { ok: false, message: `${fieldDef.label} must be ${describeNumberRange(fieldDef)}` };
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value) || !Check(fieldDef.schema, value)) {
    return { ok: false, message: `${fieldDef.label} must be ${describeNumberRange(fieldDef)}` };
  }
  return { ok: true, value };
}

// ---------------------------------------------------------------------------------------------------
// The edit

export interface TextFormatting {
  insertSpaces: boolean;
  tabSize: number;
  eol: string;
}

/** Indentation and line ending as the file already uses them, so inserted keys look like their neighbours. */
export function detectFormatting(text: string): TextFormatting {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indents = text.split(/\r?\n/).map((line) => /^([ \t]+)\S/.exec(line)?.[1]).filter((i): i is string => i !== undefined);
  if (indents.some((i) => i.startsWith('\t'))) return { insertSpaces: false, tabSize: 4, eol };
  const sizes = indents.map((i) => i.length).filter((n) => n > 0);
  const tabSize = sizes.length > 0 ? Math.min(...sizes) : 2;
  return { insertSpaces: true, tabSize: Math.min(Math.max(tabSize, 1), 8), eol };
}

export type ConfigEditResult = { ok: true; edits: Edit[] } | { ok: false; message: string };

/**
 * The text edits that set `path` to `value`, keeping comments and formatting. Refused when the file does
 * not parse (an edit computed on a broken document could land anywhere).
 */
export function computeConfigEdit(text: string, path: JSONPath, value: unknown): ConfigEditResult {
  const { root, errors } = parseExperimentTree(text);
  if (errors.length > 0) {
    const first = errors[0]!;
    return { ok: false, message: `The file has a syntax error (${printParseErrorCode(first.error)} at offset ${first.offset}); fix it first.` };
  }
  if (!root || root.type !== 'object') return { ok: false, message: 'The file is not a JSON object.' };
  const edits = modify(text, path, value, { formattingOptions: detectFormatting(text) });
  return { ok: true, edits };
}
