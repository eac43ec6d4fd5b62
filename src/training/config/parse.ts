/**
 * Parsing and checking a `*.mtl.json` text. Pure: no Node APIs and no `vscode`, so the extension host
 * bundle can show the same diagnostics in the Problems view that the CLI prints.
 *
 * Steps: JSON with comments (syntax errors with line:col) → `--set` overrides → schema defaults →
 * schema validation (TypeBox) → the checks the schema cannot express (semantics.ts) → every problem,
 * positioned, at once. A config without problems comes back complete: every default that applies
 * filled in, none that does not (no `attention` unless the architecture is "soft").
 */
import { Errors } from '@sinclair/typebox/errors';
import { fillDefaults } from './defaults';
import { formatPath, LineIndex, locateNode, withoutBom, ConfigError, type ConfigDiagnostic, type JsonPath } from './diagnostics';
import { isPlainObject, quote, type ConfigIssue } from './issues';
import { parseTree, printParseErrorCode, type JsonNode, type JsonParseError } from './jsonc';
import { schemaIssues } from './messages';
import { MAX_SWEEP_RUNS, sweepKeyProblem, sweepPoints, sweepSize, type SweepPoint } from './sweep';
import { applyOverridesCollecting, overrideFor } from './overrides';
import { studyIssues } from './study';
import { METHODS } from './catalog';
import type { MethodCatalog } from './method';
import { schemaFor, type ExperimentConfig } from './schema';
import { pruneInapplicable, semanticIssues } from './semantics';

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a key in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the key',
  CommaExpected: 'expected "," between entries',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the array',
  EndOfFileExpected: 'unexpected text after the end of the config',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated /* comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'incomplete number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape sequence in string',
  InvalidCharacter: 'control character in string (write it escaped, e.g. \\n)',
};

function syntaxMessage(error: JsonParseError, source: string): string {
  const name = printParseErrorCode(error.error);
  const token = source.slice(error.offset, error.offset + Math.max(error.length, 1));
  if (name === 'InvalidSymbol' && token.startsWith("'")) return 'strings and keys need double quotes';
  if (name === 'InvalidSymbol' || name === 'PropertyNameExpected' || name === 'ValueExpected') {
    const shown = token.trim();
    const quoted = JSON.stringify(shown.length > 20 ? `${shown.slice(0, 17)}...` : shown);
    if (shown && name === 'InvalidSymbol') return `unexpected ${quoted}`;
    if (shown) return `${SYNTAX_MESSAGES[name]}, found ${quoted}`;
    if (error.offset >= source.trimEnd().length) return `${SYNTAX_MESSAGES[name]}, found the end of the file`;
  }
  return SYNTAX_MESSAGES[name] ?? name;
}

/** The value of a parse tree. Own properties are defined, not assigned, so `"__proto__"` is an ordinary (unknown) key. */
function nodeValue(node: JsonNode): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key && value) Object.defineProperty(out, String(key.value), { value: nodeValue(value), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

/** A key written twice in one object: JSON keeps the last silently, which hides mistakes. */
function duplicateKeyIssues(node: JsonNode, path: (string | number)[], issues: ConfigIssue[]): void {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? [];
      if (!key || !value) continue;
      const name = String(key.value);
      if (seen.has(name)) issues.push({ path, message: `duplicate key ${quote(name)} (only the last one would count)`, offset: key.offset });
      seen.add(name);
      duplicateKeyIssues(value, [...path, name], issues);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => duplicateKeyIssues(child, [...path, i], issues));
  }
}

export interface ExperimentAnalysis {
  diagnostics: ConfigDiagnostic[];
  /** The complete config, when there are no diagnostics. */
  config?: ExperimentConfig;
}

/** Parses, overrides, resolves and checks against the methods of `catalog`; never throws for a bad config. */
export function analyseExperimentText(text: string, file: string, overrides: readonly string[] = [], catalog: MethodCatalog = METHODS): ExperimentAnalysis {
  // The sweep section's values are checked against the file as written (what the editor shows). With
  // overrides this is one run (a sweep point, --set): its values are not what runs, and a value checked
  // on a config that already carries another sweep value could be flagged for a combination nobody runs.
  return analyse(text, file, overrides, overrides.length === 0, catalog);
}

/** Up to this many combinations, every one is checked; beyond, each value on its own. */
const CHECK_EVERY_COMBINATION = 64;

/**
 * The problems of a `sweep` section: its keys must be config paths and its size bounded; every
 * combination (or, for large sweeps, every value on its own) must make a valid config. A problem is
 * reported at the swept value it concerns (or at the section), naming the combination.
 */
function sweepIssues(text: string, file: string, overrides: readonly string[], sweep: unknown, catalog: MethodCatalog): ConfigIssue[] {
  if (!isPlainObject(sweep)) return [];
  const issues: ConfigIssue[] = [];
  const section = sweep as Record<string, unknown>;
  const arrays = Object.fromEntries(Object.entries(section).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]) && entry[1].length > 0));
  const size = sweepSize(arrays);
  if (size > MAX_SWEEP_RUNS) return [{ path: ['sweep'], message: `${size} combinations; at most ${MAX_SWEEP_RUNS}` }];
  for (const key of Object.keys(arrays)) {
    const problem = sweepKeyProblem(key);
    if (problem) issues.push({ path: ['sweep', key], message: problem, atKey: true });
  }
  if (issues.length > 0) return issues;
  const keys = Object.keys(arrays);
  const seen = new Set<string>();
  // `at` gets the index in `extra` of the override a problem came from (analyse names it), if any.
  const check = (extra: string[], label: string, at: (index: number | undefined) => JsonPath) => {
    const [first] = analyse(text, file, [...overrides, ...extra], false, catalog).diagnostics;
    if (!first || seen.has(`${first.path}\u0000${first.message}`) || issues.length >= 5) return;
    seen.add(`${first.path}\u0000${first.message}`);
    const index = first.override === undefined ? -1 : extra.indexOf(first.override);
    issues.push({ path: at(index >= 0 ? index : undefined), message: `${label}: ${first.path ? `${first.path}: ` : ''}${first.message}` });
  };
  if (size <= CHECK_EVERY_COMBINATION) {
    // A point's overrides are in key order: override i sets keys[i] to its value number indices[i].
    for (const point of sweepPoints(arrays)) check(point.overrides, point.label, (i) => (i === undefined ? ['sweep'] : ['sweep', keys[i], point.indices[i]]));
  } else {
    for (const [key, values] of Object.entries(arrays)) values.forEach((value, index) => check([`${key}=${JSON.stringify(value)}`], `${key} = ${JSON.stringify(value)}`, () => ['sweep', key, index]));
  }
  return issues;
}

function analyse(text: string, file: string, overrides: readonly string[], checkSweep: boolean, catalog: MethodCatalog): ExperimentAnalysis {
  const schema = schemaFor(catalog);
  const source = withoutBom(text);
  const lines = new LineIndex(source);
  const syntaxErrors: JsonParseError[] = [];
  const root = parseTree(source, syntaxErrors, { allowTrailingComma: true, disallowComments: false });

  if (source.trim() === '') {
    return { diagnostics: [{ file, line: 1, column: 1, path: '', message: 'the file is empty; expected a JSON object' }] };
  }
  if (syntaxErrors.length > 0 || !root) {
    const diagnostics: ConfigDiagnostic[] = [];
    const offsets = new Set<number>();
    for (const error of syntaxErrors) {
      // The parser may report several errors at one spot while recovering; the first says it best.
      if (offsets.has(error.offset)) continue;
      offsets.add(error.offset);
      diagnostics.push({ file, ...lines.position(error.offset), path: '', message: syntaxMessage(error, source) });
    }
    return { diagnostics };
  }

  const issues: ConfigIssue[] = [];
  duplicateKeyIssues(root, [], issues);
  const applied = applyOverridesCollecting(nodeValue(root), overrides, file);
  const given = applied.value;
  const resolved = fillDefaults(schema, given);
  const semantic = semanticIssues(given, resolved, catalog);
  // "model.experts: only used by architecture "routing"" says all there is to say about that key;
  // what is wrong inside its value does not matter once it goes.
  const moot = semantic.filter((issue) => issue.moot).map((issue) => issue.path);
  const isMoot = (path: readonly (string | number)[]) => moot.some((prefix) => prefix.length <= path.length && prefix.every((s, i) => s === path[i]));
  issues.push(...schemaIssues(schema, resolved).filter((issue) => !isMoot(issue.at ?? issue.path)), ...semantic, ...studyIssues(given));
  // Each swept value is checked on a config that is otherwise valid (else every value would repeat its problems).
  if (checkSweep && issues.length === 0 && isPlainObject(given)) issues.push(...sweepIssues(text, file, overrides, (given as Record<string, unknown>).sweep, catalog));

  const diagnostics: ConfigDiagnostic[] = [];
  const seen = new Set<string>();
  for (const issue of issues) {
    const id = `${formatPath(issue.path)}\u0000${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const target = issue.at ?? issue.path;
    const override = overrideFor(applied.applied, target);
    const location = locateNode(root, target);
    const keyNode = issue.atKey && location.found ? location.property?.children?.[0] : undefined;
    const offset = issue.offset ?? keyNode?.offset ?? location.node.offset;
    const diagnostic: ConfigDiagnostic = { file, ...lines.position(offset), path: formatPath(issue.path), message: issue.message };
    if (override) diagnostic.override = override.override;
    diagnostics.push(diagnostic);
  }
  // Problems in the file in reading order, then those that came from overrides, then bad overrides.
  const rank = (d: ConfigDiagnostic) => (d.override === undefined ? 0 : d.path ? 1 : 2);
  diagnostics.sort((a, b) => rank(a) - rank(b) || a.line - b.line || a.column - b.column);
  diagnostics.push(...applied.diagnostics);
  if (diagnostics.length > 0) return { diagnostics };

  pruneInapplicable(resolved, catalog);
  // The resolved config must satisfy its own schema; if not, this module has a bug, not the user.
  const leftover = Errors(schema, resolved).First();
  if (leftover) throw new Error(`internal error: the resolved config fails its schema at ${leftover.path}: ${leftover.message}`);
  if (!isPlainObject(resolved)) throw new Error('internal error: the resolved config is not an object');
  return { diagnostics: [], config: resolved as ExperimentConfig };
}

/**
 * Parses a `*.mtl.json` text (JSON with comments and trailing commas), applies `path=value`
 * overrides, fills defaults and checks everything. Returns the complete config or throws a
 * ConfigError listing every problem (`file:line:col: path: message`, one per line).
 */
export function parseExperimentText(text: string, file: string, overrides: readonly string[] = []): ExperimentConfig {
  const { diagnostics, config } = analyseExperimentText(text, file, overrides);
  if (!config) throw new ConfigError(diagnostics);
  return config;
}

/**
 * The first point of a sweep that is not a valid config (after `overrides`), with its problems; undefined
 * when every point is valid. Each value was checked when the file was analysed, but a combination can still
 * be invalid (and large sweeps are checked value by value), so sweeps check every point before starting.
 */
export function invalidSweepPoint(text: string, file: string, points: readonly SweepPoint[], overrides: readonly string[] = []): { index: number; point: SweepPoint; diagnostics: ConfigDiagnostic[] } | undefined {
  for (const [index, point] of points.entries()) {
    const { diagnostics } = analyseExperimentText(text, file, [...overrides, ...point.overrides]);
    if (diagnostics.length > 0) return { index, point, diagnostics };
  }
  return undefined;
}

/** Every problem of a `*.mtl.json` text, without throwing; [] for a good config (for the Problems view). */
export function diagnoseExperimentText(text: string, file: string, overrides: readonly string[] = []): ConfigDiagnostic[] {
  return analyseExperimentText(text, file, overrides).diagnostics;
}
