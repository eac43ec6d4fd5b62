/**
 * What the tree shows for a run: label, description, icon, context value and Markdown tooltip, all
 * computed from the run's files so they are unit-tested without VS Code.
 */
import type { RunInfo, RunStatus, TaskMetrics } from '../../training/run/records';
import { formatDuration } from '../../training/run/duration';
import type { RunSnapshot } from '../dashboard/dataSource';
import type { RunnerState } from '../../training/runner/runner';
import { DELTA_M_CONVENTION, PERCENT_METRICS, TASK_METRICS, TASK_METRIC_TITLES } from '../../training/evaluation/deltaM';
import { formatMeanStd, type ComparedRun, type RunGroup } from '../../training/study/compare';

export type RunIcon = 'running' | 'queued' | 'completed' | 'stopped' | 'failed';

/** Context values used by `when` clauses in package.json menus. */
export const CONTEXT = {
  experiment: 'experiment',
  config: 'config',
  configValue: 'configValue',
  tasks: 'tasks',
  runningRun: 'runningRun',
  /** Stopped (or failed): can be resumed. */
  stoppedRun: 'stoppedRun',
  finishedRun: 'finishedRun',
  queuedRun: 'queuedRun',
  otherRuns: 'otherRuns',
} as const;

export function runIcon(status: RunStatus): RunIcon {
  return status;
}

export function runContextValue(status: RunStatus): string {
  switch (status) {
    case 'running':
      return CONTEXT.runningRun;
    case 'queued':
      return CONTEXT.queuedRun;
    case 'stopped':
    case 'failed':
      return CONTEXT.stoppedRun;
    default:
      return CONTEXT.finishedRun;
  }
}

/** The run id without the experiment name in front (the tree already groups by experiment). */
export function runLabel(info: RunInfo): string {
  const prefix = `${info.name}-`;
  return info.id.startsWith(prefix) && info.id.length > prefix.length ? info.id.slice(prefix.length) : info.id;
}

export function percent(step: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, Math.floor((100 * step) / total)));
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5)) return value.toExponential(2);
  return Number(value.toPrecision(3)).toString();
}

/** The one number that says most about a task: accuracy for classification, RMSE for regression, else loss. */
export function headlineMetric(metrics: TaskMetrics): string {
  if (metrics.accuracy !== undefined) return `acc ${(metrics.accuracy * 100).toFixed(1)}%`;
  if (metrics.rmse !== undefined) return `rmse ${formatNumber(metrics.rmse)}`;
  if (metrics.microF1 !== undefined) return `micro-F1 ${(metrics.microF1 * 100).toFixed(1)}%`;
  return `loss ${formatNumber(metrics.loss)}`;
}

export function runDescription(info: RunInfo, liveStep?: number): string {
  const step = Math.max(info.step, liveStep ?? 0);
  switch (info.status) {
    case 'queued':
      return 'queued';
    case 'running':
      return info.totalSteps > 0 ? `step ${step} / ${info.totalSteps} · ${percent(step, info.totalSteps)}%` : `step ${step}`;
    case 'stopped':
      return `stopped at ${step} / ${info.totalSteps}`;
    case 'failed': {
      const first = info.error?.message.split('\n')[0] ?? 'failed';
      return `failed: ${first.length > 60 ? `${first.slice(0, 59)}…` : first}`;
    }
    case 'completed': {
      const metrics = info.summary?.metrics;
      if (!metrics || Object.keys(metrics).length === 0) return 'completed';
      return Object.entries(metrics)
        .map(([task, m]) => `${task} ${headlineMetric(m)}`)
        .join(' · ');
    }
  }
}

/** `12_3` for an array task, `12` for a single job. */
export function clusterJobLabel(info: RunInfo): string | undefined {
  const c = info.cluster;
  if (!c) return undefined;
  return c.arrayTaskId === null ? c.jobId : `${c.jobId}_${c.arrayTaskId}`;
}

/**
 * A cluster run's description: its job, then what the scheduler says when that differs from run.json (waiting and
 * why, requeued after a node failure, killed at the time limit) and run.json's own description otherwise.
 */
export function clusterRunDescription(info: RunInfo, state: RunnerState | undefined, liveStep?: number): string {
  const status = state?.status ?? info.status;
  let what: string;
  if (status === 'queued') what = `queued${state?.reason ? ` (${state.reason})` : ''}`;
  else if (status !== info.status && state) what = state.reason ? `${status}: ${state.reason}` : status;
  else what = runDescription(info, liveStep);
  return `job ${clusterJobLabel(info)} · ${what}`;
}

/** Escapes text for a Markdown tooltip (run ids and error messages are user-controlled). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

export interface ConfigDifference {
  path: string;
  run: unknown;
  file: unknown;
}

/**
 * What differs between the config a run used and the experiment file as it is now. Only keys the file
 * states are compared (the run's config has every default filled in, the file need not).
 */
export function configDifferences(runConfig: unknown, fileConfig: unknown): ConfigDifference[] {
  const differences: ConfigDifference[] = [];
  const walk = (file: unknown, run: unknown, path: string) => {
    if (path === '$schema' || path === 'description') return;
    if (file !== null && typeof file === 'object' && !Array.isArray(file)) {
      const runObject = run !== null && typeof run === 'object' && !Array.isArray(run) ? (run as Record<string, unknown>) : {};
      for (const [key, value] of Object.entries(file as Record<string, unknown>)) walk(value, runObject[key], path ? `${path}.${key}` : key);
      return;
    }
    if (Array.isArray(file) && Array.isArray(run) && file.length === run.length && file.some((v) => v !== null && typeof v === 'object')) {
      file.forEach((value, index) => walk(value, run[index], `${path}[${index}]`));
      return;
    }
    if (JSON.stringify(file) !== JSON.stringify(run)) differences.push({ path, run, file });
  };
  walk(fileConfig, runConfig, '');
  return differences;
}

function metricsTable(metrics: Record<string, TaskMetrics>): string[] {
  const columns = TASK_METRICS.filter((c) => Object.values(metrics).some((m) => m[c] !== undefined));
  const lines = [`| task | ${columns.map((c) => (c === 'rmse' || c === 'mae' ? c : TASK_METRIC_TITLES[c])).join(' | ')} |`, `|---|${columns.map(() => '---:').join('|')}|`];
  for (const [task, m] of Object.entries(metrics)) {
    lines.push(`| ${escapeMarkdown(task)} | ${columns.map((c) => (m[c] === undefined ? '' : PERCENT_METRICS.has(c) ? `${(m[c]! * 100).toFixed(1)}%` : formatNumber(m[c]!))).join(' | ')} |`);
  }
  return lines;
}

/** A study run's Δm (each task's part) and its group's mean ± std; a baseline says what it is. */
export function studyTooltipLines(study: { run: ComparedRun; group?: RunGroup }): string[] {
  const { run, group } = study;
  const baseline = run.listing.info.baseline;
  if (baseline) return [`Single-task baseline of task ${code(baseline.task)} (reused by studies with the same settings).`, ''];
  const d = run.deltaM;
  if (!d) return [];
  const lines: string[] = [];
  if (d.value !== undefined) {
    const parts = d.tasks.map((t) => `${escapeMarkdown(t.task)} ${formatSigned(t.relative!)} %`).join(', ');
    lines.push(`**Δm ${formatSigned(d.value)} %** vs single-task baselines (${parts})`);
  } else lines.push(`Δm undefined: ${escapeMarkdown(d.reason ?? '')}`);
  if (group && group.runs.length > 1) lines.push(`Group of ${group.runs.length} runs differing only by seed: Δm ${group.deltaM ? formatMeanStd(group.deltaM, { unit: ' %', signed: true }) : `undefined (${escapeMarkdown(group.deltaMReason ?? '')})`}`);
  lines.push(`_${DELTA_M_CONVENTION}_`, '');
  return lines;
}

function formatSigned(v: number): string {
  return `${v > 0 ? '+' : ''}${v.toFixed(2)}`;
}

export function runTooltipMarkdown(run: RunSnapshot, options: { liveStep?: number; experimentConfig?: unknown; now?: Date; study?: { run: ComparedRun; group?: RunGroup } } = {}): string {
  const { info } = run;
  const lines: string[] = [`**${escapeMarkdown(info.id)}** — ${info.status}`, ''];
  const facts: string[] = [];
  const backend = info.summary?.backend ?? info.backend;
  if (backend) facts.push(`backend ${code(backend)}`);
  const step = Math.max(info.step, options.liveStep ?? 0);
  facts.push(`step ${step} / ${info.totalSteps}`);
  if (info.summary) facts.push(`${formatNumber(info.summary.stepsPerSecond)} steps/s`);
  if (info.startedAt) {
    const end = info.endedAt ? Date.parse(info.endedAt) : (options.now ?? new Date()).getTime();
    facts.push(`${info.endedAt ? 'took' : 'running for'} ${formatDuration((end - Date.parse(info.startedAt)) / 1000)}`);
  }
  lines.push(facts.join(' · '), '');
  if (info.summary && Object.keys(info.summary.metrics).length > 0) {
    lines.push(`Final validation metrics${info.summary.bestStep !== null ? ` (best step ${info.summary.bestStep})` : ''}:`, '', ...metricsTable(info.summary.metrics), '');
  }
  if (options.study) lines.push(...studyTooltipLines(options.study));
  if (info.error) lines.push(`**Error:** ${escapeMarkdown(info.error.message.split('\n')[0]!)}`, '');
  if (info.overrides.length > 0) lines.push(`Overrides: ${info.overrides.map(code).join(', ')}`, '');
  if (options.experimentConfig !== undefined && run.config) {
    const differences = configDifferences(run.config, options.experimentConfig);
    if (differences.length > 0) {
      lines.push('Differs from the experiment file now:', '');
      for (const d of differences.slice(0, 10)) lines.push(`- ${code(d.path)}: ${code(JSON.stringify(d.run) ?? 'unset')} in this run, ${code(JSON.stringify(d.file))} in the file`);
      if (differences.length > 10) lines.push(`- …and ${differences.length - 10} more`);
      lines.push('');
    }
  }
  if (info.experimentFile) lines.push(`Experiment: ${escapeMarkdown(info.experimentFile)}`);
  return lines.join('\n').trimEnd();
}

// ---------------------------------------------------------------------------------------------------
// Status bar

export interface ActiveRunProgress {
  step: number;
  totalSteps: number;
}

/** `$(sync~spin) 2 runs · 45%` (mean progress of the active runs), or undefined when nothing runs. */
export function statusBarText(active: readonly ActiveRunProgress[], queued: number): string | undefined {
  if (active.length === 0 && queued === 0) return undefined;
  if (active.length === 0) return `$(clock) ${queued} queued`;
  const progress = active.reduce((sum, run) => sum + percent(run.step, run.totalSteps), 0) / active.length;
  const runs = active.length === 1 ? '1 run' : `${active.length} runs`;
  const queue = queued > 0 ? ` · ${queued} queued` : '';
  return `$(sync~spin) ${runs} · ${Math.floor(progress)}%${queue}`;
}
