/**
 * The test workspace (a private copy of examples/, so runs and edits never touch the repository) and
 * readers for what the extension writes there: experiment files and run directories. The run
 * directory is the source of truth (DESIGN.md), so the scenarios check it beside what the UI shows.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { applyEdits, modify, parse, type ParseError } from 'jsonc-parser';
import { REPO_ROOT } from '../../../scripts/vscode-test/provision';
import { withoutUnreachableSchema } from '../../../src/extension/examples/copyExample';
import type { MetricRecord, RunInfo } from '../../../src/training/run/records';

export interface ExampleExperiment {
  /** Path relative to the workspace root. */
  file: string;
  name: string;
  architecture: string | undefined;
  config: Record<string, unknown>;
}

export interface RunOnDisk {
  dir: string;
  id: string;
  info: RunInfo;
}

const IGNORED_DIRS = new Set(['node_modules', '.git', '.vscode']);

/** Copies examples/ to a fresh folder under /tmp (short paths keep VS Code's socket paths short). */
export function createWorkspaceFromExamples(): string {
  const examples = path.join(REPO_ROOT, 'examples');
  const files = existsSync(examples) ? walk(examples).filter((file) => file.endsWith('.mtl.json')) : [];
  if (files.length === 0) {
    throw new Error(`examples/ has no *.mtl.json experiment yet (the examples land with the training engine); the end-to-end scenarios open that workspace.`);
  }
  const workspace = mkdtempSync('/tmp/mtl-ws-');
  cpSync(examples, workspace, { recursive: true, filter: (source) => !/[/\\](mtl-runs|node_modules)([/\\]|$)/.test(source) });
  // As Open Examples copies them: without the repository-relative $schema, which leads nowhere from here.
  for (const file of walk(workspace).filter((f) => f.endsWith('.mtl.json'))) writeFileSync(file, withoutUnreachableSchema(readFileSync(file, 'utf8'), path.dirname(file)));
  return workspace;
}

export function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (IGNORED_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

export function parseJsonc(file: string): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value = parse(readFileSync(file, 'utf8'), errors, { allowTrailingComma: true }) as unknown;
  if (errors.length > 0 || typeof value !== 'object' || value === null) throw new Error(`${file} is not valid JSON with comments (${errors.length} parse errors)`);
  return value as Record<string, unknown>;
}

export function listExperiments(workspace: string): ExampleExperiment[] {
  return walk(workspace)
    .filter((file) => file.endsWith('.mtl.json') && !file.split(path.sep).includes('mtl-runs'))
    .sort()
    .map((file) => {
      const config = parseJsonc(file);
      const model = config.model as { architecture?: string } | undefined;
      return {
        file: path.relative(workspace, file),
        name: typeof config.name === 'string' ? config.name : path.basename(file, '.mtl.json'),
        architecture: model?.architecture ?? 'hard',
        config,
      };
    });
}

/**
 * The example for an architecture: a plain one first (no sweep, study or affinity measurement: those examples
 * show one feature and train differently, e.g. four tasks with extra lookahead passes), then synthetic data (no
 * file to load); ties keep the file order.
 */
export function exampleFor(workspace: string, architecture: string): ExampleExperiment {
  const candidates = listExperiments(workspace).filter((experiment) => experiment.architecture === architecture);
  if (candidates.length === 0) throw new Error(`examples/ has no experiment with model.architecture "${architecture}"`);
  const isSynthetic = (experiment: ExampleExperiment) => ((experiment.config.data as { source?: string } | undefined)?.source ?? 'synthetic') === 'synthetic';
  const isPlain = (experiment: ExampleExperiment) => {
    const { sweep, study, training } = experiment.config as { sweep?: unknown; study?: unknown; training?: { affinityEvery?: unknown } };
    return sweep === undefined && study === undefined && training?.affinityEvery === undefined;
  };
  const rank = (experiment: ExampleExperiment) => 2 * Number(isPlain(experiment)) + Number(isSynthetic(experiment));
  return candidates.sort((a, b) => rank(b) - rank(a))[0]!;
}

/** Edits values in a JSONC file keeping its comments and formatting (as the extension's own edits do). */
export function editJsonc(file: string, edits: [path: (string | number)[], value: unknown][]): void {
  let text = readFileSync(file, 'utf8');
  for (const [jsonPath, value] of edits) {
    text = applyEdits(text, modify(text, jsonPath, value, { formattingOptions: { insertSpaces: true, tabSize: 2 } }));
  }
  writeFileSync(file, text);
}

/** Every run directory (a folder holding run.json) in the workspace, newest first. */
export function listRuns(workspace: string): RunOnDisk[] {
  const runs: RunOnDisk[] = [];
  for (const file of walk(workspace)) {
    if (path.basename(file) !== 'run.json') continue;
    try {
      const info = JSON.parse(readFileSync(file, 'utf8')) as RunInfo;
      runs.push({ dir: path.dirname(file), id: info.id, info });
    } catch {
      // being rewritten (temp file + rename) or torn: read it on the next poll
    }
  }
  return runs.sort((a, b) => b.info.createdAt.localeCompare(a.info.createdAt) || b.id.localeCompare(a.id));
}

/** Complete lines of a run's metrics.jsonl (the torn last line of a live file is skipped, as every reader must). */
export function metricRecords(runDir: string): MetricRecord[] {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  const records: MetricRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as MetricRecord);
    } catch {
      // torn line
    }
  }
  return records;
}

export function trainSteps(runDir: string): number {
  return metricRecords(runDir).filter((record) => record.kind === 'train').length;
}

/** One line per run on disk (status, steps recorded, pid, end), for failure messages. */
export function describeRuns(workspace: string): string {
  const runs = listRuns(workspace);
  if (runs.length === 0) return 'runs on disk: none';
  const line = (run: RunOnDisk) => `  ${run.id} ${run.info.status}, ${trainSteps(run.dir)} train records, pid ${run.info.pid ?? '-'}, ended ${run.info.endedAt ?? '-'}`;
  // A failed run says why (its run.json error, the program's output tail included): the cause of most failures.
  const why = (run: RunOnDisk) => (run.info.status === 'failed' && run.info.error ? `\n      error: ${run.info.error.message.split('\n').join('\n      ')}` : '');
  return ['runs on disk (newest first):', ...runs.map((run) => line(run) + why(run))].join('\n');
}
