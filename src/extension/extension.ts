/**
 * MTL Lab's extension host entry. Activation only wires things up (no file system scan blocks it; no
 * TensorFlow.js is ever loaded here: training runs in the forked worker).
 */
import * as vscode from 'vscode';
import { registerDashboard } from './dashboard/index';
import { RunsService } from './runs/runsService';
import { RunLogs } from './runs/runLogs';
import { ExperimentsTree } from './tree/experimentsTree';
import { RunsStatusBar } from './statusBar/statusBar';
import { ClusterStatusBar } from './statusBar/clusterStatusBar';
import { ExperimentCodeLens } from './codeLens/experimentCodeLens';
import { ConfigDiagnostics } from './diagnostics/diagnosticsService';
import { registerCommands } from './commands/registerCommands';

export interface MtlLabApi {
  /** For tests and other extensions: the runs known to this window. */
  runs: RunsService;
}

export function activate(context: vscode.ExtensionContext): MtlLabApi {
  const started = performance.now();
  const runs = new RunsService(context);
  const logs = new RunLogs(runs.manager);
  const tree = new ExperimentsTree(runs);
  const dashboard = registerDashboard(context, runs);
  context.subscriptions.push(
    runs,
    logs,
    tree,
    new RunsStatusBar(runs.manager),
    new ClusterStatusBar(runs.cluster),
    new ConfigDiagnostics(),
    vscode.languages.registerCodeLensProvider({ scheme: 'file', pattern: '**/*.mtl.json' }, new ExperimentCodeLens(runs.manager)),
    registerCommands({ context, runs, tree, logs, openDashboard: (ids) => dashboard.open(ids), activeDashboardRuns: () => dashboard.activeRunIds() }),
    runs.manager.onDidCrash(async ({ runId, message }) => {
      const show = 'Show Log';
      const answer = await vscode.window.showErrorMessage(`MTL Lab: run ${runId} failed: ${message.split('\n')[0]}`, show);
      if (answer === show) await logs.show(runId);
    }),
    runs.manager.onDidReject(async ({ label, message }) => {
      await vscode.window.showErrorMessage(`MTL Lab: ${label} could not start:\n${message}`, { modal: false });
    }),
  );
  const elapsed = performance.now() - started;
  console.log(`MTL Lab activated in ${elapsed.toFixed(1)} ms`);
  return { runs };
}

export function deactivate(): void {
  // Disposables in context.subscriptions let workers go without stopping them (see RunManager.dispose).
}
