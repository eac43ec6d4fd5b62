/**
 * `--set path=value` overrides, shared by the CLI, the extension and sweeps.
 *
 * Path syntax: keys separated by dots, array indices as `[1]` or `.1`, keys with dots or other
 * special characters as `["my.task"]`: `training.epochs`, `tasks[1].classes`, `tasks.1.classes`,
 * `loss.weights["task.a"]`. The value is JSON (`3`, `[32,32]`, `null`, `"soft"`); anything that is
 * not valid JSON is taken as a plain string (`model.architecture=soft`), except text that starts like
 * JSON (`[`, `{`, `"`) and does not parse, which is reported rather than silently kept as a string.
 *
 * Missing intermediate objects (and arrays, before an `[index]`) are created. An index may address an
 * existing element or the position just past the end (appending). Overridden values are not checked
 * here: the whole config is validated afterwards, and problems in overridden values name the override.
 */
import { ConfigError, formatPath, type ConfigDiagnostic, type JsonPath } from './diagnostics';

export interface AppliedOverride {
  /** The override as given: `path=value`. */
  override: string;
  /** The path it set, array indices as numbers. */
  path: JsonPath;
  /** The objects and arrays it had to create on the way there. */
  created: JsonPath[];
}

export interface OverrideResult {
  /** A deep copy of the input with the overrides applied, in order (a later one wins). */
  value: unknown;
  applied: AppliedOverride[];
}

interface PathSegment {
  key: string;
  /** `[3]` → 'index'; `["k"]` → 'key'; a dotted segment → 'plain' (an index on arrays, a key on objects). */
  form: 'index' | 'key' | 'plain';
}

/** Parses `a.b[1]["c.d"].2` into segments, or returns why it cannot. */
export function parseOverridePath(path: string): PathSegment[] | string {
  const segments: PathSegment[] = [];
  let needKey = true; // at the start or after a dot
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '[') {
      if (segments.length === 0) return 'the path must start with a key';
      if (needKey) return 'empty key before "["';
      if (path[i + 1] === '"') {
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === '\\' ? 2 : 1;
        if (j >= path.length || path[j + 1] !== ']') return `unclosed ["…"] at character ${i + 1}`;
        let key: string;
        try {
          key = JSON.parse(path.slice(i + 1, j + 1)) as string;
        } catch {
          return `invalid quoted key ${path.slice(i + 1, j + 1)}`;
        }
        segments.push({ key, form: 'key' });
        i = j + 2;
      } else {
        const close = path.indexOf(']', i);
        if (close < 0) return `unclosed "[" at character ${i + 1}`;
        const index = path.slice(i + 1, close);
        if (!/^\d+$/.test(index)) return `expected an index like [0] or a quoted key like ["name"], got [${index}]`;
        segments.push({ key: index, form: 'index' });
        i = close + 1;
      }
      continue;
    }
    if (c === '.') {
      if (needKey) return i === 0 ? 'the path must start with a key' : 'empty key (two dots in a row)';
      needKey = true;
      i++;
      continue;
    }
    if (!needKey) return `expected "." or "[" after ${path.slice(0, i)}`;
    let end = i;
    while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
    const key = path.slice(i, end);
    if (key.includes(']')) return `unexpected "]" in ${key}`;
    segments.push({ key, form: 'plain' });
    needKey = false;
    i = end;
  }
  if (segments.length === 0) return 'empty path';
  if (needKey) return 'the path ends with "."';
  return segments;
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

function describeKind(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'string' ? 'the string' : typeof value === 'number' ? 'the number' : 'the value'} ${JSON.stringify(value)}`;
}

function readChild(container: Record<string, unknown> | unknown[], key: string | number): unknown {
  return Object.hasOwn(container, key) ? (container as Record<string | number, unknown>)[key] : undefined;
}

function writeChild(container: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (Array.isArray(container)) container[key as number] = value;
  // defineProperty, not assignment: a key such as "__proto__" becomes an ordinary (unknown, reported) key.
  else Object.defineProperty(container, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The value part: JSON, or a plain string when it is clearly not meant as JSON. */
function parseOverrideValue(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    if (/^[[{"]/.test(text)) return { error: `the value is not valid JSON (${(error as Error).message})` };
    return { value: text };
  }
}

function applyOne(root: unknown, override: string): AppliedOverride | string {
  const eq = override.indexOf('=');
  if (eq < 0) return 'expected path=value';
  const pathText = override.slice(0, eq).trim();
  const parsedValue = parseOverrideValue(override.slice(eq + 1).trim());
  if ('error' in parsedValue) return parsedValue.error;
  const segments = parseOverridePath(pathText);
  if (typeof segments === 'string') return `${segments} in path "${pathText}"`;
  if (!isContainer(root) || Array.isArray(root)) return 'the config is not a JSON object, so nothing can be set in it';

  let container: Record<string, unknown> | unknown[] = root;
  const path: JsonPath = [];
  const created: JsonPath[] = [];
  for (let k = 0; k < segments.length; k++) {
    const segment = segments[k];
    let key: string | number;
    if (Array.isArray(container)) {
      if (segment.form === 'key' || !/^\d+$/.test(segment.key)) {
        return `${formatPath(path)} is an array: index it with a number, e.g. ${formatPath([...path, 0])}`;
      }
      key = Number(segment.key);
      if (key > container.length) {
        return `${formatPath([...path, key])}: index out of range (${formatPath(path)} has ${container.length} item${container.length === 1 ? '' : 's'})`;
      }
    } else {
      if (segment.form === 'index') return `${formatPath(path) || 'the config'} is an object, not an array: use .${segment.key} for a key named "${segment.key}"`;
      key = segment.key;
    }
    path.push(key);
    if (k === segments.length - 1) {
      writeChild(container, key, parsedValue.value);
      break;
    }
    let next = readChild(container, key);
    if (next === undefined || next === null) {
      // null counts as absent: `training.earlyStopping.patience=5` turns `"earlyStopping": null` on.
      next = segments[k + 1].form === 'index' ? [] : {};
      writeChild(container, key, next);
      created.push([...path]);
    } else if (!isContainer(next)) {
      return `${formatPath(path)} is ${describeKind(next)}, so it has no "${segments[k + 1].key}"`;
    }
    container = next as Record<string, unknown> | unknown[];
  }
  return { override, path, created };
}

/**
 * Applies overrides to a copy of `obj`, collecting problems instead of throwing. Used by the config
 * parser, which reports them together with everything else.
 */
export function applyOverridesCollecting(obj: unknown, overrides: readonly string[], file: string): OverrideResult & { diagnostics: ConfigDiagnostic[] } {
  const value = structuredClone(obj);
  const applied: AppliedOverride[] = [];
  const diagnostics: ConfigDiagnostic[] = [];
  for (const override of overrides) {
    const result = applyOne(value, override);
    if (typeof result === 'string') {
      diagnostics.push({ file, line: 0, column: 0, path: '', message: `--set "${override}": ${result}`, override });
    } else {
      applied.push(result);
    }
  }
  return { value, applied, diagnostics };
}

/**
 * Applies `path=value` overrides to a deep copy of `obj`. Throws a ConfigError naming every malformed
 * override (`--set "foo": expected path=value`). The result is not validated: run it through the
 * config parser (parseExperimentText does both).
 */
export function applyOverrides(obj: unknown, overrides: readonly string[]): OverrideResult {
  const { value, applied, diagnostics } = applyOverridesCollecting(obj, overrides, '');
  if (diagnostics.length > 0) throw new ConfigError(diagnostics);
  return { value, applied };
}

/**
 * The override responsible for the value at `path`: the last one that set `path`, one of its
 * ancestors, or created an ancestor. Undefined when the value at `path` comes from the file.
 */
export function overrideFor(applied: readonly AppliedOverride[], path: readonly (string | number)[]): AppliedOverride | undefined {
  const isPrefix = (prefix: JsonPath) => prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
  for (let i = applied.length - 1; i >= 0; i--) {
    if (isPrefix(applied[i].path) || applied[i].created.some(isPrefix)) return applied[i];
  }
  return undefined;
}
