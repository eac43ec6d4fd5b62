/**
 * MTL Lab: Start Sweep — queues one run per combination of the experiment's `sweep` section (the run
 * manager starts them as `mtlLab.maxConcurrentRuns` allows) and gathers them in one comparison dashboard
 * as they start.
 */
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { readSettings } from '../settings';
import { ensureTrusted, saveIfDirty, type RunsService } from '../runs/runsService';
import type { DashboardHandle } from '../dashboard';
import { planSweep } from './sweepPlan';

/** Above this many runs the user confirms first. */
const CONFIRM_ABOVE = 12;

export interface StartSweepDeps {
  runs: RunsService;
  openDashboard: (runIds: string[]) => DashboardHandle | undefined;
}

export async function startSweep(deps: StartSweepDeps, configPath: string): Promise<string[]> {
  if (!(await ensureTrusted('start a sweep'))) return [];
  await saveIfDirty(configPath);
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
  const queued = plan.points.map((point) => deps.runs.start(configPath, point.overrides, settings));
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
