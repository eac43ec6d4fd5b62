/** A config problem before it has a file position: what is wrong, and where in the value tree. */
import type { JsonPath } from './diagnostics';

export interface ConfigIssue {
  /** The path shown in the message. */
  path: JsonPath;
  message: string;
  /** The path to point at, when not `path` (an unknown key points at the key, shown under its object). */
  at?: JsonPath;
  /** Point at the key of `at` rather than at its value. */
  atKey?: boolean;
  /** The exact text offset to point at, when known from the parse tree (a duplicate key). */
  offset?: number;
  /** The key should not be there at all: schema problems inside its value are moot and not reported. */
  moot?: boolean;
}

/** The value at `path`, or undefined when any step is missing or not a container. */
export function valueAt(root: unknown, path: readonly (string | number)[]): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "a string", "an array", "null" — for "expected …, got …". */
export function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** A value as it would appear in the file, shortened: `"abc"`, `0.5`, `[…]`. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return kindOf(value);
}

export const quote = (s: string) => JSON.stringify(s);

