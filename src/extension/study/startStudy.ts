/**
 * MTL Lab: Start Study — plans the experiment's `study` section (training/study/plan.ts: each sweep point × seed,
 * and the single-task baselines not already in the runs directory), queues the baselines first and then the runs
 * through the run manager (`mtlLab.maxConcurrentRuns` at a time), and gathers them with the reused baselines in
 * one comparison dashboard. A job that cannot start is named with its reason; the rest go on.
 */
import * as vscode from 'vscode';
import { isConfigError } from '../../training/config/diagnostics';
import { InputError } from '../../training/run/inputError';
import type { BackendName } from '../../training/config/schema';
import { planStudy, studyBatch, type StudyPlan } from '../../training/study/plan';
import { readSettings, runsDirectoryForConfig, type Settings } from '../settings';
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
  if (settings.runner === 'slurm') return submitStudy(deps, study, configPath, settings);
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

/**
 * mtlLab.runner = "slurm": the study's runs (baselines first) are one Slurm job array, as `mtl-lab study --runner
 * slurm` submits them; they gather with the reused baselines in one comparison dashboard, whose Δm fills as they end.
 */
async function submitStudy(deps: StartStudyDeps, study: StudyPlan, configPath: string, settings: Settings): Promise<string[]> {
  const reused = study.reused.map((r) => r.listing.info.id);
  if (study.jobs.length === 0) {
    if (reused.length) deps.openDashboard(reused);
    return [];
  }
  let submitted;
  try {
    const batch = studyBatch(study, { runsDir: runsDirectoryForConfig(configPath, settings), sets: [], backend: settings.backend === 'config' ? undefined : (settings.backend as BackendName) });
    submitted = await deps.runs.cluster.submit(batch);
  } catch (error) {
    void vscode.window.showErrorMessage(`MTL Lab: the study was not submitted to Slurm: ${(error as Error).message}`);
    return [];
  }
  const ids = submitted.map((r) => r.info.id);
  void vscode.window.setStatusBarMessage(`MTL Lab: ${planSummary(study)}; submitted as Slurm job ${submitted[0]?.info.cluster?.jobId ?? '?'}`, 8000);
  await deps.runs.refresh();
  void deps.runs.cluster.poll();
  deps.openDashboard([...reused, ...ids]);
  return ids;
}
