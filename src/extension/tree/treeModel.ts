/**
 * The Experiments tree as plain data: experiments → (Config → key values, Tasks → tasks), runs newest
 * first, queued requests. The VS Code provider only maps these nodes to TreeItems.
 */
import path from 'node:path';
import type { RunSnapshot } from '../dashboard/dataSource';
import { compareRuns, type ComparedRun, type RunGroup } from '../../training/study/compare';
import { byNewestFirst } from '../../training/run/runDirectory';
import { formatConfigValue, readConfigValues, readExperimentObject, readTasks, type ConfigField } from '../configEditing/configFields';
import { clusterRunDescription, CONTEXT, runContextValue, runDescription, runIcon, runLabel, runTooltipMarkdown, type RunIcon } from './runText';
import type { RunnerState } from '../../training/runner/runner';

export interface ExperimentFile {
  /** Absolute path of the `*.mtl.json`. */
  file: string;
  /** Workspace-relative path, for the description. */
  relativePath: string;
}

export type TreeNode = ExperimentNode | ConfigNode | ConfigValueNode | TasksNode | TaskNode | RunNode | QueuedNode | OtherRunsNode;

interface BaseNode {
  /** Stable id (keeps expansion state across refreshes). */
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** Markdown tooltip, when set instead of `tooltip`. */
  markdownTooltip?: string;
  contextValue: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
}

export interface ExperimentNode extends BaseNode {
  kind: 'experiment';
  file: string;
}

export interface ConfigNode extends BaseNode {
  kind: 'config';
  file: string;
}

export interface ConfigValueNode extends BaseNode {
  kind: 'configValue';
  file: string;
  field: ConfigField;
  value: unknown;
  offset: number | undefined;
}

export interface TasksNode extends BaseNode {
  kind: 'tasks';
  file: string;
}

export interface TaskNode extends BaseNode {
  kind: 'task';
  file: string;
  offset: number;
}

export interface RunNode extends BaseNode {
  kind: 'run';
  /** Read by screen readers: the full run id (the label drops the experiment name) and the state. */
  accessibilityLabel: string;
  runId: string;
  runDir: string;
  icon: RunIcon;
}

export interface QueuedNode extends BaseNode {
  kind: 'queued';
  ticket: number;
}

export interface OtherRunsNode extends BaseNode {
  kind: 'otherRuns';
}

export interface QueuedRequest {
  ticket: number;
  label: string;
  configPath: string | undefined;
  state: 'queued' | 'launching';
}

/** What the tree is built from. `readText` returns an experiment file's current text (open editor or disk). */
export interface TreeState {
  experiments: readonly ExperimentFile[];
  runs: readonly RunSnapshot[];
  queue: readonly QueuedRequest[];
  liveStep: (runId: string) => number | undefined;
  readText: (file: string) => string | undefined;
  /** The scheduler's view of a cluster run (undefined: a local run, or not asked yet). */
  clusterState?: (runId: string) => RunnerState | undefined;
}

function sameFile(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const normalize = (p: string) => (process.platform === 'win32' ? path.normalize(p).toLowerCase() : path.normalize(p));
  return normalize(a) === normalize(b);
}

export function newestFirst(runs: readonly RunSnapshot[]): RunSnapshot[] {
  return [...runs].sort(byNewestFirst);
}

export function runsOfExperiment(runs: readonly RunSnapshot[], file: string): RunSnapshot[] {
  return newestFirst(runs.filter((run) => sameFile(run.info.experimentFile, file)));
}

/** Runs whose experiment file is not among the experiments found (deleted, outside the glob, CLI runs). */
export function otherRuns(state: TreeState): RunSnapshot[] {
  return newestFirst(state.runs.filter((run) => !state.experiments.some((e) => sameFile(run.info.experimentFile, e.file))));
}

export function experimentLabel(file: string): string {
  return path.basename(file).replace(/\.mtl\.json$/i, '');
}

export function rootNodes(state: TreeState): TreeNode[] {
  const nodes: TreeNode[] = [...state.experiments]
    .sort((a, b) => a.relativePath.localeCompare(b.relativePath))
    .map((experiment) => {
      const runs = runsOfExperiment(state.runs, experiment.file);
      const running = runs.filter((r) => r.info.status === 'running').length;
      const dir = path.dirname(experiment.relativePath);
      const counts = `${runs.length} ${runs.length === 1 ? 'run' : 'runs'}${running > 0 ? `, ${running} running` : ''}`;
      const description = [dir === '.' ? undefined : dir, counts].filter(Boolean).join(' · ');
      return {
        kind: 'experiment',
        id: `experiment:${experiment.file}`,
        label: experimentLabel(experiment.file),
        description,
        tooltip: experiment.relativePath,
        contextValue: CONTEXT.experiment,
        // Always collapsed at first: VS Code keeps the user's choice per id afterwards, and a state that
        // changed with the run status would be ignored anyway. New runs are revealed instead.
        collapsible: 'collapsed',
        file: experiment.file,
      } satisfies ExperimentNode;
    });
  const others = otherRuns(state);
  if (others.length > 0) {
    nodes.push({
      kind: 'otherRuns',
      id: 'other-runs',
      label: 'Other runs',
      description: `${others.length}`,
      tooltip: 'Runs in the runs directory whose experiment file is not in this workspace (deleted, renamed, or started elsewhere).',
      contextValue: CONTEXT.otherRuns,
      collapsible: 'collapsed',
    });
  }
  return nodes;
}

type StudyFacts = Map<string, { run: ComparedRun; group?: RunGroup }>;
const studyFactsCache = new WeakMap<readonly RunSnapshot[], StudyFacts>();

/** Each study run's Δm and group, computed once per list of runs (only when some run belongs to a study). */
function studyFacts(runs: readonly RunSnapshot[]): StudyFacts {
  let facts = studyFactsCache.get(runs);
  if (facts) return facts;
  facts = new Map();
  if (runs.some((r) => r.info.baseline || r.info.baselines)) {
    const { runs: compared, groups } = compareRuns(runs, (r) => r.config);
    const groupOf = new Map(groups.flatMap((g) => g.runs.map((r) => [r.listing.info.id, g] as const)));
    for (const run of compared) if (run.listing.info.baseline || run.listing.info.baselines) facts.set(run.listing.info.id, { run, group: groupOf.get(run.listing.info.id) });
  }
  studyFactsCache.set(runs, facts);
  return facts;
}

export function runNode(run: RunSnapshot, state: TreeState): RunNode {
  const liveStep = state.liveStep(run.info.id);
  const text = run.info.experimentFile ? state.readText(run.info.experimentFile) : undefined;
  const cluster = run.info.cluster ? state.clusterState?.(run.info.id) : undefined;
  const status = cluster?.status ?? run.info.status;
  const description = run.info.cluster ? clusterRunDescription(run.info, cluster, liveStep) : runDescription(run.info, liveStep);
  return {
    kind: 'run',
    id: `run:${run.info.id}`,
    runId: run.info.id,
    runDir: run.runDir,
    label: runLabel(run.info),
    description,
    markdownTooltip: runTooltipMarkdown(run, { liveStep, experimentConfig: text === undefined ? undefined : readExperimentObject(text), study: studyFacts(state.runs).get(run.info.id) }),
    contextValue: runContextValue(status),
    collapsible: 'none',
    icon: runIcon(status),
    accessibilityLabel: `${run.info.id}, ${status}, ${description}`,
  };
}

export function childNodes(node: TreeNode, state: TreeState): TreeNode[] {
  switch (node.kind) {
    case 'experiment': {
      const queued: QueuedNode[] = state.queue
        .filter((q) => q.configPath !== undefined && sameFile(q.configPath, node.file))
        .map((q) => ({
          kind: 'queued',
          id: `queued:${q.ticket}`,
          ticket: q.ticket,
          label: q.state === 'launching' ? 'starting…' : 'queued',
          description: q.state === 'queued' ? 'waits for a free slot (mtlLab.maxConcurrentRuns)' : undefined,
          contextValue: CONTEXT.queuedRun,
          collapsible: 'none',
        }));
      return [
        { kind: 'config', id: `config:${node.file}`, label: 'Config', contextValue: CONTEXT.config, collapsible: 'collapsed', file: node.file, tooltip: 'Key values of the experiment file; ✎ edits them in place.' },
        ...queued,
        ...runsOfExperiment(state.runs, node.file).map((run) => runNode(run, state)),
      ];
    }
    case 'config': {
      const text = state.readText(node.file);
      if (text === undefined) return [];
      const values: TreeNode[] = readConfigValues(text).map((v) => ({
        kind: 'configValue',
        id: `configValue:${node.file}:${v.field.id}`,
        label: v.field.label,
        description: `${formatConfigValue(v.value)}${v.isDefault ? ' (default)' : ''}`,
        tooltip: `${v.field.path.join('.')} = ${formatConfigValue(v.value)}${v.isDefault ? ' (not in the file; the default applies)' : ''}`,
        contextValue: CONTEXT.configValue,
        collapsible: 'none',
        file: node.file,
        field: v.field,
        value: v.value,
        offset: v.offset,
      }));
      const tasks = readTasks(text);
      values.push({
        kind: 'tasks',
        id: `tasks:${node.file}`,
        label: 'tasks',
        description: tasks.map((t) => t.name).join(', '),
        contextValue: CONTEXT.tasks,
        collapsible: tasks.length > 0 ? 'collapsed' : 'none',
        file: node.file,
      });
      return values;
    }
    case 'tasks': {
      const text = state.readText(node.file);
      if (text === undefined) return [];
      return readTasks(text).map((task, index) => ({
        kind: 'task',
        id: `task:${node.file}:${index}`,
        label: task.name,
        description: task.detail,
        contextValue: 'task',
        collapsible: 'none',
        file: node.file,
        offset: task.offset,
      }));
    }
    case 'otherRuns':
      return otherRuns(state).map((run) => runNode(run, state));
    default:
      return [];
  }
}
