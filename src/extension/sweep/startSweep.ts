/**
 * MTL Lab: Start Sweep — queues one run per combination of the experiment's `sweep` section (the run
 * manager starts them as `mtlLab.maxConcurrentRuns` allows) and gathers them in one comparison dashboard
 * as they start.
 */
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { readSettings, runsDirectoryForConfig, type Settings } from '../settings';
import type { SweepPoint } from '../../training/config/sweep';
import type { BackendName, ClusterConfig } from '../../training/config/schema';
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
  if (settings.runner === 'slurm') return submitSweep(deps, configPath, plan.points, plan.cluster, settings);
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

/**
 * mtlLab.runner = "slurm": the sweep is one Slurm job array (the runs directory must be on the file system the compute
 * nodes share). Its runs appear in the tree as queued, and gather in one comparison dashboard.
 */
async function submitSweep(deps: StartSweepDeps, configPath: string, points: SweepPoint[], cluster: ClusterConfig | undefined, settings: Settings): Promise<string[]> {
  let submitted;
  try {
    submitted = await deps.runs.cluster.submit({ configPath, runsDir: runsDirectoryForConfig(configPath, settings), sets: [], backend: settings.backend === 'config' ? undefined : (settings.backend as BackendName), points, cluster });
  } catch (error) {
    void vscode.window.showErrorMessage(`MTL Lab: the sweep was not submitted to Slurm: ${(error as Error).message}`);
    return [];
  }
  const ids = submitted.map((r) => r.info.id);
  void vscode.window.setStatusBarMessage(`MTL Lab: sweep of ${ids.length} runs submitted as Slurm job ${submitted[0]?.info.cluster?.jobId ?? '?'}`, 8000);
  await deps.runs.refresh();
  void deps.runs.cluster.poll();
  if (ids.length) deps.openDashboard(ids);
  return ids;
}

export function sweepCommands(deps: CommandDeps): FeatureCommands<'startSweep'> {
  return {
    [COMMANDS.startSweep]: async (arg?: unknown) => {
      const configPath = await experimentOrPick(deps, arg);
      if (configPath) await startSweep(deps, configPath);
    },
  };
}
