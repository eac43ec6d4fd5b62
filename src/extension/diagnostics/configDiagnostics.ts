/**
 * Problems the JSON Schema cannot know about a `*.mtl.json`: a data file that does not exist, a task's
 * target column (or a listed feature) missing from the CSV header or the JSON Lines keys, and the
 * config's own semantic rules (unique task names, keys that only apply to another architecture...).
 * Syntax and schema errors are left to VS Code's JSON language service (`contributes.jsonValidation`),
 * so nothing is reported twice. No `vscode` import; files are read through an injected function.
 */
import path from 'node:path';
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser/lib/esm/main.js';
import { ExperimentSchema } from '../../training/config/schema';
import { fillDefaults } from '../../training/config/defaults';
import { semanticIssues } from '../../training/config/semantics';
import { formatPath } from '../../training/config/diagnostics';
import { parseCsvRecords } from '../../training/data/csv';

export interface ConfigProblem {
  /** Offset and length of the text to underline. */
  offset: number;
  length: number;
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

/** The first bytes of a data file as text, or undefined when it does not exist. */
export type ReadHead = (file: string) => Promise<string | undefined>;

function nodeValue(node: Node | undefined): unknown {
  if (!node) return undefined;
  if (node.type === 'object') {
    const out: Record<string, unknown> = {};
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? [];
      if (key && value) Object.defineProperty(out, String(key.value), { value: nodeValue(value), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (node.type === 'array') return (node.children ?? []).map(nodeValue);
  return node.value;
}

/** The deepest node on `path` that exists (where a missing key would be written). */
function nodeOnPath(root: Node, jsonPath: readonly (string | number)[]): Node {
  for (let depth = jsonPath.length; depth >= 0; depth--) {
    const node = findNodeAtLocation(root, jsonPath.slice(0, depth) as (string | number)[]);
    if (node) return node;
  }
  return root;
}

function problemAt(root: Node, jsonPath: (string | number)[], message: string, severity: ConfigProblem['severity'] = 'error'): ConfigProblem {
  const node = nodeOnPath(root, jsonPath);
  // Underline a whole scalar; for an object or array only its first character, not the whole block.
  const length = node.type === 'object' || node.type === 'array' ? 1 : node.length;
  return { offset: node.offset, length, path: formatPath(jsonPath), message, severity };
}

/** Column names of a CSV (its header) or JSON Lines file (keys of its first records). */
export function dataColumns(head: string, kind: 'csv' | 'jsonl', file: string): string[] {
  // Only whole lines: the head may end in the middle of a record.
  const cut = head.lastIndexOf('\n');
  const complete = cut >= 0 ? head.slice(0, cut + 1) : head;
  if (kind === 'csv') {
    const { records } = parseCsvRecords(complete.length > 0 ? complete : head, file);
    return (records[0] ?? []).map((name) => name.trim());
  }
  const keys = new Set<string>();
  for (const line of complete.split(/\r?\n/).slice(0, 50)) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (value && typeof value === 'object' && !Array.isArray(value)) for (const key of Object.keys(value)) keys.add(key);
    } catch {
      // The loader reports bad lines with their numbers when the run starts.
    }
  }
  return [...keys];
}

function listColumns(columns: readonly string[]): string {
  const shown = columns.slice(0, 12).map((c) => `"${c}"`).join(', ');
  return columns.length > 12 ? `${shown}, … (${columns.length} columns)` : shown;
}

export async function configProblems(text: string, configFile: string, readHead: ReadHead): Promise<ConfigProblem[]> {
  const errors: { error: number }[] = [];
  const root = parseTree(text, errors as never, { allowTrailingComma: true, disallowComments: false });
  if (!root || root.type !== 'object' || errors.length > 0) return []; // syntax: the JSON service reports it
  const given = nodeValue(root);
  const problems: ConfigProblem[] = [];

  let resolved: unknown;
  try {
    resolved = fillDefaults(ExperimentSchema, given);
    for (const issue of semanticIssues(given, resolved)) problems.push(problemAt(root, issue.at ?? issue.path, issue.message));
  } catch {
    // A value too malformed for the semantic rules is a schema error, shown by the JSON service.
  }

  const data = (given as { data?: { source?: unknown; path?: unknown; features?: unknown } }).data;
  const source = data?.source;
  if ((source !== 'csv' && source !== 'jsonl') || typeof data?.path !== 'string' || data.path === '') return problems;
  const dataFile = path.resolve(path.dirname(configFile), data.path);
  const head = await readHead(dataFile);
  if (head === undefined) {
    problems.push(problemAt(root, ['data', 'path'], `${source === 'csv' ? 'CSV' : 'JSON Lines'} file not found: ${dataFile}`));
    return problems;
  }
  let columns: string[];
  try {
    columns = dataColumns(head, source, dataFile);
  } catch (error) {
    problems.push(problemAt(root, ['data', 'path'], `cannot read the header of ${data.path}: ${(error as Error).message}`));
    return problems;
  }
  if (columns.length === 0) {
    problems.push(problemAt(root, ['data', 'path'], `${data.path} has no header row`));
    return problems;
  }
  const known = new Set(columns);
  const tasks = (given as { tasks?: unknown }).tasks;
  if (Array.isArray(tasks)) {
    tasks.forEach((task: unknown, index) => {
      const target = (task as { target?: unknown } | null)?.target;
      if (typeof target === 'string' && !known.has(target)) {
        problems.push(problemAt(root, ['tasks', index, 'target'], `target column "${target}" is not in ${data.path} (columns: ${listColumns(columns)})`));
      }
    });
  }
  if (Array.isArray(data.features)) {
    data.features.forEach((feature: unknown, index) => {
      if (typeof feature === 'string' && !known.has(feature)) {
        problems.push(problemAt(root, ['data', 'features', index], `feature column "${feature}" is not in ${data.path} (columns: ${listColumns(columns)})`));
      }
    });
  }
  return problems;
}
