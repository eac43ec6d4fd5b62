/**
 * The Suggested groupings card, beside the affinity matrix cards (affinity, its average so far, its first-order
 * approximation: generic matrix cards with the shared step scrubber). From the average affinity at the scrubbed step
 * of the run its card shows: the asymmetry Z(i→j) − Z(j→i) as a heatmap (i helps j more than j helps i: > 0), the
 * best grouping for every number of groups B (TAG's network selection, analysis/grouping.ts) with a B picker, and
 * "Study this grouping", which asks the host to write a study config of the picked grouping.
 */
import { button, el, singleSelect, type SingleSelect } from '../dom';
import { Heatmap } from '../heatmap';
import { snapshotAt } from '../data/matrixStore';
import type { DashboardContext } from '../context';
import { AFFINITY_MATRICES } from '../../training/run/matrices';
import { MAX_GROUPING_TASKS, suggestGroupings, type Grouping } from '../../training/analysis/grouping';
import type { Card } from './cardStack';

export const AFFINITY_CARD = 'affinity-groups';

export class AffinityCard {
  readonly asymmetry = new Heatmap('Asymmetry of the average: Z(i→j) − Z(j→i), row i × column j');
  private readonly budget: SingleSelect;
  private readonly result = el('div', { class: 'affinity-groupings', role: 'region', 'aria-live': 'polite', 'aria-label': 'Suggested groupings' });
  private readonly heading = el('p', { class: 'note' });
  private readonly study: HTMLElement;
  private chosen = 2;
  private budgets = 0;
  /** What the card shows now (tests read it). */
  groupings: Grouping[] = [];
  runId: string | undefined;

  constructor(
    private readonly context: DashboardContext,
    card: Card,
  ) {
    this.budget = singleSelect('Number of groups B', 'affinity-budget');
    this.budget.addEventListener('change', () => {
      this.chosen = Number(this.budget.value);
      this.showGroupings();
    });
    this.study = button('Study this grouping', 'beaker', () => this.studyGrouping(), {
      action: 'study-grouping',
      disabled: context.model.readOnly,
      title: 'Write a study config that trains each group as its own multi-task run, all tasks together and each task alone, over 3 seeds',
    });
    card.body.append(
      this.heading,
      el('div', { class: 'matrix-controls' }, el('label', { class: 'control' }, 'Groups B ', this.budget), this.study),
      el('div', { class: 'matrix-row' }, this.asymmetry.element, this.result),
    );
  }

  /** The groupings and the asymmetry at the scrubber's step (the newest while it is at its right end). */
  render(): void {
    const { choices, state } = this.context;
    const held = choices.heldMatrix(AFFINITY_MATRICES.mean);
    this.runId = choices.matrixRun(AFFINITY_MATRICES.mean);
    const snapshot = held && snapshotAt(held.snapshots, state.scrubStep);
    if (!held || !snapshot) return;
    const tasks = held.rowLabels;
    const Z = snapshot.rows;
    this.heading.textContent = `From the average affinity up to step ${snapshot.step} of ${this.runId ?? ''} (measured by lookahead steps, not the approximation). Each task is served by the group that helps it most; groups may overlap, as in TAG.`;
    this.asymmetry.render({ rowLabels: tasks, columnLabels: tasks, snapshot: { ...snapshot, rows: Z.map((row, i) => row.map((v, j) => v - (Z[j]?.[i] ?? NaN))) }, scale: 'diverging' }, this.context.theme());
    const square = Z.length === tasks.length && Z.every((r) => r.length === tasks.length && r.every(Number.isFinite));
    this.groupings = square && tasks.length <= MAX_GROUPING_TASKS ? suggestGroupings(tasks, Z) : [];
    if (this.budgets !== this.groupings.length) {
      this.budgets = this.groupings.length;
      this.chosen = Math.min(Math.max(1, this.chosen), Math.max(1, this.budgets));
      this.budget.replaceChildren(...this.groupings.map((g) => el('vscode-option', { value: String(g.budget), ...(g.budget === this.chosen ? { selected: '' } : {}) }, String(g.budget))));
    }
    this.showGroupings();
  }

  private showGroupings(): void {
    if (!this.groupings.length) {
      this.result.replaceChildren(el('p', { class: 'note' }, `No grouping search: it needs a square, finite average over at most ${MAX_GROUPING_TASKS} tasks.`));
      return;
    }
    const rows = this.groupings.map((g) => {
      const groups = g.groups.map((group, k) => {
        const served = Object.entries(g.servedBy).filter(([, index]) => index === k).map(([task]) => task);
        return `{${group.join(', ')}}${served.length < group.length ? ` (serves ${served.join(', ') || 'none'})` : ''}`;
      });
      const tr = el('tr', { 'data-budget': String(g.budget) }, el('td', {}, String(g.budget)), el('td', {}, groups.join('  ')), el('td', {}, g.score.toFixed(4)));
      if (g.budget === this.chosen) tr.setAttribute('aria-current', 'true');
      return tr;
    });
    const table = el('table', { class: 'affinity-table' }, el('caption', {}, 'Best grouping for each number of groups B, with its predicted score Σ_j aff(group → j)'), el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'B'), el('th', { scope: 'col' }, 'groups'), el('th', { scope: 'col' }, 'predicted score'))), el('tbody', {}, ...rows));
    this.result.replaceChildren(table);
  }

  private studyGrouping(): void {
    const picked = this.groupings.find((g) => g.budget === this.chosen);
    if (!picked || !this.runId) return;
    this.context.post({ type: 'studyGrouping', runId: this.runId, groups: picked.groups });
  }
}
