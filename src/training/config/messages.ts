/**
 * TypeBox's validation errors, turned into messages a person can act on ("must be ≥ 1, got 0" rather
 * than "Expected integer to be greater or equal to 1"), with one problem per value: TypeBox reports a
 * missing key twice (missing, then "expected string") and a failed union once per member.
 */
import type { TSchema } from '@sinclair/typebox';
import { Errors, ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { formatPath, type JsonPath } from './diagnostics';
import { kindOf, quote, showValue, type ConfigIssue } from './issues';
import { closestMatch } from './suggest';

/** The JSON Schema keywords this module reads (TypeBox schemas are plain JSON Schema objects). */
interface SchemaShape {
  type?: string;
  enum?: string[];
  const?: unknown;
  anyOf?: SchemaShape[];
  properties?: Record<string, SchemaShape>;
  items?: SchemaShape;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  /** What a value of a `pattern` looks like, in words (VS Code's JSON editor shows it too). */
  patternErrorMessage?: string;
}

const IDENTIFIER_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

/** JSON pointer (`/tasks/1/name`) → path, with indices as numbers where the value is an array. */
function pointerToPath(pointer: string, root: unknown): JsonPath {
  const path: JsonPath = [];
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : key;
    path.push(segment);
    node = typeof node === 'object' && node !== null ? (node as Record<string | number, unknown>)[segment] : undefined;
  }
  return path;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "a number > 0 and ≤ 10", "an integer ≥ 1", `"epoch"`, `one of "a", "b"` — a schema as words. */
function describeSchema(schema: SchemaShape): string {
  if (schema.enum) return `one of ${schema.enum.map(quote).join(', ')}`;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.anyOf) return schema.anyOf.map(describeSchema).join(' or ');
  switch (schema.type) {
    case 'number':
    case 'integer': {
      const bounds: string[] = [];
      if (schema.minimum !== undefined) bounds.push(`≥ ${schema.minimum}`);
      if (schema.exclusiveMinimum !== undefined) bounds.push(`> ${schema.exclusiveMinimum}`);
      if (schema.maximum !== undefined) bounds.push(`≤ ${schema.maximum}`);
      if (schema.exclusiveMaximum !== undefined) bounds.push(`< ${schema.exclusiveMaximum}`);
      return `${schema.type === 'integer' ? 'an integer' : 'a number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
    }
    case 'string':
      return 'a string';
    case 'null':
      return 'null';
    case 'boolean':
      return 'a boolean';
    case 'array':
      return schema.items?.type === 'string' ? 'a list of strings' : 'an array';
    case 'object':
      return 'an object';
    default:
      return 'a valid value';
  }
}

/** The JSON type a schema accepts, for matching a union member to the value that failed it. */
function jsonTypeOf(schema: SchemaShape): string | undefined {
  if (schema.const !== undefined) return schema.const === null ? 'null' : typeof schema.const;
  if (schema.type === 'integer') return 'number';
  return schema.type;
}

function jsonTypeOfValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Object and array paths in the config schema, to suggest where a key belongs when it is written in the
 * wrong place (`"epochs"` at the top level → `training.epochs`).
 */
function objectSections(root: SchemaShape): { path: string; keys: string[] }[] {
  const sections: { path: string; keys: string[] }[] = [];
  sections.push({ path: '', keys: Object.keys(root.properties ?? {}) });
  for (const [key, schema] of Object.entries(root.properties ?? {})) {
    if (schema.type === 'object' && schema.properties) sections.push({ path: key, keys: Object.keys(schema.properties) });
    if (schema.type === 'array' && schema.items?.properties) sections.push({ path: `${key}[0]`, keys: Object.keys(schema.items.properties) });
  }
  return sections;
}
const sectionsBySchema = new WeakMap<SchemaShape, { path: string; keys: string[] }[]>();

function unknownKeyMessage(key: string, objectSchema: SchemaShape, objectPath: JsonPath, root: SchemaShape): string {
  const message = `unknown key ${quote(key)}`;
  const known = Object.keys(objectSchema.properties ?? {});
  const close = closestMatch(key, known);
  if (close !== undefined) return `${message}; did you mean ${quote(close)}?`;
  // Not a typo here: maybe a key of another section, written in the wrong place.
  let sections = sectionsBySchema.get(root);
  if (!sections) sectionsBySchema.set(root, (sections = objectSections(root)));
  const here = formatPath(objectPath).replace(/\[\d+\]/g, '[0]');
  for (const section of sections) {
    if (section.path === here) continue;
    const match = closestMatch(key, section.keys);
    if (match !== undefined && match.toLowerCase() === key.toLowerCase()) {
      return `${message}; did you mean ${quote(section.path ? `${section.path}.${match}` : match)}?`;
    }
  }
  return message;
}

function patternMessage(schema: SchemaShape, value: unknown): string {
  if (schema.pattern === IDENTIFIER_PATTERN) {
    return `must start with a letter or digit and contain only letters, digits, ".", "_" and "-", got ${showValue(value)}`;
  }
  if (schema.patternErrorMessage) return `${schema.patternErrorMessage}, got ${showValue(value)}`;
  return `must match the pattern ${schema.pattern}, got ${showValue(value)}`;
}

/** The human message for one TypeBox error. */
function issueFor(error: ValueError, path: JsonPath, root: SchemaShape): ConfigIssue {
  const schema = error.schema as unknown as SchemaShape;
  const value = error.value;
  const at = (message: string): ConfigIssue => ({ path, message });
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = String(path[path.length - 1]);
      const parent = path.slice(0, -1);
      return { path: parent, message: unknownKeyMessage(key, schema, parent, root), at: path, atKey: true };
    }
    case ValueErrorType.ObjectRequiredProperty: {
      const parent = path.slice(0, -1);
      return { path: parent, message: `missing required key ${quote(String(path[path.length - 1]))}` };
    }
    case ValueErrorType.Object:
      return at(`expected an object, got ${kindOf(value)}`);
    case ValueErrorType.Array:
      return at(`expected ${describeSchema(schema)}, got ${kindOf(value)}`);
    case ValueErrorType.ArrayMinItems:
      return at(`must have at least ${plural(schema.minItems ?? 0, 'item')}, got ${(value as unknown[]).length}`);
    case ValueErrorType.ArrayMaxItems:
      return at(`must have at most ${plural(schema.maxItems ?? 0, 'item')}, got ${(value as unknown[]).length}`);
    case ValueErrorType.ArrayUniqueItems:
      return at('must not contain duplicates');
    case ValueErrorType.Integer:
      return at(typeof value === 'number' ? `expected an integer, got ${value}` : `expected an integer, got ${kindOf(value)}`);
    case ValueErrorType.Number:
      return at(`expected a number, got ${kindOf(value)}`);
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return at(`must be ≥ ${schema.minimum}, got ${showValue(value)}`);
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      return at(`must be > ${schema.exclusiveMinimum}, got ${showValue(value)}`);
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return at(`must be ≤ ${schema.maximum}, got ${showValue(value)}`);
    case ValueErrorType.NumberExclusiveMaximum:
    case ValueErrorType.IntegerExclusiveMaximum:
      return at(`must be < ${schema.exclusiveMaximum}, got ${showValue(value)}`);
    case ValueErrorType.NumberMultipleOf:
    case ValueErrorType.IntegerMultipleOf:
      return at(`must be a multiple of ${schema.multipleOf}, got ${showValue(value)}`);
    case ValueErrorType.String:
      return at(`expected a string, got ${kindOf(value)}`);
    case ValueErrorType.StringMinLength:
      return at(schema.minLength === 1 ? 'must not be empty' : `must be at least ${plural(schema.minLength ?? 0, 'character')} long`);
    case ValueErrorType.StringMaxLength:
      return at(`must be at most ${plural(schema.maxLength ?? 0, 'character')} long, got ${(value as string).length}`);
    case ValueErrorType.StringPattern:
      return at(patternMessage(schema, value));
    case ValueErrorType.Boolean:
      return at(`expected true or false, got ${kindOf(value)}`);
    case ValueErrorType.Null:
      return at(`expected null, got ${kindOf(value)}`);
    case ValueErrorType.Literal:
      return at(`expected ${JSON.stringify(schema.const)}, got ${showValue(value)}`);
    case ValueErrorType.Kind:
      if (schema.enum) {
        const expected = `expected one of ${schema.enum.map(quote).join(', ')}`;
        if (typeof value !== 'string') return at(`${expected}, got ${kindOf(value)}`);
        const close = closestMatch(value, schema.enum);
        return at(close !== undefined ? `${expected}; did you mean ${quote(close)}?` : expected);
      }
      return at(error.message);
    case ValueErrorType.Union:
      return at(`expected ${(schema.anyOf ?? []).map(describeSchema).join(' or ')}, got ${showValue(value)}`);
    default:
      return at(error.message);
  }
}

/**
 * Every schema problem of `value`, one per offending value, in document order of TypeBox's walk.
 * A union whose value is an object or array of the one member of that type (`earlyStopping: {...}`,
 * `features: [...]`) reports that member's problems inside it, which says more than "expected an
 * object or null".
 */
export function schemaIssues(schema: TSchema, value: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const reported = new Set<string>();
  const collect = (errors: Iterable<ValueError>) => {
    for (const error of errors) {
      if (reported.has(error.path)) continue;
      if (error.type === ValueErrorType.Union) {
        const members = (error.schema as unknown as SchemaShape).anyOf ?? [];
        const valueType = jsonTypeOfValue(error.value);
        const structural = valueType === 'object' || valueType === 'array';
        const matching = members.flatMap((member, i) => (jsonTypeOf(member) === valueType ? [i] : []));
        if (structural && matching.length === 1 && error.errors[matching[0]]) {
          collect(error.errors[matching[0]]);
          continue;
        }
      }
      reported.add(error.path);
      issues.push(issueFor(error, pointerToPath(error.path, value), schema as unknown as SchemaShape));
    }
  };
  collect(Errors(schema, value));
  return issues;
}

