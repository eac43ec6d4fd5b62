/**
 * The chart controls above the cards (smoothing, x axis, log scale, outliers, reset zoom, CSV export, add
 * runs) and the run list (a colour and a visibility checkbox per run, remove from a comparison). Every
 * setting is saved with the panel and redraws the charts.
 */
import { button, checkbox, el, iconButton, singleSelect, statusBadge } from './dom';
import { runColor } from './colors';
import type { DashboardContext } from './context';
import type { XAxisMode } from './protocol';
import type { GroupView } from './data/groupBands';

/** Whether any seed group has two or more runs in the comparison (the group control is shown only then). */
function hasSeedGroups(context: DashboardContext): boolean {
  const counts = new Map<string, number>();
  for (const r of context.model.runs.values()) if (r.study) counts.set(r.study.group, (counts.get(r.study.group) ?? 0) + 1);
  return [...counts.values()].some((n) => n > 1);
}

/** The seed-group control: each run, mean ± std band or min–max band (a select, keyboard operable). */
function groupControl(context: DashboardContext, changed: () => void): HTMLElement {
  const select = singleSelect('Seed groups', 'group-view');
  const current = context.state.groupView ?? 'runs';
  for (const [value, label] of [['runs', 'Each run'], ['std', 'Mean ± std'], ['minmax', 'Min–max']]) {
    const o = el('vscode-option', { value }, label);
    if (value === current) o.setAttribute('selected', '');
    select.append(o);
  }
  select.addEventListener('change', () => {
    context.state.groupView = (['runs', 'std', 'minmax'].includes(select.value) ? select.value : 'runs') as GroupView;
    changed();
  });
  return el('span', { class: 'control', title: 'Runs that differ only by seed, drawn one by one or as their mean with a band' }, 'Seeds ', select);
}

export interface ToolbarActions {
  resetZoom(): void;
  exportCsv(): void;
}

export function buildToolbar(context: DashboardContext, toolbar: HTMLElement, actions: ToolbarActions): void {
  const { state } = context;
  const changed = () => (context.saveState(), context.redrawAll());
  toolbar.replaceChildren();
  const smoothingValue = el('output', { for: 'smoothing', class: 'smoothing-value' }, state.smoothing.toFixed(3));
  const smoothing = el('input', { type: 'range', id: 'smoothing', min: '0', max: '0.999', step: '0.001', 'aria-label': 'EMA smoothing' });
  smoothing.value = String(state.smoothing);
  smoothing.dataset.control = 'smoothing';
  smoothing.addEventListener('input', () => {
    state.smoothing = Math.min(0.999, Math.max(0, Number(smoothing.value)));
    smoothingValue.textContent = state.smoothing.toFixed(3);
    changed();
  });
  const xAxis = singleSelect('X axis', 'x-axis');
  for (const [value, label] of [['step', 'Step'], ['relative', 'Relative time'], ['wall', 'Wall time']]) {
    const o = el('vscode-option', { value }, label);
    if (value === state.xAxis) o.setAttribute('selected', '');
    xAxis.append(o);
  }
  xAxis.addEventListener('change', () => {
    state.xAxis = (['step', 'relative', 'wall'].includes(xAxis.value) ? xAxis.value : 'step') as XAxisMode;
    context.saveState();
    actions.resetZoom();
    context.redrawAll();
  });
  toolbar.append(
    el('label', { class: 'control', for: 'smoothing' }, 'Smoothing ', smoothing, smoothingValue),
    el('span', { class: 'control' }, 'X axis ', xAxis),
    ...(hasSeedGroups(context) ? [groupControl(context, changed)] : []),
    checkbox('Log scale', state.logScale, (v) => ((state.logScale = v), changed()), 'log-scale'),
    checkbox('Ignore outliers', state.ignoreOutliers, (v) => ((state.ignoreOutliers = v), changed()), 'ignore-outliers'),
    button('Reset zoom', 'zoom-out', () => actions.resetZoom(), { secondary: true, action: 'reset-zoom' }),
    button('Export CSV', 'export', () => actions.exportCsv(), { secondary: true, action: 'export-csv' }),
    button('Add runs', 'add', () => context.post({ type: 'addRuns' }), { secondary: true, action: 'add-runs' }),
  );
}

export function buildRunList(context: DashboardContext, runList: HTMLElement): void {
  const { model, state } = context;
  runList.replaceChildren();
  const heading = el('h2', { class: 'sr-only' }, 'Runs');
  const list = el('ul', { class: 'runs' });
  for (const r of model.runs.values()) {
    const color = runColor(r.id, model.colors);
    const swatch = el('input', { type: 'color', 'aria-label': `Colour of run ${r.name} ${r.id}`, class: 'swatch' });
    swatch.value = color;
    swatch.dataset.runId = r.id;
    swatch.addEventListener('change', () => {
      if (!/^#[0-9a-fA-F]{6}$/.test(swatch.value)) return;
      model.colors[r.id] = swatch.value;
      context.post({ type: 'setRunColor', runId: r.id, color: swatch.value });
      context.redrawAll();
    });
    const visible = checkbox(`${r.name} · ${r.id}`, !state.hiddenRuns.includes(r.id), (v) => {
      state.hiddenRuns = state.hiddenRuns.filter((x) => x !== r.id);
      if (!v) state.hiddenRuns.push(r.id);
      context.saveState();
      context.redrawAll();
    }, `show-run`);
    visible.dataset.runId = r.id;
    const badge = statusBadge(r.status);
    const item = el('li', {}, swatch, visible, badge);
    if (model.runs.size > 1) {
      const remove = iconButton('close', `Remove ${r.id} from this comparison`, () => context.post({ type: 'removeRun', runId: r.id }));
      remove.dataset.action = 'remove-run';
      item.append(remove);
    }
    list.append(item);
  }
  runList.append(heading, list);
}
