/**
 * A study's outcome as text: one line per group (runs that differ only by seed) with mean ± std over its
 * finished runs of Δm and of each task's relative change and metric, the baselines it used, and every job
 * that could not run or failed with its reason.
 */
import { DELTA_M_CONVENTION, headlineMetric, PERCENT_METRICS, TASK_METRIC_TITLES, type TaskType } from '../evaluation/deltaM';
import { table } from '../textTable';
import type { MetricRecord } from '../run/records';
import { finishedPerSeed, formatMeanStd, type HasInfo, type RunGroup } from './compare';
import { conflictShares, diagnoseGroup, runSignals, type Finding } from './diagnostics';

function metricCell(group: RunGroup, task: { name: string; type: TaskType }): string {
  const { metric } = headlineMetric(task.type);
  const ms = group.metrics[task.name];
  if (!ms) return '—';
  const name = metric === 'accuracy' ? 'acc' : metric === 'rmse' ? 'rmse' : TASK_METRIC_TITLES[metric];
  return PERCENT_METRICS.has(metric) ? `${name} ${formatMeanStd({ ...ms, mean: ms.mean * 100, std: ms.std === undefined ? undefined : ms.std * 100 }, { unit: ' %' })}` : `${name} ${formatMeanStd(ms, { digits: 4 })}`;
}

/** The groups table: multi-task groups with Δm and per-task parts, then the baselines' metrics. */
export function groupsTable(groups: readonly RunGroup[], tasks: readonly { name: string; type: TaskType }[]): string {
  const rows = groups.map((g) => [
    g.label,
    `${finishedPerSeed(g.runs).length} seeds`,
    g.baselineOf ? 'baseline' : g.deltaM ? formatMeanStd(g.deltaM, { unit: ' %', signed: true }) : `undefined: ${g.deltaMReason ?? '?'}`,
    ...tasks.map((t) => (g.baselineOf ? (g.baselineOf === t.name ? metricCell(g, t) : '') : `${metricCell(g, t)}; Δ ${formatMeanStd(g.taskDeltas[t.name], { unit: ' %', signed: true })}`)),
  ]);
  return table(['group', 'finished', 'Δm (mean ± std)', ...tasks.map((t) => t.name)], rows) + `\n\n${DELTA_M_CONVENTION}; std over seeds (n − 1); only finished runs count.`;
}

export interface GroupDiagnostics {
  group: RunGroup;
  findings: Finding[];
  conflictShares: Record<string, { share: number; logged: number }>;
}

/** The diagnostics of every multi-task group; `readRecords` gives a run's records (run/metricsTail.ts). */
export function studyDiagnostics<R extends HasInfo>(groups: readonly RunGroup<R>[], readRecords: (run: R) => MetricRecord[]): GroupDiagnostics[] {
  return groups
    .filter((g) => !g.baselineOf)
    .map((group) => {
      const tasks = group.runs[0]?.config?.tasks.map((t) => t.name) ?? [];
      const signals = new Map(finishedPerSeed(group.runs).map((r) => [r.listing.info.id, runSignals(readRecords(r.listing), tasks)] as const));
      return { group: group as RunGroup, findings: diagnoseGroup(group, signals), conflictShares: conflictShares([...signals.values()]) };
    });
}

/** The sweep a remedy adds, as it would be written in the experiment file. */
export function remedyText(finding: Finding): string {
  return `"sweep": ${JSON.stringify(finding.remedy.sweep).replace(/,/g, ', ').replace(/:/g, ': ')}`;
}

export function diagnosticsText(diagnostics: readonly GroupDiagnostics[]): string {
  const lines = ['Diagnostics'];
  for (const d of diagnostics) {
    lines.push('', `  ${d.group.label}`);
    const shares = Object.entries(d.conflictShares);
    if (shares.length) lines.push(`    gradient conflict (cosine < 0): ${shares.map(([pair, s]) => `${pair} ${(100 * s.share).toFixed(0)} % of ${s.logged} steps`).join('; ')}`);
    else lines.push('    gradient conflict: not logged (set training.conflictEvery > 0)');
    if (!d.findings.length) lines.push('    no findings');
    for (const f of d.findings) lines.push(`    ! ${f.message}`, `      remedy: add ${remedyText(f)} (${f.remedy.why}), then run the study`);
  }
  return lines.join('\n');
}
