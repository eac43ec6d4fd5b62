/**
 * The Comparison card (two runs or more): the comparison table (see data/exports.ts), sortable by any
 * column, with Copy as Markdown.
 */
import { button, el } from '../dom';
import { comparisonTable, formatCell, groupRows, sortRows, tableToMarkdown } from '../data/exports';
import type { DashboardModel } from '../model';
import { DELTA_M_CONVENTION } from '../../training/evaluation/deltaM';
import type { DashboardContext } from '../context';
import type { Card } from './cardStack';

/** The latest validation metrics per run and task from the held series (for runs without a final summary). */
export function latestMetrics(model: DashboardModel): Map<string, Record<string, Record<string, number>>> {
  const out = new Map<string, Record<string, Record<string, number>>>();
  for (const [runId, perRun] of model.series) {
    const metrics: Record<string, Record<string, number>> = {};
    for (const key of perRun.keys()) {
      if (!key.startsWith('val/')) continue;
      const [, task, name] = key.split('/');
      const v = model.latest(runId, key);
      if (v !== undefined) (metrics[task] ??= {})[name] = v;
    }
    out.set(runId, metrics);
  }
  return out;
}

export function renderCompare(context: DashboardContext, card: Card | undefined): void {
  if (!card || !card.element.open) return;
  const { model, state } = context;
  const runs = [...model.runs.values()];
  const { columns, rows } = comparisonTable(runs, latestMetrics(model));
  const sorted = sortRows(rows, state.sort.column, state.sort.descending);
  const groups = groupRows(columns, rows, runs);
  const table = el('table', { class: 'compare' });
  const head = el('tr');
  for (const col of columns) {
    const active = state.sort.column === col.id;
    const th = el('th', { scope: 'col', class: col.differs ? 'differs' : '', 'aria-sort': active ? (state.sort.descending ? 'descending' : 'ascending') : 'none' });
    const b = el('button', { class: 'sort', type: 'button', title: `Sort by ${col.label}` }, col.label, active ? (state.sort.descending ? ' ▾' : ' ▴') : '');
    b.dataset.column = col.id;
    b.addEventListener('click', () => {
      state.sort = { column: col.id, descending: state.sort.column === col.id ? !state.sort.descending : false };
      context.saveState();
      renderCompare(context, card);
      card.body.querySelector<HTMLButtonElement>(`button.sort[data-column="${CSS.escape(col.id)}"]`)?.focus();
    });
    th.append(b);
    head.append(th);
  }
  const body = el('tbody');
  for (const row of sorted) {
    const tr = el('tr', { 'data-run-id': row.runId });
    for (const col of columns) tr.append(el(col.id === 'name' ? 'th' : 'td', { class: `${col.differs ? 'differs' : ''} ${col.kind === 'number' || col.kind === 'metric' ? 'num' : ''}`.trim(), ...(col.id === 'name' ? { scope: 'row' } : {}) }, formatCell(row.cells[col.id] ?? null)));
    body.append(tr);
  }
  table.append(el('thead', {}, head), body);
  if (groups.length > 0) {
    // Groups (runs that differ only by seed) under the runs, not sorted with them.
    const foot = el('tfoot');
    for (const row of groups) {
      const tr = el('tr', { class: 'group', 'data-group': row.runId });
      for (const col of columns) tr.append(el(col.id === 'name' ? 'th' : 'td', { class: col.kind === 'number' || col.kind === 'metric' ? 'num' : '', ...(col.id === 'name' ? { scope: 'row' } : {}) }, formatCell(row.cells[col.id] ?? null)));
      foot.append(tr);
    }
    table.append(foot);
  }
  // A live update must not take the keyboard focus away from a sort button.
  const focusedColumn = card.body.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.column : undefined;
  const copy = button('Copy as Markdown', 'copy', () => context.post({ type: 'copyMarkdown', markdown: tableToMarkdown(columns, [...sorted, ...groups]) }), { secondary: true, action: 'copy-markdown' });
  const convention = runs.some((r) => r.study) ? [el('p', { class: 'note' }, `${DELTA_M_CONVENTION}; groups are runs that differ only by seed (sample std, n − 1; completed runs only).`)] : [];
  card.body.replaceChildren(el('div', { class: 'table-actions' }, copy), el('div', { class: 'table-scroll' }, table), ...convention);
  if (focusedColumn !== undefined) card.body.querySelector<HTMLButtonElement>(`button.sort[data-column="${CSS.escape(focusedColumn)}"]`)?.focus();
}
