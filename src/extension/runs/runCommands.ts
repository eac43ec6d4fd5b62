/**
 * The commands on runs: Start, Stop, Stop All, Resume, Delete, Export as CSV, Reveal Folder, Show Log.
 * From the tree they act on the clicked run or the whole selection (commands/runSelection.ts); from the
 * palette they ask which run(s).
 */
import * as vscode from 'vscode';
import path from 'node:path';
import type { RunSnapshot } from '../dashboard/dataSource';
import { dashboardGatherer } from '../dashboard/gather';
import { recordsToCsv } from '../../training/run/exportCsv';
import { readSettings } from '../settings';
import { COMMANDS, type FeatureCommands } from '../commands/commandIds';
import { experimentOrPick, pickRuns, type CommandDeps } from '../commands/commandContext';
import { isResumable, isTreeNode, runsToResume, selectedRunIds } from '../commands/runSelection';
import { ensureTrusted, saveIfDirty } from './runsService';

async function startRun(deps: CommandDeps, arg: unknown): Promise<string | undefined> {
  const configPath = await experimentOrPick(deps, arg);
  if (!configPath) return undefined;
  if (!(await ensureTrusted('start a run'))) return undefined;
  await saveIfDirty(configPath);
  const settings = readSettings();
  const queued = deps.runs.start(configPath, [], settings);
  if (queued.state === 'queued') {
    void vscode.window.setStatusBarMessage(`MTL Lab: ${queued.label} queued (mtlLab.maxConcurrentRuns = ${settings.maxConcurrentRuns})`, 5000);
  }
  try {
    const run = await queued.started;
    if (!run) return undefined;
    deps.openDashboard([run.info.id]);
    void deps.tree.revealRun(run.info.id).catch(() => undefined);
    return run.info.id;
  } catch {
    return undefined; // the rejection is shown by the onDidReject handler
  }
}

async function stopRuns(deps: CommandDeps, arg: unknown, selection: unknown): Promise<void> {
  let ids = selectedRunIds(arg, selection, deps.tree.view.selection);
  if (isTreeNode(arg) && arg.kind === 'queued') {
    deps.runs.manager.cancelQueued(arg.ticket);
    return;
  }
  if (ids.length === 0) ids = (await pickRuns(deps, [...deps.runs.manager.activeRuns(), ...activeClusterRuns(deps)], 'Which running run to stop?', true)) ?? [];
  await Promise.all(ids.map((id) => stopOne(deps, id)));
}

/** A cluster run stops through its scheduler (scancel; the worker checkpoints on the SIGTERM), a local one through the manager. */
async function stopOne(deps: CommandDeps, id: string): Promise<void> {
  const run = deps.runs.manager.get(id);
  if (!run?.info.cluster) return deps.runs.manager.stop(id);
  try {
    await deps.runs.cluster.cancel(run);
  } catch (error) {
    void vscode.window.showErrorMessage(`MTL Lab: could not stop ${id}: ${(error as Error).message}`);
  }
}

/** Cluster runs that wait or train, as the scheduler last said (run.json where it has not said yet). */
function activeClusterRuns(deps: CommandDeps): RunSnapshot[] {
  return deps.runs.cluster.clusterRuns().filter((r) => ['queued', 'running'].includes(deps.runs.cluster.stateOf(r.info.id)?.status ?? r.info.status));
}

async function stopAllRuns(deps: CommandDeps): Promise<void> {
  await Promise.all([deps.runs.manager.stopAll(), ...activeClusterRuns(deps).map((r) => stopOne(deps, r.info.id))]);
}

/** Resumes the selected stopped or failed runs (or the one picked from the palette); several gather in one dashboard. */
async function resumeRuns(deps: CommandDeps, arg: unknown, selection: unknown): Promise<void> {
  let ids = runsToResume(arg, selection, deps.tree.view.selection, (id) => deps.runs.manager.get(id)?.info);
  if (ids.length === 0 && !isTreeNode(arg)) {
    const resumable = deps.runs.manager.list().filter((r) => isResumable(r.info));
    ids = (await pickRuns(deps, resumable, 'Which stopped run to resume?', false)) ?? [];
  }
  if (ids.length === 0) return;
  // Asked once for the whole selection rather than once per run.
  if (!(await ensureTrusted(ids.length === 1 ? 'resume a run' : 'resume runs'))) return;
  const gather = dashboardGatherer(deps.openDashboard);
  // Concurrently: beyond mtlLab.maxConcurrentRuns the runs wait in the queue, and a run waiting there must
  // not hold back the dashboard of one that started.
  await Promise.all(
    ids.map(async (id) => {
      try {
        const run = deps.runs.manager.get(id);
        // A cluster run resumes as a new job on the cluster (mtl-lab train --resume), not in this window.
        if (run?.info.cluster) await deps.runs.cluster.resume(run);
        else await deps.runs.resumeRun(id);
        gather(id);
      } catch (error) {
        void vscode.window.showErrorMessage(`MTL Lab: could not resume ${id}: ${(error as Error).message}`);
      }
    }),
  );
}

async function deleteRuns(deps: CommandDeps, arg: unknown, selection: unknown): Promise<void> {
  let ids = selectedRunIds(arg, selection, deps.tree.view.selection);
  if (ids.length === 0) {
    const finished = deps.runs.manager.list().filter((r) => r.info.status !== 'running');
    ids = (await pickRuns(deps, finished, 'Which runs to delete?', true)) ?? [];
  }
  if (ids.length === 0) return;
  // A cluster run waiting in the queue has a job that would train into the deleted folder.
  const running = ids.filter((id) => ['running', 'queued'].includes(deps.runs.cluster.stateOf(id)?.status ?? deps.runs.manager.get(id)?.info.status ?? ''));
  if (running.length > 0) {
    void vscode.window.showWarningMessage(`MTL Lab: stop ${running.join(', ')} before deleting (still running or waiting in the queue).`);
    return;
  }
  if (!(await ensureTrusted('delete runs'))) return;
  const what = ids.length === 1 ? `run ${ids[0]}` : `${ids.length} runs`;
  const answer = await vscode.window.showWarningMessage(`Delete ${what}? Its folder (metrics, checkpoint, log) is removed from disk.`, { modal: true }, 'Delete');
  if (answer !== 'Delete') return;
  for (const id of ids) {
    try {
      await deps.runs.manager.delete(id);
    } catch (error) {
      void vscode.window.showErrorMessage(`MTL Lab: could not delete ${id}: ${(error as Error).message}`);
    }
  }
}

/** The clicked run, or the one picked from the palette. */
async function oneRun(deps: CommandDeps, arg: unknown, placeHolder: string): Promise<RunSnapshot | undefined> {
  const clicked = selectedRunIds(arg, undefined);
  const [id] = clicked.length > 0 ? clicked : ((await pickRuns(deps, deps.runs.manager.list(), placeHolder, false)) ?? []);
  return id ? deps.runs.manager.get(id) : undefined;
}

async function exportRunCsv(deps: CommandDeps, arg: unknown): Promise<void> {
  const run = await oneRun(deps, arg, 'Which run to export?');
  if (!run) return;
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(path.dirname(run.runDir), `${run.info.id}.csv`)),
    filters: { CSV: ['csv'] },
    title: `Export ${run.info.id} as CSV`,
  });
  if (!target) return;
  const { records } = await deps.runs.manager.readRecords(run.info.id);
  await vscode.workspace.fs.writeFile(target, Buffer.from(recordsToCsv(records, run.config?.tasks.map((t) => t.name)), 'utf8'));
  const open = 'Open';
  if ((await vscode.window.showInformationMessage(`MTL Lab: exported ${records.length} records to ${vscode.workspace.asRelativePath(target)}.`, open)) === open) {
    await vscode.window.showTextDocument(target);
  }
}

async function revealRunFolder(deps: CommandDeps, arg: unknown): Promise<void> {
  const run = await oneRun(deps, arg, 'Which run?');
  if (!run) return;
  const uri = vscode.Uri.file(run.runDir);
  // Inside the workspace the Explorer is the natural place (and works remotely); else the OS file manager.
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

async function showRunLog(deps: CommandDeps, arg: unknown): Promise<void> {
  const run = await oneRun(deps, arg, 'Which run\'s log?');
  if (!run) return;
  await deps.logs.show(run.info.id);
  // A cluster run also has the scheduler's own output (the batch script's stdout and stderr).
  const [, ...schedulerLogs] = run.info.cluster ? deps.runs.cluster.logs(run) : [];
  for (const file of schedulerLogs) {
    try {
      await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false, preserveFocus: true });
    } catch {
      void vscode.window.setStatusBarMessage(`MTL Lab: no Slurm output yet (${path.basename(file)}): the job has not started`, 5000);
    }
  }
}

export function runCommands(deps: CommandDeps): FeatureCommands<'startRun' | 'stopRun' | 'stopAllRuns' | 'resumeRun' | 'deleteRun' | 'exportRunCsv' | 'revealRunFolder' | 'showRunLog'> {
  return {
    [COMMANDS.startRun]: (arg?: unknown) => startRun(deps, arg),
    [COMMANDS.stopRun]: (arg?: unknown, selection?: unknown) => stopRuns(deps, arg, selection),
    [COMMANDS.stopAllRuns]: () => stopAllRuns(deps),
    [COMMANDS.resumeRun]: (arg?: unknown, selection?: unknown) => resumeRuns(deps, arg, selection),
    [COMMANDS.deleteRun]: (arg?: unknown, selection?: unknown) => deleteRuns(deps, arg, selection),
    [COMMANDS.exportRunCsv]: (arg?: unknown) => exportRunCsv(deps, arg),
    [COMMANDS.revealRunFolder]: (arg?: unknown) => revealRunFolder(deps, arg),
    [COMMANDS.showRunLog]: (arg?: unknown) => showRunLog(deps, arg),
  };
}
