/**
 * The dashboard's page: the toolbar, the run list, notices and the cards with their charts, built from the
 * chart specifications and kept current as messages change the model — rebuilt whole when the structure
 * changes (runs, charts or matrices appear or go), otherwise only the charts and cards whose data changed.
 */
import { el } from './dom';
import { readTheme, type ThemeColors } from './theme';
import { emaDebiased, timeOrigin } from './data/transforms';
import { seriesToCsv, type CsvSeries } from './data/exports';
import { chartSpecs, RunChoices, specDependsOn, type ChartSpec } from './chartSpecs';
import { LineChart } from './chart/lineChart';
import type { ChartSeries, ViewOptions } from './chart/types';
import { groupedSeries } from './data/groupBands';
import { CardStack } from './cards/cardStack';
import { HeaderCard } from './cards/headerCard';
import { renderCompare } from './cards/compareCard';
import { hasPareto, renderPareto } from './cards/paretoCard';
import { renderDiagnostics } from './cards/diagnosticsCard';
import { renderAlerts, weightsPicker } from './cards/weightsCard';
import { MatrixCard } from './cards/matrixCard';
import { AFFINITY_CARD, AffinityCard } from './cards/affinityCard';
import { SELF_ATTENTION_CARD, SelfAttentionCard } from './cards/selfAttentionCard';
import { AFFINITY_MATRICES, parseSelfAttentionName } from '../training/run/matrices';
import { buildRunList, buildToolbar } from './toolbar';
import { afterPaint } from './afterPaint';
import type { DashboardContext } from './context';
import type { Changes, DashboardModel } from './model';
import type { HostLink } from './host';
import type { DashboardState, RunView, WebviewToHost } from './protocol';

/** The fixed cards' headings; a matrix card takes its heading from the matrix's description. */
const CARD_TITLES: Record<string, [string, string]> = {
  header: ['Runs', 'status, progress, throughput'],
  losses: ['Task losses', 'solid: train · dashed: validation'],
  weights: ['Task weights', 'stacked, per run'],
  validation: ['Validation metrics', 'per task'],
  compare: ['Comparison', 'differing config values highlighted'],
  diagnostics: ['Diagnostics', 'study findings, each with a remedy sweep'],
  pareto: ['Pareto view', 'final task metrics per run or seed group'],
  [AFFINITY_CARD]: ['Suggested groupings', 'which tasks to train together, from the average affinity (TAG network selection)'],
  [SELF_ATTENTION_CARD]: ['Self-attention', 'query token × key token of validation text 1, per encoder layer and head; full colour = the largest weight'],
};

export class DashboardView implements DashboardContext {
  readonly state: DashboardState;
  readonly choices: RunChoices;
  readonly toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Chart controls' });
  readonly runList = el('section', { class: 'run-list', 'aria-label': 'Runs' });
  readonly notices = el('div', { class: 'notices', role: 'status', 'aria-live': 'polite' });
  private readonly cards: CardStack;
  private readonly header: HeaderCard;
  private charts = new Map<string, LineChart>();
  /** Matrix name → its card. */
  private matrixCards = new Map<string, MatrixCard>();
  /** The Suggested groupings card, when a run has an average affinity. */
  affinityCard: AffinityCard | undefined;
  private selfAttention: SelfAttentionCard | undefined;
  private specs: ChartSpec[] = [];
  /** Cards and charts that exist (see structureOf). */
  private structureKey = '';
  private currentTheme: ThemeColors = readTheme();

  constructor(
    readonly model: DashboardModel,
    private readonly host: HostLink,
  ) {
    this.state = host.state;
    this.choices = new RunChoices(model, () => this.state.hiddenRuns);
    this.header = new HeaderCard(this);
    this.cards = new CardStack(this, (id) => {
      // Closed cards of text (run rows, the table) are not kept current; they catch up when opened.
      if (id === 'header') this.header.render(this.cards.get('header'));
      if (id === 'compare') renderCompare(this, this.cards.get('compare'));
      if (id === 'pareto') renderPareto(this, this.cards.get('pareto'));
    });
  }

  /** The page's parts in order, once the first data arrived. */
  get elements(): HTMLElement[] {
    return [this.toolbar, this.runList, this.notices, this.cards.root];
  }

  post(message: WebviewToHost): void {
    this.host.post(message);
  }

  saveState(): void {
    this.host.saveState(this.model.runs.keys());
  }

  theme(): ThemeColors {
    return this.currentTheme;
  }

  visibleRuns(): RunView[] {
    return [...this.model.runs.values()].filter((r) => !this.state.hiddenRuns.includes(r.id));
  }

  viewOptions(): ViewOptions {
    const { model, state } = this;
    const origins = new Map<string, number>();
    for (const [runId, perRun] of model.series) {
      const start = model.runs.get(runId)?.startedAt;
      const parsed = start ? Date.parse(start) : NaN;
      origins.set(runId, Number.isFinite(parsed) ? parsed : timeOrigin([...perRun.values()].map((h) => h.committed)));
    }
    return { smoothing: state.smoothing, logScale: state.logScale, xAxis: state.xAxis, ignoreOutliers: state.ignoreOutliers, origins, theme: this.currentTheme };
  }

  /**
   * What a chart draws: its series, with seed groups as mean and band when the toolbar asks for it — on the
   * per-run charts only (a stacked weights chart and a matrix card show one run each).
   */
  private chartSeries(spec: ChartSpec, runs: RunView[]): ChartSeries[] {
    const series = spec.series(runs);
    const mode = this.state.groupView ?? 'runs';
    if (mode === 'runs' || spec.stacked || spec.matrix !== undefined) return series;
    const groupOf = (runId: string) => {
      const study = this.model.runs.get(runId)?.study;
      return study ? { key: study.group, label: study.groupLabel } : undefined;
    };
    return groupedSeries(series, groupOf, mode);
  }

  /** The toolbar, with the saved settings (at each rebuild: the seed-group control depends on the runs). */
  private buildToolbar(): void {
    buildToolbar(this, this.toolbar, { resetZoom: () => this.allCharts().forEach((c) => c.resetZoom()), exportCsv: () => this.exportCsv() });
  }

  redrawAll(): void {
    this.currentTheme = readTheme();
    this.redrawCharts();
    this.header.render(this.cards.get('header'));
    renderAlerts(this, this.cards.get('weights'));
    renderPareto(this, this.cards.get('pareto'));
  }

  /** Every chart and matrix card, with the theme as last read. */
  private redrawCharts(): void {
    const runs = this.visibleRuns();
    const options = this.viewOptions();
    for (const s of this.specs) this.chartOf(s)?.update(this.chartSeries(s, runs), options);
    this.renderMatrices();
  }

  /** Brings the page up to date with what an applied message changed. */
  applyChanges(changes: Changes): void {
    const newKey = this.structureOf();
    if (changes.reset || newKey !== this.structureKey) {
      this.structureKey = newKey;
      this.rebuild();
      return;
    }
    if (changes.runs) {
      buildRunList(this, this.runList);
      renderCompare(this, this.cards.get('compare'));
      renderPareto(this, this.cards.get('pareto'));
    }
    const options = this.viewOptions();
    const runs = this.visibleRuns();
    for (const s of this.specs) {
      if (!specDependsOn(s, runs, changes.series)) continue;
      this.chartOf(s)?.update(this.chartSeries(s, runs), options);
    }
    if (changes.matrices) this.renderMatrices();
    if (changes.diagnostics) renderDiagnostics(this, this.cards.get('diagnostics'));
    if (changes.events) renderAlerts(this, this.cards.get('weights'));
    if (changes.runs || changes.series.size > 0) this.header.render(this.cards.get('header'));
    if (changes.series.size > 0 && [...changes.series].some((id) => id.includes('\u0000val/'))) renderCompare(this, this.cards.get('compare'));
  }

  /** Cards and charts that exist; a change of this string means the structure must be rebuilt. */
  private structureOf(): string {
    const { model } = this;
    return [
      [...model.runs.keys()].join(','),
      chartSpecs(model, this.choices).map((s) => s.id).join(','),
      [...model.matrices.entries()].map(([r, m]) => `${r}:${[...m.keys()].join('+')}`).join(','),
      hasPareto(this) ? 'pareto' : '',
      model.diagnostics ? 'diagnostics' : '',
    ].join('|');
  }

  /** The cards in page order: one per named matrix between the task weights and the validation metrics. */
  private cardOrder(): string[] {
    const names = this.model.matrixNames();
    const selfAttention = names.some((n) => parseSelfAttentionName(n)) ? [SELF_ATTENTION_CARD] : [];
    return ['header', 'losses', 'weights', ...names.filter((n) => !parseSelfAttentionName(n)), ...selfAttention, AFFINITY_CARD, 'validation', 'compare', 'pareto', 'diagnostics'];
  }

  private cardTitle(id: string): [string, string] {
    const about = id === SELF_ATTENTION_CARD ? undefined : this.choices.heldMatrix(id)?.about;
    return about ? [about.title, `${about.rowAxis} × ${about.columnAxis}: ${about.description}`] : CARD_TITLES[id];
  }

  /** Rebuild the card and chart structure (new runs, new series kinds); keeps nothing but the state. */
  private rebuild(): void {
    // Read before the new cards are built: the computed style is cheaper to bring up to date now.
    this.currentTheme = readTheme();
    for (const c of this.allCharts()) c.destroy();
    this.charts = new Map();
    this.matrixCards = new Map();
    this.affinityCard = undefined;
    this.selfAttention = undefined;
    this.cards.clear();
    this.header.reset();
    this.specs = chartSpecs(this.model, this.choices);
    const exportPng = (chart: LineChart) => this.exportPng(chart);
    const present = new Set<string>(['header']);
    for (const s of this.specs) present.add(s.card);
    if (this.model.runs.size > 1) present.add('compare');
    if (hasPareto(this)) present.add('pareto');
    if (this.model.diagnostics) present.add('diagnostics');
    if (this.model.matrixNames().includes(AFFINITY_MATRICES.mean)) present.add(AFFINITY_CARD);
    if (this.model.matrixNames().some((n) => parseSelfAttentionName(n))) present.add(SELF_ATTENTION_CARD);
    for (const id of this.cardOrder()) {
      if (!present.has(id)) continue;
      const [title, description] = this.cardTitle(id);
      const card = this.cards.card(id, title, description);
      const lines = this.specs.find((s) => s.matrix === id);
      if (lines) this.matrixCards.set(id, new MatrixCard(this, id, card, lines, exportPng, () => this.renderMatrices()));
      if (id === AFFINITY_CARD) this.affinityCard = new AffinityCard(this, card);
      if (id === SELF_ATTENTION_CARD) this.selfAttention = new SelfAttentionCard(this, card, () => this.renderMatrices());
    }
    for (const s of this.specs) {
      if (s.matrix !== undefined) continue;
      const chart = new LineChart(s.id, s.title, { stacked: s.stacked, yLabel: s.yLabel }, exportPng);
      this.charts.set(s.id, chart);
      const card = this.cards.get(s.card)!;
      let grid = card.body.querySelector<HTMLElement>(':scope > .chart-grid');
      if (!grid) {
        if (s.card === 'weights') card.body.append(el('div', { class: 'alerts', role: 'alert' }));
        if (s.id === 'weights:selected') card.body.append(weightsPicker(this, () => this.chartOf(s)?.update(s.series(this.visibleRuns()), this.viewOptions())));
        grid = el('div', { class: 'chart-grid' });
        card.body.append(grid);
      }
      grid.append(chart.element);
    }
    buildRunList(this, this.runList);
    // The seed-group control appears once the comparison holds a group of two runs.
    this.buildToolbar();
    this.redrawCharts();
    this.header.render(this.cards.get('header'));
    renderAlerts(this, this.cards.get('weights'));
    // The cards of text below the charts are filled once the charts are painted (see afterPaint.ts).
    afterPaint('compare', () => renderCompare(this, this.cards.get('compare')));
    afterPaint('pareto', () => renderPareto(this, this.cards.get('pareto')));
    afterPaint('diagnostics', () => renderDiagnostics(this, this.cards.get('diagnostics')));
  }

  private renderMatrices(): void {
    for (const m of this.matrixCards.values()) m.render();
    this.affinityCard?.render();
    this.selfAttention?.render();
  }

  private chartOf(spec: ChartSpec): LineChart | undefined {
    return spec.matrix !== undefined ? this.matrixCards.get(spec.matrix)?.chart : this.charts.get(spec.id);
  }

  allCharts(): LineChart[] {
    return [...this.charts.values(), ...[...this.matrixCards.values()].map((m) => m.chart)];
  }

  /** Every heatmap: its matrix and what it shows (tests and benchmarks). */
  heatmaps(): { kind: string; step: number | null; rows: number[][] | null }[] {
    const cards: { name: string; heatmap: { data?: { snapshot: { step: number; rows: number[][] } } } }[] = [...this.matrixCards.values()];
    if (this.selfAttention) cards.push(this.selfAttention);
    const shown = cards.map((m) => ({ kind: m.name, step: m.heatmap.data?.snapshot.step ?? null, rows: m.heatmap.data?.snapshot.rows ?? null }));
    const asymmetry = this.affinityCard?.asymmetry.data;
    return asymmetry ? [...shown, { kind: 'affinity-asymmetry', step: asymmetry.snapshot.step, rows: asymmetry.snapshot.rows }] : shown;
  }

  private exportPng(chart: LineChart): void {
    const dataUrl = chart.toPng();
    if (dataUrl) this.post({ type: 'exportPng', suggestedName: `${chart.title.replace(/[^A-Za-z0-9]+/g, '-')}.png`, dataUrl });
  }

  /** CSV of the series the open cards draw for the visible runs (smoothed values too when smoothing is on). */
  private exportCsv(): void {
    const { model, state } = this;
    const options = this.viewOptions();
    const runs = this.visibleRuns();
    const seen = new Set<string>();
    const series: CsvSeries[] = [];
    for (const s of this.specs) {
      if (!this.cards.isOpen(s.card)) continue;
      for (const cs of s.series(runs)) {
        if (seen.has(cs.id)) continue;
        seen.add(cs.id);
        const r = model.runs.get(cs.runId);
        series.push({ runName: r?.name ?? cs.runId, runId: cs.runId, key: cs.id.slice(cs.runId.length + 1), points: cs.points, smoothed: state.smoothing > 0 ? emaDebiased(cs.points.values, state.smoothing) : undefined });
      }
    }
    const name = model.runs.size === 1 ? [...model.runs.keys()][0] : `mtl-comparison-${model.runs.size}-runs`;
    this.post({ type: 'exportCsv', suggestedName: `${name}.csv`, csv: seriesToCsv(series, options.origins) });
  }

  /** A notice from the host, shown for a few seconds. */
  notice(level: string, message: string): void {
    const n = el('div', { class: `notice notice-${level}` }, message);
    this.notices.append(n);
    setTimeout(() => n.remove(), 6000);
  }
}
