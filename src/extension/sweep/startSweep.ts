/**
 * MTL Lab: Start Sweep — queues one run per combination of the experiment's `sweep` section (the run
 * manager starts them as `mtlLab.maxConcurrentRuns` allows) and gathers them in one comparison dashboard
 * as they start.
 */
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { readSettings, runsDirectoryForConfig, workerModulePaths } from '../settings';
import { ensureTrusted, type RunsService } from '../runs/runsService';
import type { DashboardHandle } from '../dashboard';
import { planSweep } from './sweepPlan';

/** Above this many runs the user confirms first. */
const CONFIRM_ABOVE = 12;

export interface StartSweepDeps {
  context: vscode.ExtensionContext;
  runs: RunsService;
  openDashboard: (runIds: string[]) => DashboardHandle | undefined;
}

export async function startSweep(deps: StartSweepDeps, configPath: string): Promise<string[]> {
  if (!(await ensureTrusted('start a sweep'))) return [];
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === configPath);
  if (open?.isDirty) await open.save();
  const text = await fs.readFile(configPath, 'utf8');
  const plan = planSweep(text, vscode.workspace.asRelativePath(configPath));
  if (!plan.ok) {
    if (plan.reason === 'no-sweep') void vscode.window.showInformationMessage(`MTL Lab: ${plan.message}.`);
    else void vscode.window.showErrorMessage(`MTL Lab: cannot start the sweep: ${plan.message}`);
    return [];
  }
  const settings = readSettings();
  if (plan.points.length > CONFIRM_ABOVE) {
    const start = `Start ${plan.points.length} runs`;
    const answer = await vscode.window.showWarningMessage(
      `Start a sweep of ${plan.points.length} runs?`,
      { modal: true, detail: `They run ${settings.maxConcurrentRuns} at a time (mtlLab.maxConcurrentRuns); the rest wait in the queue, where they can be cancelled.` },
      start,
    );
    if (answer !== start) return [];
  }
  let dashboard: DashboardHandle | undefined;
  const started: string[] = [];
  const queued = plan.points.map((point) =>
    deps.runs.manager.start({
      configPath,
      runsDir: runsDirectoryForConfig(configPath, settings),
      overrides: point.overrides,
      backend: settings.backend === 'config' ? undefined : settings.backend,
      modulePaths: workerModulePaths(deps.context),
    }),
  );
  void vscode.window.setStatusBarMessage(`MTL Lab: sweep of ${plan.points.length} runs queued`, 5000);
  // One comparison dashboard gathers the runs as they start; closing it is respected.
  await Promise.all(
    queued.map(async (q) => {
      const run = await q.started.catch(() => undefined);
      if (!run) return;
      started.push(run.info.id);
      if (dashboard === undefined) dashboard = deps.openDashboard([run.info.id]);
      else if (!dashboard.closed) dashboard.addRuns([run.info.id]);
    }),
  );
  return started;
}
