/**
 * The dashboard webview: renders what the host sends (validated, see protocol.ts) and posts back what
 * the user asks for. It never touches the file system; exports go through the host's save dialog.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import './dashboard.css';
import {
  WEBVIEW_PROTOCOL_VERSION,
  defaultDashboardState,
  describeInvalidMessage,
  parseDashboardState,
  parseHostMessage,
  type DashboardState,
  type MatrixAbout,
  type RunView,
  type WebviewToHost,
  type XAxisMode,
} from './protocol';
import { DashboardModel, seriesId, type Changes } from './model';
import { FRAME_BUDGET_MS, LineChart, chartsIdle, formatValue, recentPasses, type ChartSeries, type ThemeColors, type ViewOptions } from './lineChart';
import { Heatmap } from './heatmap';
import { runColor, seriesColor } from './colors';
import { emaDebiased, formatDuration, timeOrigin } from './data/transforms';
import { snapshotAt } from './data/matrixStore';
import { comparisonTable, formatCell, seriesToCsv, sortRows, tableToMarkdown, type CsvSeries } from './data/exports';
import { chartedCells, matrixCellKey } from '../training/run/matrices';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const model = new DashboardModel();
/** The run ids the host wrote into the page: a reload before the first `init` still restores them. */
function runIdsFromPage(): string[] {
  try {
    const ids = JSON.parse(document.body.dataset.runIds ?? '[]') as unknown;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

const state: DashboardState = parseDashboardState(vscode.getState()) ?? defaultDashboardState(runIdsFromPage());
// Saved at once, so a window reload within the first second (before `init`) restores this panel.
vscode.setState(state);

function post(message: WebviewToHost): void {
  vscode.postMessage(message);
}

function saveState(): void {
  state.runIds = [...model.runs.keys()];
  vscode.setState(state);
}

// ---------------------------------------------------------------- theme

function readTheme(): ThemeColors {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  const foreground = v('--vscode-foreground', '#616161');
  return {
    foreground,
    grid: highContrast ? v('--vscode-contrastBorder', foreground) : v('--vscode-editorWidget-border', v('--vscode-panel-border', 'rgba(128,128,128,0.25)')),
    background: v('--vscode-editor-background', '#ffffff'),
    highContrast,
  };
}
let theme = readTheme();

// ---------------------------------------------------------------- DOM helpers

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) if (v !== undefined) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function button(label: string, icon: string, onClick: () => void, options: { secondary?: boolean; disabled?: boolean; title?: string; action?: string } = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('icon', icon);
  if (options.secondary) b.setAttribute('secondary', '');
  if (options.disabled) b.setAttribute('disabled', '');
  if (options.title) b.setAttribute('title', options.title);
  if (options.action) b.dataset.action = options.action;
  b.textContent = label;
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

/**
 * A run's status as a badge: a styled span, not a `vscode-badge` (it is not a control, and a comparison
 * of 50 runs would otherwise create 50 more shadow roots on the first render).
 */
function statusBadge(status: string): HTMLElement {
  return el('span', { class: `badge status status-${status}` }, status);
}

function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, control: string): HTMLElement {
  const c = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  c.setAttribute('label', label);
  c.dataset.control = control;
  if (checked) c.setAttribute('checked', '');
  c.addEventListener('change', () => onChange(c.checked));
  return c;
}

// ---------------------------------------------------------------- layout

const app = document.getElementById('app')!;
const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Chart controls' });
const runList = el('section', { class: 'run-list', 'aria-label': 'Runs' });
const notices = el('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });
const cardsRoot = el('div', { class: 'cards' });

interface Card {
  id: string;
  element: HTMLElement & { open?: boolean };
  body: HTMLElement;
}
let cards = new Map<string, Card>();
let charts = new Map<string, LineChart>();
/** Matrix name → its card's heatmap, controls and line chart. */
let heatmaps = new Map<string, { heatmap: Heatmap; scrubber: HTMLInputElement; label: HTMLElement; runSelect: HTMLElement & { value: string }; chart: LineChart }>();
let structureKey = '';
const heatmapRun = new Map<string, string>();

function card(id: string, heading: string, description = ''): Card {
  const existing = cards.get(id);
  if (existing) return existing;
  const c = document.createElement('vscode-collapsible') as HTMLElement & { open: boolean };
  c.setAttribute('heading', heading);
  if (description) c.setAttribute('description', description);
  c.dataset.card = id;
  c.open = !state.collapsedCards.includes(id);
  if (c.open) c.setAttribute('open', '');
  c.addEventListener('vsc-collapsible-toggle', (e) => {
    const open = (e as CustomEvent<{ open: boolean }>).detail.open;
    state.collapsedCards = state.collapsedCards.filter((x) => x !== id);
    if (!open) state.collapsedCards.push(id);
    saveState();
    // Closed cards of text (run rows, the table) are not kept current; they catch up when opened.
    if (open && id === 'header') renderHeader();
    if (open && id === 'compare') renderCompare();
  });
  const body = el('div', { class: `card-body card-${id}` });
  c.append(body);
  cardsRoot.append(c);
  const result = { id, element: c, body };
  cards.set(id, result);
  return result;
}

// ---------------------------------------------------------------- controls

function buildToolbar(): void {
  toolbar.replaceChildren();
  const smoothingValue = el('output', { for: 'smoothing', class: 'smoothing-value' }, state.smoothing.toFixed(3));
  const smoothing = el('input', { type: 'range', id: 'smoothing', min: '0', max: '0.999', step: '0.001', 'aria-label': 'EMA smoothing' });
  smoothing.value = String(state.smoothing);
  smoothing.dataset.control = 'smoothing';
  smoothing.addEventListener('input', () => {
    state.smoothing = Math.min(0.999, Math.max(0, Number(smoothing.value)));
    smoothingValue.textContent = state.smoothing.toFixed(3);
    saveState();
    redrawAll();
  });
  const xAxis = document.createElement('vscode-single-select') as HTMLElement & { value: string };
  xAxis.setAttribute('aria-label', 'X axis');
  xAxis.dataset.control = 'x-axis';
  for (const [value, label] of [['step', 'Step'], ['relative', 'Relative time'], ['wall', 'Wall time']]) {
    const o = el('vscode-option', { value }, label);
    if (value === state.xAxis) o.setAttribute('selected', '');
    xAxis.append(o);
  }
  xAxis.addEventListener('change', () => {
    state.xAxis = (['step', 'relative', 'wall'].includes(xAxis.value) ? xAxis.value : 'step') as XAxisMode;
    saveState();
    for (const c of allCharts()) c.resetZoom();
    redrawAll();
  });
  toolbar.append(
    el('label', { class: 'control', for: 'smoothing' }, 'Smoothing ', smoothing, smoothingValue),
    el('span', { class: 'control' }, 'X axis ', xAxis),
    checkbox('Log scale', state.logScale, (v) => ((state.logScale = v), saveState(), redrawAll()), 'log-scale'),
    checkbox('Ignore outliers', state.ignoreOutliers, (v) => ((state.ignoreOutliers = v), saveState(), redrawAll()), 'ignore-outliers'),
    button('Reset zoom', 'zoom-out', () => allCharts().forEach((c) => c.resetZoom()), { secondary: true, action: 'reset-zoom' }),
    button('Export CSV', 'export', exportCsv, { secondary: true, action: 'export-csv' }),
    button('Add runs', 'add', () => post({ type: 'addRuns' }), { secondary: true, action: 'add-runs' }),
  );
}

function buildRunList(): void {
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
      post({ type: 'setRunColor', runId: r.id, color: swatch.value });
      redrawAll();
    });
    const visible = checkbox(`${r.name} · ${r.id}`, !state.hiddenRuns.includes(r.id), (v) => {
      state.hiddenRuns = state.hiddenRuns.filter((x) => x !== r.id);
      if (!v) state.hiddenRuns.push(r.id);
      saveState();
      redrawAll();
    }, `show-run`);
    visible.dataset.runId = r.id;
    const badge = statusBadge(r.status);
    const item = el('li', {}, swatch, visible, badge);
    if (model.runs.size > 1) {
      const remove = button('', 'close', () => post({ type: 'removeRun', runId: r.id }), { secondary: true, title: `Remove ${r.id} from this comparison` });
      remove.setAttribute('aria-label', `Remove ${r.id} from this comparison`);
      item.append(remove);
    }
    list.append(item);
  }
  runList.append(heading, list);
}

function visibleRuns(): RunView[] {
  return [...model.runs.values()].filter((r) => !state.hiddenRuns.includes(r.id));
}

function viewOptions(): ViewOptions {
  const origins = new Map<string, number>();
  for (const [runId, perRun] of model.series) {
    const start = model.runs.get(runId)?.startedAt;
    const parsed = start ? Date.parse(start) : NaN;
    origins.set(runId, Number.isFinite(parsed) ? parsed : timeOrigin([...perRun.values()].map((h) => h.committed)));
  }
  return { smoothing: state.smoothing, logScale: state.logScale, xAxis: state.xAxis, ignoreOutliers: state.ignoreOutliers, origins, theme };
}

// ---------------------------------------------------------------- chart specs

interface ChartSpec {
  id: string;
  card: string;
  title: string;
  stacked?: boolean;
  yLabel?: string;
  /** The line chart of a matrix card (drawn beside the heatmap): the matrix's name. */
  matrix?: string;
  /** The series of this chart given the visible runs. */
  series(runs: RunView[]): ChartSeries[];
}

function runLabel(r: RunView): string {
  return model.runs.size > 1 ? `${r.name} · ${r.id}` : r.name;
}

function perRunSpec(id: string, cardId: string, title: string, keys: { key: string; suffix: string; dashed?: boolean }[], yLabel?: string): ChartSpec {
  return {
    id,
    card: cardId,
    title,
    yLabel,
    series: (runs) => {
      const out: ChartSeries[] = [];
      for (const r of runs) {
        for (const k of keys) {
          const points = model.points(r.id, k.key);
          if (points) out.push({ id: `${r.id}:${k.key}`, label: `${runLabel(r)}${k.suffix}`, runId: r.id, color: runColor(r.id, model.colors), points, dashed: k.dashed });
        }
      }
      return out;
    },
  };
}

const taskOf = (key: string) => key.split('/')[1];

function chartSpecs(): ChartSpec[] {
  const specs: ChartSpec[] = [];
  const lossTasks = [...new Set([...model.keys('loss/').map(taskOf), ...model.keys('val/').filter((k) => k.endsWith('/loss')).map(taskOf)])];
  for (const t of lossTasks) specs.push(perRunSpec(`loss:${t}`, 'losses', `Loss — ${t}`, [{ key: `loss/${t}`, suffix: ' train' }, { key: `val/${t}/loss`, suffix: ' validation', dashed: true }], 'loss'));
  if (model.keys('total').length > 0) specs.push(perRunSpec('loss:total', 'losses', 'Total loss (weighted objective)', [{ key: 'total', suffix: '' }], 'loss'));
  const withWeights = [...model.runs.values()].filter((r) => model.runKeys(r.id, 'weight/').length > 0);
  if (withWeights.length > MAX_WEIGHT_CHARTS) {
    // A wall of stacked areas helps nobody (and costs a chart each): past a few runs, one chart and a run picker.
    specs.push({
      id: 'weights:selected',
      card: 'weights',
      title: 'Task weights of the chosen run',
      stacked: true,
      yLabel: 'weight',
      series: () => {
        const r = model.runs.get(selectedWeightsRun() ?? '');
        if (!r) return [];
        const keys = model.runKeys(r.id, 'weight/');
        return keys.map((k, i) => ({ id: `${r.id}:${k}`, label: taskOf(k), runId: r.id, color: seriesColor(i), points: model.points(r.id, k)! }));
      },
    });
  } else if (withWeights.length > 0) {
    for (const r of withWeights) {
      const keys = model.runKeys(r.id, 'weight/');
      if (keys.length === 0) continue;
      specs.push({
        id: `weights:${r.id}`,
        card: 'weights',
        title: `Task weights — ${runLabel(r)}${r.weighting ? ` (${r.weighting})` : ''}`,
        stacked: true,
        yLabel: 'weight',
        series: (runs) =>
          runs.some((v) => v.id === r.id)
            ? keys.map((k, i) => ({ id: `${r.id}:${k}`, label: taskOf(k), runId: r.id, color: seriesColor(i), points: model.points(r.id, k)! }))
            : [],
      });
    }
  }
  for (const name of model.matrixNames()) {
    const about = heldMatrix(name)!.about;
    specs.push({
      id: `${name}:lines`,
      card: name,
      matrix: name,
      title: `${about.title} over steps`,
      yLabel: about.unit,
      series: () => {
        const runId = selectedMatrixRun(name);
        const held = heldMatrix(name);
        if (!runId || !held) return [];
        const out: ChartSeries[] = [];
        for (const { row, column } of chartedCells({ rows: held.rowLabels, columns: held.columnLabels, symmetric: held.about.symmetric })) {
          const [r, c] = [held.rowLabels[row], held.columnLabels[column]];
          const key = matrixCellKey(name, r, c);
          const points = model.points(runId, key);
          const label = held.about.symmetric ? `${r} · ${c}` : `${r} → ${columnTitle(held.about, c)}`;
          if (points) out.push({ id: `${runId}:${key}`, label, runId, color: seriesColor(out.length), points });
        }
        return out;
      },
    });
  }
  const valMetrics = model.keys('val/').filter((k) => !k.endsWith('/loss'));
  for (const k of valMetrics) {
    const [, task, metric] = k.split('/');
    specs.push(perRunSpec(`val:${task}/${metric}`, 'validation', `Validation ${metric === 'rmse' ? 'RMSE' : metric === 'mae' ? 'MAE' : metric} — ${task}`, [{ key: k, suffix: '' }], metric));
  }
  return specs;
}

/** Up to this many runs get one stacked weights chart each; more get a single chart with a run picker. */
const MAX_WEIGHT_CHARTS = 6;
let weightsRun: string | undefined;

function selectedWeightsRun(): string | undefined {
  const has = (id: string) => model.runKeys(id, 'weight/').length > 0;
  if (weightsRun && model.runs.has(weightsRun) && has(weightsRun)) return weightsRun;
  return [...model.runs.keys()].find((id) => has(id) && !state.hiddenRuns.includes(id)) ?? [...model.runs.keys()].find(has);
}

function weightsPicker(): HTMLElement {
  const select = document.createElement('vscode-single-select') as HTMLElement & { value: string };
  select.setAttribute('aria-label', 'Run shown in the task weights chart');
  select.dataset.control = 'weights-run';
  const selected = selectedWeightsRun();
  for (const r of model.runs.values()) {
    if (model.runKeys(r.id, 'weight/').length === 0) continue;
    const o = el('vscode-option', { value: r.id }, `${runLabel(r)}${r.weighting ? ` (${r.weighting})` : ''}`);
    if (r.id === selected) o.setAttribute('selected', '');
    select.append(o);
  }
  select.addEventListener('change', () => {
    weightsRun = select.value;
    const spec = specs.find((x) => x.id === 'weights:selected');
    if (spec) charts.get(spec.id)?.update(spec.series(visibleRuns()), viewOptions());
  });
  return el('div', { class: 'matrix-controls' }, el('span', { class: 'control' }, 'Run ', select));
}

/** A column as the heatmap and the lines name it: "tower 0" for a task × tower matrix, the task itself for task × task. */
function columnTitle(about: MatrixAbout, label: string): string {
  return about.columnAxis === about.rowAxis ? label : `${about.columnAxis} ${label}`;
}

/** What the selected run holds of a matrix. */
function heldMatrix(name: string) {
  const runId = selectedMatrixRun(name);
  return runId ? model.matrices.get(runId)?.get(name) : undefined;
}

function selectedMatrixRun(kind: string): string | undefined {
  const chosen = heatmapRun.get(kind);
  if (chosen && model.matrices.get(chosen)?.has(kind)) return chosen;
  for (const r of model.runs.values()) if (model.matrices.get(r.id)?.has(kind) && !state.hiddenRuns.includes(r.id)) return r.id;
  for (const r of model.runs.values()) if (model.matrices.get(r.id)?.has(kind)) return r.id;
  return undefined;
}

let specs: ChartSpec[] = [];

function chartOf(spec: ChartSpec): LineChart | undefined {
  return spec.matrix !== undefined ? heatmaps.get(spec.matrix)?.chart : charts.get(spec.id);
}

function allCharts(): LineChart[] {
  return [...charts.values(), ...[...heatmaps.values()].map((h) => h.chart)];
}

function exportPng(chart: LineChart): void {
  const dataUrl = chart.toPng();
  if (dataUrl) post({ type: 'exportPng', suggestedName: `${chart.title.replace(/[^A-Za-z0-9]+/g, '-')}.png`, dataUrl });
}

// ---------------------------------------------------------------- cards

/** The cards in page order: one per named matrix between the task weights and the validation metrics. */
function cardOrder(): string[] {
  return ['header', 'losses', 'weights', ...model.matrixNames(), 'validation', 'compare'];
}
const CARD_TITLES: Record<string, [string, string]> = {
  header: ['Runs', 'status, progress, throughput'],
  losses: ['Task losses', 'solid: train · dashed: validation'],
  weights: ['Task weights', 'stacked, per run'],
  validation: ['Validation metrics', 'per task'],
  compare: ['Comparison', 'differing config values highlighted'],
};

function cardTitle(id: string): [string, string] {
  const about = heldMatrix(id)?.about;
  return about ? [about.title, `${about.rowAxis} × ${about.columnAxis}: ${about.description}`] : CARD_TITLES[id];
}

/** Rebuild the card and chart structure (new runs, new series kinds); keeps nothing but the state. */
function rebuild(): void {
  for (const c of allCharts()) c.destroy();
  charts = new Map();
  heatmaps = new Map();
  cards = new Map();
  headerRows = new Map();
  cardsRoot.replaceChildren();
  specs = chartSpecs();
  const present = new Set<string>(['header']);
  for (const s of specs) present.add(s.card);
  if (model.runs.size > 1) present.add('compare');
  for (const id of cardOrder()) {
    if (!present.has(id)) continue;
    const [title, description] = cardTitle(id);
    const c = card(id, title, description);
    const lines = specs.find((s) => s.matrix === id);
    if (lines) buildMatrixCard(id, c, lines);
  }
  for (const s of specs) {
    if (s.matrix !== undefined) continue;
    const chart = new LineChart(s.id, s.title, { stacked: s.stacked, yLabel: s.yLabel }, exportPng);
    charts.set(s.id, chart);
    const c = cards.get(s.card)!;
    let grid = c.body.querySelector<HTMLElement>(':scope > .chart-grid');
    if (!grid) {
      if (s.card === 'weights') c.body.append(el('div', { class: 'alerts', role: 'alert' }));
      if (s.id === 'weights:selected') c.body.append(weightsPicker());
      grid = el('div', { class: 'chart-grid' });
      c.body.append(grid);
    }
    grid.append(chart.element);
  }
  buildRunList();
  renderHeader();
  renderAlerts();
  renderCompare();
  redrawAll();
}

function buildMatrixCard(kind: string, c: Card, spec: ChartSpec): void {
  const runSelect = document.createElement('vscode-single-select') as HTMLElement & { value: string };
  runSelect.setAttribute('aria-label', `Run shown in the ${kind} heatmap`);
  runSelect.dataset.control = `${kind}-run`;
  const selected = selectedMatrixRun(kind);
  for (const r of model.runs.values()) {
    if (!model.matrices.get(r.id)?.has(kind)) continue;
    const o = el('vscode-option', { value: r.id }, runLabel(r));
    if (r.id === selected) o.setAttribute('selected', '');
    runSelect.append(o);
  }
  runSelect.addEventListener('change', () => {
    heatmapRun.set(kind, runSelect.value);
    renderMatrix(kind);
    heatmaps.get(kind)?.chart.update(spec.series(visibleRuns()), viewOptions());
  });
  const scrubber = el('input', { type: 'range', min: '0', max: '0', step: '1', class: 'scrubber', 'aria-label': `Step shown in the ${kind} heatmap` });
  scrubber.dataset.control = `${kind}-scrubber`;
  const label = el('span', { class: 'scrub-label' });
  scrubber.addEventListener('input', () => {
    const runId = selectedMatrixRun(kind);
    const snapshots = runId ? (model.matrices.get(runId)?.get(kind)?.snapshots ?? []) : [];
    const i = Number(scrubber.value);
    // The last position follows the newest step while the run trains.
    state.scrubStep = i >= snapshots.length - 1 ? null : (snapshots[i]?.step ?? null);
    saveState();
    for (const k of heatmaps.keys()) renderMatrix(k);
  });
  const about = heldMatrix(kind)!.about;
  const heatmap = new Heatmap(`${about.title}: ${about.rowAxis} × ${about.columnAxis}`);
  const chart = new LineChart(spec.id, spec.title, { yLabel: spec.yLabel }, exportPng);
  c.body.append(el('div', { class: 'matrix-controls' }, el('span', { class: 'control' }, 'Run ', runSelect), el('label', { class: 'control' }, 'Step ', scrubber, label)), el('div', { class: 'matrix-row' }, heatmap.element, chart.element));
  heatmaps.set(kind, { heatmap, scrubber, label, runSelect, chart });
}

function renderMatrix(kind: string): void {
  const h = heatmaps.get(kind);
  if (!h) return;
  const runId = selectedMatrixRun(kind);
  const held = runId ? model.matrices.get(runId)?.get(kind) : undefined;
  if (!held || held.snapshots.length === 0) return;
  const snapshot = snapshotAt(held.snapshots, state.scrubStep)!;
  const index = held.snapshots.indexOf(snapshot);
  h.scrubber.max = String(held.snapshots.length - 1);
  h.scrubber.value = String(index);
  h.scrubber.setAttribute('aria-valuetext', `step ${snapshot.step}`);
  h.label.textContent = `${snapshot.step}${state.scrubStep === null ? ' (latest)' : ''}`;
  h.heatmap.render({ rowLabels: held.rowLabels, columnLabels: held.columnLabels.map((c) => columnTitle(held.about, c)), snapshot, scale: held.about.signed ? 'diverging' : 'sequential' }, theme);
}

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
let headerRows = new Map<string, HeaderRow>();

function buildHeaderRow(r: RunView): HeaderRow {
  const bar = el('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-label': `Progress of ${r.id}` });
  const fill = el('div', { class: 'progress-fill' });
  bar.append(fill);
  const actions = el('span', { class: 'actions' });
  if (r.status === 'running' || r.status === 'queued') actions.append(button('Stop', 'debug-stop', () => post({ type: 'stopRun', runId: r.id }), { disabled: model.readOnly, action: 'stop', title: model.readOnly ? 'Disabled in an untrusted workspace' : 'Stop after this step (checkpointed)' }));
  if (r.status === 'stopped' || r.status === 'failed') actions.append(button('Resume', 'debug-continue', () => post({ type: 'resumeRun', runId: r.id }), { disabled: model.readOnly, action: 'resume', title: model.readOnly ? 'Disabled in an untrusted workspace' : 'Resume from the last checkpoint' }));
  const swatch = el('span', { class: 'dot', 'aria-hidden': 'true' });
  swatch.style.background = runColor(r.id, model.colors);
  const steps = el('span', { class: 'steps' });
  const rate = el('span', { class: 'muted' });
  const eta = el('span', { class: 'muted' });
  const row = el('div', { class: 'run-row', 'data-run-id': r.id }, el('span', { class: 'run-name' }, swatch, runLabel(r)), statusBadge(r.status), el('span', { class: 'muted' }, r.backend ?? 'backend —'), steps, bar, rate, eta, actions);
  if (r.error) row.append(el('span', { class: 'error' }, r.error));
  return { row, key: `${r.status}|${model.readOnly}|${runColor(r.id, model.colors)}|${r.backend}|${r.error}`, steps, bar, fill, rate, eta };
}

/** Update the run rows in place (a live run updates them 4 times a second; rebuilding would steal keyboard focus). */
function renderHeader(): void {
  const c = cards.get('header');
  if (!c || !c.element.open) return;
  const next = new Map<string, HeaderRow>();
  for (const r of model.runs.values()) {
    let h = headerRows.get(r.id);
    const key = `${r.status}|${model.readOnly}|${runColor(r.id, model.colors)}|${r.backend}|${r.error}`;
    if (!h || h.key !== key || !c.body.contains(h.row)) h = buildHeaderRow(r);
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
  if (rows.length !== c.body.children.length || rows.some((row, i) => c.body.children[i] !== row)) c.body.replaceChildren(...rows);
  headerRows = next;
}

function renderAlerts(): void {
  const box = cards.get('weights')?.body.querySelector<HTMLElement>('.alerts');
  if (!box) return;
  const alerts: HTMLElement[] = [];
  for (const [runId, events] of model.events) {
    if (state.hiddenRuns.includes(runId)) continue;
    // The latest of collapsed / recovered decides whether the alert stands.
    const last = [...events].reverse().find((e) => e.code === 'weights-collapsed' || e.code === 'weights-recovered');
    if (last?.code === 'weights-collapsed') {
      const r = model.runs.get(runId);
      alerts.push(el('div', { class: 'alert' }, el('span', { class: 'codicon codicon-warning', 'aria-hidden': 'true' }), ` ${r ? runLabel(r) : runId}: task weights collapsed at step ${last.step}. ${last.message}`));
    }
  }
  box.replaceChildren(...alerts);
  box.hidden = alerts.length === 0;
}

function latestMetrics(): Map<string, Record<string, Record<string, number>>> {
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

function renderCompare(): void {
  const c = cards.get('compare');
  if (!c || !c.element.open) return;
  const { columns, rows } = comparisonTable([...model.runs.values()], latestMetrics());
  const sorted = sortRows(rows, state.sort.column, state.sort.descending);
  const table = el('table', { class: 'compare' });
  const head = el('tr');
  for (const col of columns) {
    const active = state.sort.column === col.id;
    const th = el('th', { scope: 'col', class: col.differs ? 'differs' : '', 'aria-sort': active ? (state.sort.descending ? 'descending' : 'ascending') : 'none' });
    const b = el('button', { class: 'sort', type: 'button', title: `Sort by ${col.label}` }, col.label, active ? (state.sort.descending ? ' ▾' : ' ▴') : '');
    b.dataset.column = col.id;
    b.addEventListener('click', () => {
      state.sort = { column: col.id, descending: state.sort.column === col.id ? !state.sort.descending : false };
      saveState();
      renderCompare();
      c.body.querySelector<HTMLButtonElement>(`button.sort[data-column="${CSS.escape(col.id)}"]`)?.focus();
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
  // A live update must not take the keyboard focus away from a sort button.
  const focusedColumn = c.body.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.column : undefined;
  const copy = button('Copy as Markdown', 'copy', () => post({ type: 'copyMarkdown', markdown: tableToMarkdown(columns, sorted) }), { secondary: true, action: 'copy-markdown' });
  c.body.replaceChildren(el('div', { class: 'table-actions' }, copy), el('div', { class: 'table-scroll' }, table));
  if (focusedColumn !== undefined) c.body.querySelector<HTMLButtonElement>(`button.sort[data-column="${CSS.escape(focusedColumn)}"]`)?.focus();
}

// ---------------------------------------------------------------- drawing

function redrawAll(): void {
  theme = readTheme();
  const runs = visibleRuns();
  const options = viewOptions();
  for (const s of specs) chartOf(s)?.update(s.series(runs), options);
  for (const k of heatmaps.keys()) renderMatrix(k);
  renderHeader();
  renderAlerts();
}

function specDependsOn(spec: ChartSpec, changed: Set<string>): boolean {
  for (const s of spec.series(visibleRuns())) if (changed.has(seriesId(s.runId, s.id.slice(s.runId.length + 1)))) return true;
  return false;
}

function applyChanges(changes: Changes): void {
  const newKey = structureOf();
  if (changes.reset || newKey !== structureKey) {
    structureKey = newKey;
    rebuild();
    return;
  }
  if (changes.runs) {
    buildRunList();
    renderCompare();
  }
  const options = viewOptions();
  const runs = visibleRuns();
  for (const s of specs) {
    if (!specDependsOn(s, changes.series)) continue;
    chartOf(s)?.update(s.series(runs), options);
  }
  if (changes.matrices) for (const k of heatmaps.keys()) renderMatrix(k);
  if (changes.events) renderAlerts();
  if (changes.runs || changes.series.size > 0) renderHeader();
  if (changes.series.size > 0 && [...changes.series].some((id) => id.includes('\u0000val/'))) renderCompare();
}

/** Cards and charts that exist; a change of this string means the structure must be rebuilt. */
function structureOf(): string {
  return [
    [...model.runs.keys()].join(','),
    chartSpecs().map((s) => s.id).join(','),
    [...model.matrices.entries()].map(([r, m]) => `${r}:${[...m.keys()].join('+')}`).join(','),
  ].join('|');
}

function exportCsv(): void {
  const options = viewOptions();
  const runs = visibleRuns();
  const seen = new Set<string>();
  const series: CsvSeries[] = [];
  for (const s of specs) {
    const cardOpen = cards.get(s.card)?.element.open !== false;
    if (!cardOpen) continue;
    for (const cs of s.series(runs)) {
      if (seen.has(cs.id)) continue;
      seen.add(cs.id);
      const r = model.runs.get(cs.runId);
      series.push({ runName: r?.name ?? cs.runId, runId: cs.runId, key: cs.id.slice(cs.runId.length + 1), points: cs.points, smoothed: state.smoothing > 0 ? emaDebiased(cs.points.values, state.smoothing) : undefined });
    }
  }
  const name = model.runs.size === 1 ? [...model.runs.keys()][0] : `mtl-comparison-${model.runs.size}-runs`;
  post({ type: 'exportCsv', suggestedName: `${name}.csv`, csv: seriesToCsv(series, options.origins) });
}

function notice(level: string, message: string): void {
  const n = el('div', { class: `notice notice-${level}` }, message);
  notices.append(n);
  setTimeout(() => n.remove(), 6000);
}

// ---------------------------------------------------------------- messages

let invalidLogged = 0;
window.addEventListener('message', (event: MessageEvent) => {
  const message = parseHostMessage(event.data);
  if (message === undefined) {
    // Logged a few times only, so a flood of junk cannot flood the host's log either.
    if (invalidLogged++ < 5) post({ type: 'log', level: 'warning', message: `ignored an invalid message: ${describeInvalidMessage('host', event.data).slice(0, 300)}` });
    return;
  }
  if (message.type === 'notice') {
    notice(message.level, message.message);
    return;
  }
  if (message.type !== 'init' && !model.initialised) return;
  let changes: Changes;
  try {
    changes = model.apply(message);
  } catch (error) {
    post({ type: 'log', level: 'error', message: `could not apply ${message.type}: ${String(error)}` });
    return;
  }
  if (message.type === 'init') {
    app.setAttribute('aria-busy', 'false');
    app.replaceChildren(toolbar, runList, notices, cardsRoot);
    buildToolbar();
    saveState();
  }
  applyChanges(changes);
});

// VS Code sets the theme as body classes (vscode-light, vscode-dark, vscode-high-contrast[-light]) and
// CSS variables; charts draw on canvas, so they re-read the colours when the class changes.
const themeObserver = new MutationObserver(() => {
  if (model.initialised) redrawAll();
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

/** Read-only inspection for the browser tests and the benchmark (what each chart draws). */
(window as unknown as { mtlLabDashboard: unknown }).mtlLabDashboard = {
  charts: () =>
    [...charts.values(), ...[...heatmaps.values()].map((h) => h.chart)].map((c) => ({ id: c.id, title: c.title, drawn: c.drawn(), scales: c.scales() ?? null, renders: c.renders, lastRenderMs: c.lastRenderMs, visible: c.isVisible, zoom: c.zoomRange ?? null })),
  heatmaps: () => [...heatmaps.entries()].map(([kind, h]) => ({ kind, step: h.heatmap.data?.snapshot.step ?? null, rows: h.heatmap.data?.snapshot.rows ?? null })),
  state: () => JSON.parse(JSON.stringify(state)) as DashboardState,
  /** Resolves when every visible chart is drawn (drawing is spread over frames, see lineChart.ts). */
  idle: () => chartsIdle(),
  /** The latest drawing passes and their budget (a pass starts no chart expected to carry it past the budget, the first excepted). */
  passes: () => ({ budgetMs: FRAME_BUDGET_MS, passes: recentPasses.map((p) => ({ ...p })) }),
};

post({ type: 'ready', protocol: WEBVIEW_PROTOCOL_VERSION });
