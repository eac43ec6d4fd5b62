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
import { dashboardGatherer } from '../dashboard/gather';
import { COMMANDS, type FeatureCommands } from '../commands/commandIds';
import { experimentOrPick, type CommandDeps } from '../commands/commandContext';
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
  const gather = dashboardGatherer(deps.openDashboard);
  const started: string[] = [];
  const queued = plan.points.map((point) => deps.runs.start(configPath, point.overrides, settings));
  void vscode.window.setStatusBarMessage(`MTL Lab: sweep of ${plan.points.length} runs queued`, 5000);
  await Promise.all(
    queued.map(async (q) => {
      const run = await q.started.catch(() => undefined);
      if (!run) return;
      started.push(run.info.id);
      gather(run.info.id);
    }),
  );
  return started;
}

export function sweepCommands(deps: CommandDeps): FeatureCommands<'startSweep'> {
  return {
    [COMMANDS.startSweep]: async (arg?: unknown) => {
      const configPath = await experimentOrPick(deps, arg);
      if (configPath) await startSweep(deps, configPath);
    },
  };
}
