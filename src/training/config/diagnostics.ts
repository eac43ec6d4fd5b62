/**
 * Config problems and where they are. Pure (no Node APIs, no `vscode`): the extension host bundle uses
 * this for its Problems diagnostics, the CLI for its `file:line:col: path: message` lines.
 */
import { parseTree, type JsonNode } from './jsonc';

/** A path into the config: object keys and array indices, e.g. `['tasks', 1, 'target']`. */
export type JsonPath = (string | number)[];

export interface ConfigDiagnostic {
  /** The config file as named in messages (relative to the working directory when inside it). */
  file: string;
  /**
   * 1-based line and column (UTF-16 code units, as editors count) of the offending value, of the key
   * for an unknown key, or of the object that lacks a required key. For a problem that came from a
   * `--set` override, the nearest place in the file (the message names the override instead).
   * 0 when the problem has no place in the file at all (the file cannot be read).
   */
  line: number;
  column: number;
  /** `model.architecture`, `tasks[1].target`; '' for the document itself (syntax errors, the root object). */
  path: string;
  message: string;
  /** The `--set` override (`path=value`) the offending value came from, when it did not come from the file. */
  override?: string;
}

/**
 * One line per problem:
 *   `experiments/a.mtl.json:12:5: model.architecture: expected one of "hard", "soft", "routing", "cross-stitch"`
 *   `experiments/a.mtl.json: optimizer.learningRate: must be > 0, got -1 (from --set optimizer.learningRate=-1)`
 *   `experiments/a.mtl.json: --set "foo": expected path=value`
 */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  const place = d.override !== undefined || d.line === 0 ? d.file : `${d.file}:${d.line}:${d.column}`;
  const what = d.path ? `${d.path}: ${d.message}` : d.message;
  const origin = d.override !== undefined && d.path ? ` (from --set ${d.override})` : '';
  return place ? `${place}: ${what}${origin}` : `${what}${origin}`;
}

/** A config that cannot be used. `message` holds every diagnostic, formatted, one per line. */
export class ConfigError extends Error {
  readonly diagnostics: ConfigDiagnostic[];

  constructor(diagnostics: ConfigDiagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'ConfigError';
    this.diagnostics = diagnostics;
  }
}

/** True for a ConfigError, also one from another copy of this module (a second bundle). */
export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError || (error instanceof Error && error.name === 'ConfigError' && Array.isArray((error as Partial<ConfigError>).diagnostics));
}

/** Keys that read unambiguously after a dot; anything else is written `["key"]`. */
const PLAIN_KEY = /^[^.[\]="'\s]+$/;

/** `['tasks', 1, 'target']` → `tasks[1].target`; `['loss', 'weights', 'a b']` → `loss.weights["a b"]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Offsets → 1-based line and column. Line breaks as JSON and editors see them: \n, \r\n, \r. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        this.starts.push(i + 1);
      }
    }
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
}

/** Where a path leads in a parsed tree: the deepest node on it, and whether that is the whole path. */
export interface JsonLocation {
  /** The value node at the path, or the deepest existing object/array on the way there. */
  node: JsonNode;
  /** The property node (key and value) when the path ends at an object key that exists. */
  property?: JsonNode;
  found: boolean;
}

export function locateNode(root: JsonNode, path: readonly (string | number)[]): JsonLocation {
  let node = root;
  let property: JsonNode | undefined;
  for (const segment of path) {
    let next: JsonNode | undefined;
    property = undefined;
    if (node.type === 'object' && node.children) {
      // The last duplicate wins, as when the value is read.
      for (const candidate of node.children) {
        const key = candidate.children?.[0];
        if (key && String(key.value) === String(segment) && candidate.children?.[1]) {
          property = candidate;
          next = candidate.children[1];
        }
      }
    } else if (node.type === 'array' && node.children && typeof segment === 'number') {
      next = node.children[segment];
    }
    if (!next) return { node, found: false };
    node = next;
  }
  return { node, property, found: true };
}

/** Strips a byte order mark: editors do not count it as a column, so positions must not either. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The 1-based line and column of the value at `path` in a `*.mtl.json` text — or, when the path does
 * not exist in the text (a defaulted key), of the deepest object or array on the path that does, which
 * is where the key would be written. Undefined only when the text holds no JSON value at all.
 * For data errors found later, e.g. `tasks[1].target: column "y3" not found in data/x.csv`.
 */
export function locateJsonPath(text: string, path: readonly (string | number)[]): { line: number; column: number } | undefined {
  const source = withoutBom(text);
  const root = parseTree(source, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) return undefined;
  return new LineIndex(source).position(locateNode(root, path).node.offset);
}
