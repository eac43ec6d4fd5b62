/**
 * The card of one named matrix: a heatmap of one run at the step chosen with the scrubber, and its cells
 * over the steps as lines (a symmetric matrix: one line per pair), with a run picker. Everything it shows —
 * title, axes, labels, scale — comes from the matrix's description in the run's records.
 */
import { el, singleSelect } from '../dom';
import { Heatmap } from '../heatmap';
import { LineChart } from '../chart/lineChart';
import { snapshotAt } from '../data/matrixStore';
import type { MatrixSnapshot } from '../protocol';
import { columnTitle, runLabel, type ChartSpec } from '../chartSpecs';
import type { DashboardContext } from '../context';
import type { Card } from './cardStack';

export class MatrixCard {
  readonly heatmap: Heatmap;
  /** The cells over the steps. */
  readonly chart: LineChart;
  private readonly scrubber: HTMLInputElement;
  private readonly label: HTMLElement;

  constructor(
    private readonly context: DashboardContext,
    readonly name: string,
    card: Card,
    /** The spec of its line chart (chartSpecs). */
    spec: ChartSpec,
    exportPng: (chart: LineChart) => void,
    /** The scrubber moved: every heatmap follows it (the step is shared). */
    onScrub: () => void,
  ) {
    const { model, state, choices } = context;
    const runSelect = singleSelect(`Run shown in the ${name} heatmap`, `${name}-run`);
    const selected = choices.matrixRun(name);
    for (const r of model.runs.values()) {
      if (!model.matrices.get(r.id)?.has(name)) continue;
      const o = el('vscode-option', { value: r.id }, runLabel(model, r));
      if (r.id === selected) o.setAttribute('selected', '');
      runSelect.append(o);
    }
    runSelect.addEventListener('change', () => {
      choices.matrices.set(name, runSelect.value);
      this.render();
      this.chart.update(spec.series(context.visibleRuns()), context.viewOptions());
    });
    this.scrubber = el('input', { type: 'range', min: '0', max: '0', step: '1', class: 'scrubber', 'aria-label': `Step shown in the ${name} heatmap` });
    this.scrubber.dataset.control = `${name}-scrubber`;
    this.label = el('span', { class: 'scrub-label' });
    this.scrubber.addEventListener('input', () => {
      const snapshots = choices.heldMatrix(name)?.snapshots ?? [];
      const i = Number(this.scrubber.value);
      // The last position follows the newest step while the run trains.
      state.scrubStep = i >= snapshots.length - 1 ? null : (snapshots[i]?.step ?? null);
      context.saveState();
      onScrub();
    });
    const about = choices.heldMatrix(name)!.about;
    this.heatmap = new Heatmap(`${about.title}: ${about.rowAxis} × ${about.columnAxis}`);
    this.chart = new LineChart(spec.id, spec.title, { yLabel: spec.yLabel }, exportPng);
    card.body.append(
      el('div', { class: 'matrix-controls' }, el('span', { class: 'control' }, 'Run ', runSelect), el('label', { class: 'control' }, 'Step ', this.scrubber, this.label)),
      el('div', { class: 'matrix-row' }, this.heatmap.element, this.chart.element),
    );
  }

  /** The heatmap at the scrubber's step (the newest while it is at its right end). */
  render(): void {
    const held = this.context.choices.heldMatrix(this.name);
    if (!held || held.snapshots.length === 0) return;
    const snapshot = scrubTo(held.snapshots, this.context.state.scrubStep, this.scrubber, this.label);
    this.heatmap.render({ rowLabels: held.rowLabels, columnLabels: held.columnLabels.map((c) => columnTitle(held.about, c)), snapshot, scale: held.about.signed ? 'diverging' : 'sequential' }, this.context.theme());
  }
}

/**
 * The snapshot at the scrubbed step (the newest while the scrubber is at its right end), with the scrubber's range,
 * position, spoken value and step label set to it. Shared by every heatmap card with a step scrubber.
 */
export function scrubTo(snapshots: MatrixSnapshot[], scrubStep: number | null, scrubber: HTMLInputElement, label: HTMLElement): MatrixSnapshot {
  const snapshot = snapshotAt(snapshots, scrubStep)!;
  scrubber.max = String(snapshots.length - 1);
  scrubber.value = String(snapshots.indexOf(snapshot));
  scrubber.setAttribute('aria-valuetext', `step ${snapshot.step}`);
  label.textContent = `${snapshot.step}${scrubStep === null ? ' (latest)' : ''}`;
  return snapshot;
}
