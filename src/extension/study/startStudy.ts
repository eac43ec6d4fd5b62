/**
 * MTL Lab: Start Study — plans the experiment's `study` section (training/study/plan.ts: each sweep point × seed,
 * and the single-task baselines not already in the runs directory), queues the baselines first and then the runs
 * through the run manager (`mtlLab.maxConcurrentRuns` at a time), and gathers them with the reused baselines in
 * one comparison dashboard. A job that cannot start is named with its reason; the rest go on.
 */
import * as vscode from 'vscode';
import { isConfigError } from '../../training/config/diagnostics';
import { InputError } from '../../training/run/inputError';
import { planStudy, type StudyPlan } from '../../training/study/plan';
import { readSettings, runsDirectoryForConfig } from '../settings';
import { ensureTrusted, saveIfDirty, type RunsService } from '../runs/runsService';
import type { DashboardHandle } from '../dashboard';
import { dashboardGatherer } from '../dashboard/gather';
import { dataColumns } from './dataColumns';
import { jobFailure, planSummary } from './studyPlan';

/** Above this many jobs the user confirms first. */
const CONFIRM_ABOVE = 12;

export interface StartStudyDeps {
  runs: RunsService;
  openDashboard: (runIds: string[]) => DashboardHandle | undefined;
}

async function plan(configPath: string, runsDir: string): Promise<StudyPlan | undefined> {
  try {
    return await planStudy(configPath, [], runsDir, dataColumns);
  } catch (error) {
    if (!(error instanceof InputError) && !isConfigError(error)) throw error;
    void vscode.window.showErrorMessage(`MTL Lab: cannot start the study: ${(error as Error).message}`);
    return undefined;
  }
}

export async function startStudy(deps: StartStudyDeps, configPath: string): Promise<string[]> {
  if (!(await ensureTrusted('start a study'))) return [];
  await saveIfDirty(configPath);
  const settings = readSettings();
  const study = await plan(configPath, runsDirectoryForConfig(configPath, settings));
  if (!study) return [];
  if (study.jobs.length > CONFIRM_ABOVE) {
    const start = `Start ${study.jobs.length} runs`;
    const answer = await vscode.window.showWarningMessage(
      `Start a study of ${study.jobs.length} runs (baselines included)?`,
      { modal: true, detail: `They run ${settings.maxConcurrentRuns} at a time (mtlLab.maxConcurrentRuns); the rest wait in the queue, where they can be cancelled.` },
      start,
    );
    if (answer !== start) return [];
  }
  const gather = dashboardGatherer(deps.openDashboard);
  for (const reused of study.reused) gather(reused.listing.info.id);
  const started: string[] = [];
  const failures: string[] = [];
  const queued = study.jobs.map((job) => ({ job, q: deps.runs.start(configPath, job.overrides, settings, job.marks) }));
  void vscode.window.setStatusBarMessage(`MTL Lab: ${planSummary(study)}`, 5000);
  await Promise.all(
    queued.map(async ({ job, q }) => {
      const run = await q.started.catch((error: Error) => void failures.push(jobFailure(job, error.message)));
      if (!run) return;
      started.push(run.info.id);
      gather(run.info.id);
    }),
  );
  if (failures.length) void vscode.window.showWarningMessage(`MTL Lab: ${failures.join('; ')}`);
  return started;
}
