/**
 * A study's outcome as text: one line per group (runs that differ only by seed) with mean ± std over its
 * finished runs of Δm and of each task's relative change and metric, the baselines it used, and every job
 * that could not run or failed with its reason.
 */
import { DELTA_M_CONVENTION, headlineMetric } from '../evaluation/deltaM';
import { table } from '../textTable';
import { formatMeanStd, type RunGroup } from './compare';

function metricCell(group: RunGroup, task: { name: string; type: 'classification' | 'regression' }): string {
  const { metric } = headlineMetric(task.type);
  const ms = group.metrics[task.name];
  if (!ms) return '—';
  return metric === 'accuracy' ? `acc ${formatMeanStd({ ...ms, mean: ms.mean * 100, std: ms.std === undefined ? undefined : ms.std * 100 }, { unit: ' %' })}` : `rmse ${formatMeanStd(ms, { digits: 4 })}`;
}

/** The groups table: multi-task groups with Δm and per-task parts, then the baselines' metrics. */
export function groupsTable(groups: readonly RunGroup[], tasks: readonly { name: string; type: 'classification' | 'regression' }[]): string {
  const rows = groups.map((g) => [
    g.label,
    `${g.runs.filter((r) => r.listing.info.status === 'completed').length}/${g.runs.length}`,
    g.baselineOf ? 'baseline' : g.deltaM ? formatMeanStd(g.deltaM, { unit: ' %', signed: true }) : `undefined: ${g.deltaMReason ?? '?'}`,
    ...tasks.map((t) => (g.baselineOf ? (g.baselineOf === t.name ? metricCell(g, t) : '') : `${metricCell(g, t)}; Δ ${formatMeanStd(g.taskDeltas[t.name], { unit: ' %', signed: true })}`)),
  ]);
  return table(['group', 'done', 'Δm (mean ± std)', ...tasks.map((t) => t.name)], rows) + `\n\n${DELTA_M_CONVENTION}; std over seeds (n − 1); only finished runs count.`;
}
