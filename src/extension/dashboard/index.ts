/**
 * The dashboard's entry point for the extension: one panel type (`mtlLab.dashboard`), restored after a
 * window reload by a WebviewPanelSerializer from the state the webview persisted (its run ids).
 */
import * as vscode from 'vscode';
import type { DashboardDataSource } from './dataSource';
import { DashboardPanel, dashboardWebviewOptions } from './panel';
import { DASHBOARD_VIEW_TYPE, parseDashboardState } from '../../webview/protocol';
import { DisposableStore, toDisposable } from '../util/disposables';

export const MAX_POINTS_SETTING = 'mtlLab.dashboard.maxPointsPerSeries';
const DEFAULT_MAX_POINTS = 2000;

/** An open dashboard, for adding runs to it later (a sweep gathers its runs as they start). */
export interface DashboardHandle {
  addRuns(runIds: readonly string[]): void;
  /** The user closed it. */
  readonly closed: boolean;
}

export interface DashboardRegistration extends vscode.Disposable {
  /** Open a dashboard for these runs (one run, or a comparison); reveals an open one showing exactly them. */
  open(runIds: string[]): DashboardHandle | undefined;
  /** The runs shown by the dashboard that has the focus; none when no dashboard is active. */
  activeRunIds(): readonly string[];
}

export function registerDashboard(context: vscode.ExtensionContext, source: DashboardDataSource): DashboardRegistration {
  const owned = new DisposableStore();
  const panels = new Set<DashboardPanel>();
  const log = owned.add(vscode.window.createOutputChannel('MTL Lab Dashboard', { log: true }));
  const panelContext = {
    extensionUri: context.extensionUri,
    workspaceState: context.workspaceState,
    source,
    log,
    maxPointsPerSeries: () => {
      const value = vscode.workspace.getConfiguration().get<number>(MAX_POINTS_SETTING, DEFAULT_MAX_POINTS);
      return Number.isInteger(value) && value >= 16 ? value : DEFAULT_MAX_POINTS;
    },
  };

  const track = (panel: DashboardPanel) => {
    panels.add(panel);
    panel.onDidDispose(() => panels.delete(panel));
    return panel;
  };

  owned.add(
    toDisposable(() => {
      // Each panel takes itself out of the set as it goes.
      for (const p of [...panels]) p.dispose();
    }),
  );
  owned.add(
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: unknown) {
        const saved = parseDashboardState(state);
        const ids = (saved?.runIds ?? []).filter((id) => source.getRun(id) !== undefined);
        if (ids.length === 0) {
          log.info('dashboard: a restored panel had no runs that still exist; closing it');
          webviewPanel.dispose();
          return;
        }
        track(new DashboardPanel(webviewPanel, ids, panelContext));
      },
    }),
  );

  const registration: DashboardRegistration = {
    open(runIds: string[]) {
      const ids = [...new Set(runIds)].filter((id) => source.getRun(id) !== undefined);
      if (ids.length === 0) {
        void vscode.window.showWarningMessage('MTL Lab: no such run to show.');
        return undefined;
      }
      for (const p of panels) {
        if (p.showsExactly(ids)) {
          p.panel.reveal();
          return p;
        }
      }
      const webviewPanel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'MTL Lab', vscode.ViewColumn.Active, dashboardWebviewOptions(context.extensionUri));
      return track(new DashboardPanel(webviewPanel, ids, panelContext));
    },
    activeRunIds() {
      for (const p of panels) if (p.panel.active) return p.ids;
      return [];
    },
    dispose: () => owned.dispose(),
  };
  context.subscriptions.push(registration);
  return registration;
}
