/**
 * The dashboard webview: renders what the host sends (validated, see protocol.ts) and posts back what the
 * user asks for. It never touches the file system; exports go through the host's save dialog.
 *
 * The pieces: host.ts (VS Code API, persisted state), messages.ts (host messages → model.ts), view.ts (the
 * page: toolbar.ts, cards/, chart specifications in chartSpecs.ts), chart/ (line charts and their drawing
 * scheduler), afterPaint.ts (work the charts' first paint need not wait for), heatmap.ts, data/ (pure stores
 * and transforms).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import './dashboard.css';
import { WEBVIEW_PROTOCOL_VERSION, type DashboardState } from './protocol';
import { DashboardModel } from './model';
import { HostLink } from './host';
import { DashboardView } from './view';
import { listenToHost } from './messages';
import { chartsIdle, FRAME_BUDGET_MS, recentPasses } from './chart/scheduler';
import { afterPaintSettled } from './afterPaint';

const host = new HostLink();
const model = new DashboardModel();
const view = new DashboardView(model, host);
const app = document.getElementById('app')!;

listenToHost({
  model,
  post: (message) => host.post(message),
  notice: (level, message) => view.notice(level, message),
  initialised: () => {
    app.setAttribute('aria-busy', 'false');
    app.replaceChildren(...view.elements);
    // The toolbar is built by the rebuild that follows every `init` (its changes are a reset).
    view.saveState();
  },
  applyChanges: (changes) => view.applyChanges(changes),
});

// VS Code sets the theme as body classes (vscode-light, vscode-dark, vscode-high-contrast[-light]) and
// CSS variables; charts draw on canvas, so they re-read the colours when the class changes.
const themeObserver = new MutationObserver(() => {
  if (model.initialised) view.redrawAll();
});
themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
themeObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });

/** Read-only inspection for the browser tests and the benchmark (what each chart draws). */
(window as unknown as { mtlLabDashboard: unknown }).mtlLabDashboard = {
  charts: () =>
    view.allCharts().map((c) => ({ id: c.id, title: c.title, drawn: c.drawn(), scales: c.scales() ?? null, renders: c.renders, lastRenderMs: c.lastRenderMs, visible: c.isVisible, zoom: c.zoomRange ?? null })),
  heatmaps: () => view.heatmaps(),
  state: () => JSON.parse(JSON.stringify(host.state)) as DashboardState,
  /** Resolves when every visible chart is drawn (drawing is spread over frames, see chart/scheduler.ts). */
  idle: () => chartsIdle(),
  /** Resolves when the work left for after the charts' paint (text cards, long pickers: afterPaint.ts) has run too. */
  settled: () => chartsIdle().then(() => afterPaintSettled()),
  /** The latest drawing passes and their budget (a pass starts no chart expected to carry it past the budget, the first excepted). */
  passes: () => ({ budgetMs: FRAME_BUDGET_MS, passes: recentPasses.map((p) => ({ ...p })) }),
};

host.post({ type: 'ready', protocol: WEBVIEW_PROTOCOL_VERSION });
