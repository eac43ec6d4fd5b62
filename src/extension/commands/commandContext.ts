/**
 * What every feature's commands are given (CommandDeps), and the questions several of them ask: which
 * run(s), which experiment. Tree commands receive the clicked node and the multi-selection; editor,
 * explorer and CodeLens commands receive a file Uri; from the palette they ask with a quick pick.
 */
import * as vscode from 'vscode';
import type { RunSnapshot } from '../dashboard/dataSource';
import type { DashboardHandle } from '../dashboard';
import type { RunsService } from '../runs/runsService';
import type { RunLogs } from '../runs/runLogs';
import type { ExperimentsTree } from '../tree/experimentsTree';
import { newestFirst } from '../tree/treeModel';
import { runDescription } from '../tree/runText';
import { newExperiment } from '../newExperiment/newExperimentCommand';
import { experimentChoices } from './experimentChoices';
import { isTreeNode } from './runSelection';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  runs: RunsService;
  tree: ExperimentsTree;
  logs: RunLogs;
  /** Opens a dashboard for these runs (the dashboard module's registration). */
  openDashboard: (runIds: string[]) => DashboardHandle | undefined;
  /** The runs of the dashboard that has the focus (none when no dashboard is active). */
  activeDashboardRuns: () => readonly string[];
}

/**
 * The experiment a command was invoked on. A command's first argument is a tree node, a file Uri (editor,
 * explorer, CodeLens) or nothing (palette).
 */
export function experimentFileOf(arg: unknown): string | undefined {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? arg.fsPath : undefined;
  if (isTreeNode(arg) && 'file' in arg) return arg.file;
  return undefined;
}

function runItem(run: RunSnapshot, liveStep?: number): vscode.QuickPickItem & { runId: string } {
  return { label: run.info.id, description: runDescription(run.info, liveStep), detail: run.info.experimentFile ? vscode.workspace.asRelativePath(run.info.experimentFile) : undefined, runId: run.info.id };
}

/** Asks for one run or several among `runs` (newest first); says so when there is none to choose. */
export async function pickRuns(deps: CommandDeps, runs: RunSnapshot[], placeHolder: string, many: boolean): Promise<string[] | undefined> {
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`MTL Lab: ${placeHolder.replace(/^Which/, 'no').replace(/\?$/, '')}.`);
    return undefined;
  }
  const items = newestFirst(runs).map((run) => runItem(run, deps.runs.manager.liveStep(run.info.id)));
  if (many) {
    const picked = await vscode.window.showQuickPick(items, { placeHolder, canPickMany: true, matchOnDescription: true, matchOnDetail: true });
    return picked && picked.length > 0 ? picked.map((p) => p.runId) : undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true });
  return picked ? [picked.runId] : undefined;
}

/** The experiment of the active editor, the only one, or the user's choice (offering New Experiment when there is none). */
export async function pickExperiment(deps: CommandDeps): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (editor && editor.document.uri.scheme === 'file' && /\.mtl\.json$/i.test(editor.document.uri.fsPath)) return editor.document.uri.fsPath;
  await deps.tree.whenScanned();
  const experiments = deps.tree.experimentFiles;
  if (experiments.length === 0) {
    const create = 'New Experiment';
    if ((await vscode.window.showInformationMessage('MTL Lab: no *.mtl.json experiment in this workspace.', create)) === create) {
      return (await newExperiment())?.fsPath;
    }
    return undefined;
  }
  if (experiments.length === 1) return experiments[0]!.file;
  const dashboardFiles = deps.activeDashboardRuns().flatMap((id) => deps.runs.getRun(id)?.info.experimentFile ?? []);
  const picked = await vscode.window.showQuickPick(experimentChoices(experiments, dashboardFiles), { placeHolder: 'Which experiment?', matchOnDescription: true });
  return picked?.file;
}

/** The experiment the command was invoked on, else the one the user picks. */
export async function experimentOrPick(deps: CommandDeps, arg: unknown): Promise<string | undefined> {
  return experimentFileOf(arg) ?? (await pickExperiment(deps));
}
