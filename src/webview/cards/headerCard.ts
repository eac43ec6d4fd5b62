/**
 * The Runs card: a row per run with its status, backend, progress, throughput and ETA, and Stop / Resume.
 * Rows are updated in place (a live run updates them 4 times a second; rebuilding would steal keyboard focus).
 */
import { button, el, statusBadge } from '../dom';
import { runColor } from '../colors';
import { formatDuration, formatValue } from '../data/transforms';
import { runLabel } from '../chartSpecs';
import type { DashboardContext } from '../context';
import type { RunView } from '../protocol';
import type { Card } from './cardStack';

interface HeaderRow {
  row: HTMLElement;
  /** Status and trust the row's buttons were built for; the row is rebuilt only when they change. */
  key: string;
  steps: HTMLElement;
  bar: HTMLElement;
  fill: HTMLElement;
  rate: HTMLElement;
  eta: HTMLElement;
}

export class HeaderCard {
  private rows = new Map<string, HeaderRow>();

  constructor(private readonly context: DashboardContext) {}

  /** Forget the rows (the cards were rebuilt). */
  reset(): void {
    this.rows = new Map();
  }

  private rowKey(r: RunView): string {
    const { model } = this.context;
    return `${r.status}|${model.readOnly}|${runColor(r.id, model.colors)}|${r.backend}|${r.error}|${r.cluster ? clusterText(r.cluster) : ''}`;
  }

  private buildRow(r: RunView): HeaderRow {
    const { model } = this.context;
    const bar = el('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-label': `Progress of ${r.id}` });
    const fill = el('div', { class: 'progress-fill' });
    bar.append(fill);
    const actions = el('span', { class: 'actions' });
    if (r.status === 'running' || r.status === 'queued') actions.append(button('Stop', 'debug-stop', () => this.context.post({ type: 'stopRun', runId: r.id }), { disabled: model.readOnly, action: 'stop', title: model.readOnly ? 'Disabled in an untrusted workspace' : 'Stop after this step (checkpointed)' }));
    if (r.status === 'stopped' || r.status === 'failed') actions.append(button('Resume', 'debug-continue', () => this.context.post({ type: 'resumeRun', runId: r.id }), { disabled: model.readOnly, action: 'resume', title: model.readOnly ? 'Disabled in an untrusted workspace' : 'Resume from the last checkpoint' }));
    const swatch = el('span', { class: 'dot', 'aria-hidden': 'true' });
    swatch.style.background = runColor(r.id, model.colors);
    const steps = el('span', { class: 'steps' });
    const rate = el('span', { class: 'muted' });
    const eta = el('span', { class: 'muted' });
    // A cluster run gets a line with its job, and while it waits, why (Slurm's reason: Resources, Priority, …).
    const row = el('div', { class: 'run-row', 'data-run-id': r.id }, el('span', { class: 'run-name' }, swatch, runLabel(model, r)), statusBadge(r.status), el('span', { class: 'muted' }, r.backend ?? 'backend —'), steps, bar, rate, eta, actions);
    if (r.cluster) row.append(el('span', { class: 'muted cluster-state', title: 'Cluster job · scheduler state (reason)' }, clusterText(r.cluster)));
    if (r.error) row.append(el('span', { class: 'error' }, r.error));
    return { row, key: this.rowKey(r), steps, bar, fill, rate, eta };
  }

  render(card: Card | undefined): void {
    if (!card || !card.element.open) return;
    const { model } = this.context;
    const next = new Map<string, HeaderRow>();
    for (const r of model.runs.values()) {
      let h = this.rows.get(r.id);
      if (!h || h.key !== this.rowKey(r) || !card.body.contains(h.row)) h = this.buildRow(r);
      next.set(r.id, h);
      const stepsPerSecond = model.stepsPerSecond(r.id);
      const samples = model.latest(r.id, 'throughput');
      // run.json is rewritten now and then; the live records know the newest step sooner.
      const total = model.points(r.id, 'total');
      const step = Math.max(r.step, total && total.steps.length > 0 ? total.steps[total.steps.length - 1] : 0);
      const fraction = r.totalSteps > 0 ? Math.min(1, step / r.totalSteps) : 0;
      h.steps.textContent = `step ${step.toLocaleString('en')} / ${r.totalSteps.toLocaleString('en')}`;
      h.bar.setAttribute('aria-valuemax', String(r.totalSteps));
      h.bar.setAttribute('aria-valuenow', String(step));
      // The CSSOM width is CSP-safe (only style attributes in markup are blocked).
      h.fill.style.width = `${(fraction * 100).toFixed(1)}%`;
      h.rate.textContent = `${samples !== undefined ? `${formatValue(samples)} samples/s` : '—'}${stepsPerSecond ? ` · ${formatValue(stepsPerSecond)} steps/s` : ''}`;
      h.eta.textContent = `ETA ${r.status === 'running' && stepsPerSecond ? formatDuration((r.totalSteps - step) / stepsPerSecond) : '—'}`;
    }
    const rows = [...next.values()].map((h) => h.row);
    if (rows.length !== card.body.children.length || rows.some((row, i) => card.body.children[i] !== row)) card.body.replaceChildren(...rows);
    this.rows = next;
  }
}

/** `job 12_3 · PENDING (Resources)`: the job, the scheduler's state and its reason, as far as they are known. */
export function clusterText(cluster: NonNullable<RunView['cluster']>): string {
  return `job ${cluster.job}${cluster.state ? ` · ${cluster.state}` : ''}${cluster.reason ? ` (${cluster.reason})` : ''}`;
}
