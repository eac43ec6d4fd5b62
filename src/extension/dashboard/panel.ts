/**
 * One dashboard panel: owns its webview, the feeds (bounded series stores) of its runs and each run's cursor
 * (what the webview already holds). History is read once from disk and handed over to the live records of
 * the data source at one offset of metrics.jsonl (RunFeed); deltas are flushed to the webview at most
 * FLUSH_INTERVAL_MS apart.
 */
import * as vscode from 'vscode';
import type { DashboardDataSource, RecordsAppended, RunSnapshot } from './dataSource';
import { RunSeriesStore, newRunCursor, pointsPerSeries, runView, studyViews, type RunCursor } from './runSeries';
import { RunFeed } from './runFeed';
import { dashboardHtml, makeNonce } from './html';
import { FLUSH_INTERVAL_MS, Throttle } from './throttle';
import { DisposableStore } from '../util/disposables';
import { applyStudyRemedy, sendStudyDiagnostics } from '../study/host';
import {
  describeInvalidMessage,
  parseWebviewMessage,
  type AppendMessage,
  type HostToWebview,
  type InitMessage,
  type RunView,
  type WebviewToHost,
} from '../../webview/protocol';

const COLORS_KEY = 'mtlLab.dashboard.colors';

export interface PanelContext {
  extensionUri: vscode.Uri;
  workspaceState: vscode.Memento;
  source: DashboardDataSource;
  log: vscode.LogOutputChannel;
  maxPointsPerSeries(): number;
}

export function dashboardWebviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    // The webview may load only the build output and media; nothing from the workspace.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

function safeFileName(name: string, extension: string): string {
  const base = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+/, '').slice(0, 120) || 'mtl-lab';
  return base.toLowerCase().endsWith(`.${extension}`) ? base : `${base}.${extension}`;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export class DashboardPanel implements vscode.Disposable {
  private readonly owned = new DisposableStore();
  private feeds = new Map<string, RunFeed>();
  private cursors = new Map<string, RunCursor>();
  private loading: Promise<void> = Promise.resolve();
  /** The webview announced `ready` and has received `init`: deltas may be sent. */
  private live = false;
  private readonly flushes = new Throttle(FLUSH_INTERVAL_MS, () => this.flush());
  private disposed = false;
  private readonly onDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposeEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private runIds: string[],
    private readonly ctx: PanelContext,
  ) {
    panel.webview.options = dashboardWebviewOptions(ctx.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(ctx.extensionUri, 'media', 'dashboard.svg');
    this.owned.addAll(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      // Without retainContextWhenHidden the page is destroyed when hidden; it sends `ready` again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.live = false;
      }),
      ctx.source.onDidAppendRecords((e) => this.onRecords(e)),
      ctx.source.onDidChangeRuns((runs) => this.onRuns(runs)),
    );
    this.updateTitle();
    this.load(runIds);
    panel.webview.html = this.html();
  }

  get ids(): readonly string[] {
    return this.runIds;
  }

  showsExactly(runIds: readonly string[]): boolean {
    return runIds.length === this.runIds.length && runIds.every((id) => this.runIds.includes(id));
  }

  private html(): string {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.ctx.extensionUri, 'dist', 'webview');
    return dashboardHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'dashboard.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'dashboard.css')).toString(),
      codiconUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'codicons', 'codicon.css')).toString(),
      runIds: this.runIds,
    });
  }

  private updateTitle(): void {
    const first = this.runIds.length === 1 ? this.ctx.source.getRun(this.runIds[0]) : undefined;
    this.panel.title = first ? `MTL: ${first.info.name} (${first.info.id})` : `MTL: compare ${this.runIds.length} runs`;
  }

  /**
   * Read the history of `ids` from disk into fresh stores. Live records that arrive meanwhile wait in the
   * run's feed and are handed over at the offset the read reached (RunFeed).
   */
  private load(ids: string[]): void {
    const max = pointsPerSeries(this.ctx.maxPointsPerSeries(), this.runIds.length);
    const pending = ids.map(async (id) => {
      const snapshot = this.ctx.source.getRun(id);
      const feed = new RunFeed(new RunSeriesStore(id, max, snapshot?.config?.tasks.map((t) => t.name) ?? []));
      this.feeds.set(id, feed);
      this.cursors.set(id, newRunCursor());
      try {
        feed.history(await this.ctx.source.readRecords(id));
      } catch (error) {
        this.ctx.log.warn(`dashboard: could not read the records of run ${id}: ${String(error)}`);
        if (!feed.ready) feed.history({ records: [], offset: 0 });
      }
    });
    const previous = this.loading;
    this.loading = previous.then(() => Promise.all(pending)).then(() => undefined);
  }

  private runViews(): RunView[] {
    const views: RunView[] = [];
    const studies = studyViews(this.ctx.source.listRuns());
    for (const id of this.runIds) {
      const s = this.ctx.source.getRun(id);
      if (s) views.push(runView(s.info, s.config, undefined, studies.get(id)));
    }
    return views;
  }

  private post(message: HostToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(message);
  }

  private async sendInit(): Promise<void> {
    await this.loading;
    if (this.disposed) return;
    const init: InitMessage = {
      type: 'init',
      protocol: 1,
      runs: this.runViews(),
      series: [],
      matrices: [],
      events: [],
      colors: this.ctx.workspaceState.get<Record<string, string>>(COLORS_KEY, {}),
      maxPointsPerSeries: pointsPerSeries(this.ctx.maxPointsPerSeries(), this.runIds.length),
      readOnly: this.ctx.source.isReadOnly(),
    };
    for (const id of this.runIds) {
      const feed = this.feeds.get(id);
      if (!feed) continue;
      const cursor = newRunCursor();
      this.cursors.set(id, cursor);
      const d = feed.store.deltas(cursor);
      init.series.push(...d.series);
      init.matrices.push(...d.matrices);
      init.events.push(...d.events);
    }
    this.post(init);
    this.live = true;
    this.diagnose(true);
  }

  /** Study diagnostics (dist/studyHost.js), sent with `init` and again whenever a run of the panel ends. */
  private diagnose(init?: boolean): void {
    if (this.live) sendStudyDiagnostics(this.panel.webview, this.ctx.source.listRuns(), this.runIds, init);
  }

  private onRecords(e: RecordsAppended): void {
    if (this.feeds.get(e.runId)?.receive(e)) this.flushes.request();
  }

  private flush(): void {
    if (!this.live) return; // the next `ready` sends everything through `init`
    const message: AppendMessage = { type: 'append', series: [], matrices: [], events: [] };
    for (const id of this.runIds) {
      const feed = this.feeds.get(id);
      const cursor = this.cursors.get(id);
      if (!feed || !cursor) continue;
      const d = feed.store.deltas(cursor);
      message.series.push(...d.series);
      message.matrices.push(...d.matrices);
      message.events.push(...d.events);
    }
    if (message.series.length + message.matrices.length + message.events.length > 0) this.post(message);
  }

  private onRuns(runs: RunSnapshot[]): void {
    const known = new Set(runs.map((r) => r.info.id));
    const removed = this.runIds.filter((id) => !known.has(id));
    if (removed.length > 0) {
      this.runIds = this.runIds.filter((id) => known.has(id));
      for (const id of removed) {
        this.feeds.delete(id);
        this.cursors.delete(id);
      }
      this.updateTitle();
    }
    if (this.live) this.post({ type: 'runs', runs: this.runViews(), removed });
    this.diagnose();
  }

  get closed(): boolean {
    return this.disposed;
  }

  /** Show other runs in this panel (Compare Runs on an open panel, a sweep's runs as they start). */
  addRuns(ids: readonly string[]): void {
    const fresh = ids.filter((id) => !this.runIds.includes(id) && this.ctx.source.getRun(id));
    if (fresh.length === 0) return;
    this.runIds.push(...fresh);
    this.updateTitle();
    this.load(fresh);
    void this.sendInit();
  }

  private async onMessage(raw: unknown): Promise<void> {
    const message = parseWebviewMessage(raw);
    if (message === undefined) {
      this.ctx.log.warn(`dashboard: dropped an invalid message from the webview: ${describeInvalidMessage('webview', raw)}`);
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      this.ctx.log.error(`dashboard: ${message.type} failed: ${String(error)}`);
      this.post({ type: 'notice', level: 'error', message: `${message.type} failed: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  private async handle(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        await this.sendInit();
        return;
      case 'stopRun':
      case 'resumeRun': {
        if (!this.runIds.includes(message.runId)) throw new Error(`run ${message.runId} is not in this dashboard`);
        if (this.ctx.source.isReadOnly()) throw new Error('the workspace is not trusted; runs cannot be stopped or resumed');
        if (message.type === 'stopRun') await this.ctx.source.stopRun(message.runId);
        else await this.ctx.source.resumeRun(message.runId);
        return;
      }
      case 'exportCsv':
        await this.save(message.suggestedName, 'csv', { 'CSV files': ['csv'] }, new TextEncoder().encode(message.csv));
        return;
      case 'exportPng': {
        const bytes = Buffer.from(message.dataUrl.slice('data:image/png;base64,'.length), 'base64');
        if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error('the chart image is not a PNG');
        await this.save(message.suggestedName, 'png', { 'PNG images': ['png'] }, bytes);
        return;
      }
      case 'copyMarkdown':
        await vscode.env.clipboard.writeText(message.markdown);
        this.post({ type: 'notice', level: 'info', message: 'Comparison table copied as Markdown.' });
        return;
      case 'setRunColor': {
        const colors = { ...this.ctx.workspaceState.get<Record<string, string>>(COLORS_KEY, {}), [message.runId]: message.color };
        await this.ctx.workspaceState.update(COLORS_KEY, colors);
        return;
      }
      case 'addRuns': {
        const items = this.ctx.source
          .listRuns()
          .filter((r) => !this.runIds.includes(r.info.id))
          .map((r) => ({ label: r.info.name, description: r.info.id, detail: `${r.info.status} · step ${r.info.step}/${r.info.totalSteps}`, id: r.info.id }));
        if (items.length === 0) {
          this.post({ type: 'notice', level: 'info', message: 'There are no other runs to add.' });
          return;
        }
        const picked = await vscode.window.showQuickPick(items, { canPickMany: true, title: 'Add runs to the dashboard' });
        if (picked && picked.length > 0) this.addRuns(picked.map((p) => p.id));
        return;
      }
      case 'removeRun':
        if (this.runIds.length > 1 && this.runIds.includes(message.runId)) {
          this.runIds = this.runIds.filter((id) => id !== message.runId);
          this.feeds.delete(message.runId);
          this.cursors.delete(message.runId);
          this.updateTitle();
          this.post({ type: 'runs', runs: this.runViews(), removed: [message.runId] });
        }
        return;
      case 'applyRemedy':
        await applyStudyRemedy(this.panel.webview, message.findingId, this.ctx.source.isReadOnly());
        return;
      case 'log':
        this.ctx.log[message.level === 'warning' ? 'warn' : message.level](`dashboard webview: ${message.message}`);
        return;
    }
  }

  /** Write only where the user chose, through the save dialog. */
  private async save(suggestedName: string, extension: string, filters: Record<string, string[]>, bytes: Uint8Array): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = safeFileName(suggestedName, extension);
    const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined, filters, saveLabel: 'Export' });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, bytes);
    this.post({ type: 'notice', level: 'info', message: `Saved ${target.fsPath}` });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.flushes.dispose();
    this.feeds.clear();
    this.cursors.clear();
    this.owned.dispose();
    this.panel.dispose();
    this.onDisposeEmitter.fire();
    this.onDisposeEmitter.dispose();
  }
}
