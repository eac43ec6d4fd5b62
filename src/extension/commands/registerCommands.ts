/**
 * Every `MTL Lab:` command. Tree commands receive the clicked node and the multi-selection; editor,
 * explorer and CodeLens commands receive a file Uri; from the palette they ask with a quick pick.
 */
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RunSnapshot } from '../dashboard/dataSource';
import type { DashboardHandle } from '../dashboard';
import { startSweep } from '../sweep/startSweep';
import { experimentChoices } from './experimentChoices';
import { copyExample } from '../examples/copyExample';
import { recordsToCsv } from '../../training/run/exportCsv';
import { readSettings, workerModulePaths } from '../settings';
import { GPU_PACKAGE, installNativePackage, nativeBackendsDirectory } from '../backends/nativeBackends';
import { ensureTrusted, saveIfDirty, type RunsService } from '../runs/runsService';
import type { RunLogs } from '../runs/runLogs';
import type { ExperimentsTree } from '../tree/experimentsTree';
import type { ConfigValueNode, RunNode, TreeNode } from '../tree/treeModel';
import { newestFirst, runsOfExperiment } from '../tree/treeModel';
import { runDescription } from '../tree/runText';
import { editConfigValue } from '../configEditing/editConfigValue';
import { newExperiment } from '../newExperiment/newExperimentCommand';

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

const GPU_DOCS = 'https://github.com/tensorflow/tfjs/tree/master/tfjs-node#gpu-support';

type CommandArg = TreeNode | vscode.Uri | undefined;

function isNode(value: unknown): value is TreeNode {
  return typeof value === 'object' && value !== null && 'kind' in value && 'id' in value;
}

/**
 * Run ids from a tree invocation: the multi-selection when the clicked node is part of it. VS Code
 * passes the selection as elements it maps from handles; a tree refresh between the click and the
 * command can drop them, so the view's own selection (kept from the last selection event) is the
 * fallback when the command came from the tree.
 */
function selectedRunIds(arg: unknown, selection: unknown, viewSelection: readonly TreeNode[] = []): string[] {
  const runIds = (nodes: readonly unknown[]) => nodes.filter((n): n is RunNode => isNode(n) && n.kind === 'run').map((n) => n.runId);
  const given = runIds(Array.isArray(selection) && selection.length > 0 ? selection : [arg]);
  if (!isNode(arg)) return given;
  const selected = runIds(viewSelection);
  const clicked = arg.kind === 'run' ? arg.runId : undefined;
  // The view's selection counts only if the clicked row belongs to it (a right-click outside the
  // selection acts on that row alone, as everywhere in VS Code).
  if (selected.length > given.length && (clicked === undefined || selected.includes(clicked))) return selected;
  return given;
}

function experimentFileOf(arg: CommandArg): string | undefined {
  if (arg instanceof vscode.Uri) return arg.scheme === 'file' ? arg.fsPath : undefined;
  if (isNode(arg) && 'file' in arg) return arg.file;
  return undefined;
}

function runItem(run: RunSnapshot, liveStep?: number): vscode.QuickPickItem & { runId: string } {
  return { label: run.info.id, description: runDescription(run.info, liveStep), detail: run.info.experimentFile ? vscode.workspace.asRelativePath(run.info.experimentFile) : undefined, runId: run.info.id };
}

async function pickRuns(deps: CommandDeps, runs: RunSnapshot[], placeHolder: string, many: boolean): Promise<string[] | undefined> {
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

async function pickExperiment(deps: CommandDeps): Promise<string | undefined> {
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

export async function startRun(deps: CommandDeps, arg: CommandArg): Promise<string | undefined> {
  const configPath = experimentFileOf(arg) ?? (await pickExperiment(deps));
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
  if (isNode(arg) && arg.kind === 'queued') {
    deps.runs.manager.cancelQueued(arg.ticket);
    return;
  }
  if (ids.length === 0) ids = (await pickRuns(deps, deps.runs.manager.activeRuns(), 'Which running run to stop?', true)) ?? [];
  await Promise.all(ids.map((id) => deps.runs.manager.stop(id)));
}

async function resumeRun(deps: CommandDeps, arg: unknown): Promise<void> {
  let ids = selectedRunIds(arg, undefined);
  if (ids.length === 0) {
    const resumable = deps.runs.manager.list().filter((r) => r.info.status === 'stopped' || r.info.status === 'failed');
    ids = (await pickRuns(deps, resumable, 'Which stopped run to resume?', false)) ?? [];
  }
  for (const id of ids) {
    try {
      await deps.runs.resumeRun(id);
      deps.openDashboard([id]);
    } catch (error) {
      void vscode.window.showErrorMessage(`MTL Lab: could not resume ${id}: ${(error as Error).message}`);
    }
  }
}

async function openDashboard(deps: CommandDeps, arg: unknown, selection: unknown): Promise<void> {
  let ids = selectedRunIds(arg, selection, deps.tree.view.selection);
  const file = experimentFileOf(arg as CommandArg);
  if (ids.length === 0 && file) {
    const newest = runsOfExperiment(deps.runs.manager.list(), file)[0];
    if (newest) ids = [newest.info.id];
  }
  if (ids.length === 0) {
    // From the status bar or the palette: the active runs if any, else ask.
    const active = deps.runs.manager.activeRuns();
    ids = active.length > 0 ? active.map((r) => r.info.id) : ((await pickRuns(deps, deps.runs.manager.list(), 'Which run?', false)) ?? []);
  }
  if (ids.length > 0) deps.openDashboard(ids);
}

async function compareRuns(deps: CommandDeps, arg: unknown, selection: unknown): Promise<void> {
  let ids = selectedRunIds(arg, selection, deps.tree.view.selection);
  if (ids.length < 2) {
    const file = experimentFileOf(arg as CommandArg);
    const candidates = file ? runsOfExperiment(deps.runs.manager.list(), file) : deps.runs.manager.list();
    ids = (await pickRuns(deps, candidates, 'Which runs to compare?', true)) ?? [];
  }
  if (ids.length > 0) deps.openDashboard(ids);
}

async function deleteRuns(deps: CommandDeps, arg: unknown, selection: unknown): Promise<void> {
  let ids = selectedRunIds(arg, selection, deps.tree.view.selection);
  if (ids.length === 0) {
    const finished = deps.runs.manager.list().filter((r) => r.info.status !== 'running');
    ids = (await pickRuns(deps, finished, 'Which runs to delete?', true)) ?? [];
  }
  if (ids.length === 0) return;
  const running = ids.filter((id) => deps.runs.manager.get(id)?.info.status === 'running');
  if (running.length > 0) {
    void vscode.window.showWarningMessage(`MTL Lab: stop ${running.join(', ')} before deleting.`);
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

async function oneRun(deps: CommandDeps, arg: unknown, placeHolder: string): Promise<RunSnapshot | undefined> {
  const [id] = selectedRunIds(arg, undefined).length > 0 ? selectedRunIds(arg, undefined) : ((await pickRuns(deps, deps.runs.manager.list(), placeHolder, false)) ?? []);
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
  if (run) await deps.logs.show(run.info.id);
}

async function checkBackends(deps: CommandDeps): Promise<void> {
  if (!(await ensureTrusted('check the training backends'))) return;
  const backends = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'MTL Lab: checking which training backends load…' },
    () => deps.runs.manager.probe(workerModulePaths(deps.context)),
  );
  const items: (vscode.QuickPickItem & { url?: string })[] = backends.map((b) => ({
    label: `${b.available ? '$(check)' : '$(close)'} ${b.name}`,
    description: b.available ? 'loads' : 'does not load',
    detail: b.detail,
  }));
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(link-external) GPU setup (CUDA, cuDNN, @tensorflow/tfjs-node-gpu)', url: GPU_DOCS });
  const gpu = backends.find((b) => b.name === 'tensorflow-gpu');
  const offerInstall = gpu !== undefined && !gpu.available && /not installed/.test(gpu.detail);
  if (offerInstall) items.push({ label: '$(cloud-download) Install GPU Backend…', detail: `npm install ${GPU_PACKAGE} into MTL Lab's own storage` });
  const picked = await vscode.window.showQuickPick(items, { title: 'MTL Lab: Training Backends', placeHolder: `Available here: ${backends.filter((b) => b.available).map((b) => b.name).join(', ') || 'none'}` });
  if (picked?.url) await vscode.env.openExternal(vscode.Uri.parse(picked.url));
  else if (offerInstall && picked === items[items.length - 1]) await installGpuBackend(deps);
}

/**
 * Installs the GPU backend into the extension's global storage (never into the user's project), with
 * npm's output in an output channel and a cancellable progress notification, then asks a fresh worker
 * whether it loads and says why not when it does not (the worker searches that folder, see
 * workerModulePaths).
 */
async function installGpuBackend(deps: CommandDeps): Promise<void> {
  if (!(await ensureTrusted('install the GPU backend'))) return;
  const directory = nativeBackendsDirectory(deps.context.globalStorageUri.fsPath);
  const install = 'Install';
  const answer = await vscode.window.showInformationMessage(
    `Install ${GPU_PACKAGE}?`,
    {
      modal: true,
      detail: `npm installs it into MTL Lab's own storage (${directory}), not into your project, and it downloads libtensorflow (several hundred MB). It loads only with an NVIDIA GPU, its driver, CUDA 11.2 and cuDNN 8.1 — without them training uses the next backend (tensorflow, wasm or cpu), and Check Training Backends says why.`,
    },
    install,
  );
  if (answer !== install) return;
  const output = vscode.window.createOutputChannel('MTL Lab: GPU backend');
  deps.context.subscriptions.push(output);
  output.show(true);
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `MTL Lab: installing ${GPU_PACKAGE}`, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      return installNativePackage(
        directory,
        GPU_PACKAGE,
        (line) => {
          output.appendLine(line);
          progress.report({ message: line.slice(0, 80) });
        },
        abort.signal,
      );
    },
  );
  if (outcome.cancelled) {
    void vscode.window.showInformationMessage('MTL Lab: GPU backend installation cancelled.');
    return;
  }
  if (!outcome.ok) {
    const show = 'Show Output';
    if ((await vscode.window.showErrorMessage(`MTL Lab: npm could not install ${GPU_PACKAGE} (exit code ${outcome.code ?? 'none'}).`, show)) === show) output.show();
    return;
  }
  const backends = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'MTL Lab: checking whether the GPU backend loads…' }, () => deps.runs.manager.probe(workerModulePaths(deps.context)));
  const gpu = backends.find((b) => b.name === 'tensorflow-gpu');
  output.appendLine(`tensorflow-gpu: ${gpu?.available ? 'loads' : 'does not load'} (${gpu?.detail ?? 'not probed'})`);
  if (gpu?.available) {
    void vscode.window.showInformationMessage(`MTL Lab: the GPU backend loads (${gpu.detail}); runs with backend "auto" use it.`);
    return;
  }
  const docs = 'GPU setup';
  const picked = await vscode.window.showWarningMessage(
    `MTL Lab: ${GPU_PACKAGE} is installed but does not load: ${gpu?.detail ?? 'unknown'}. It needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1; until then runs use the next backend.`,
    docs,
  );
  if (picked === docs) await vscode.env.openExternal(vscode.Uri.parse(GPU_DOCS));
}

async function openExamples(deps: CommandDeps): Promise<void> {
  const examplesDir = path.join(deps.context.extensionPath, 'examples');
  let files: string[] = [];
  try {
    files = (await fs.readdir(examplesDir)).filter((f) => f.endsWith('.mtl.json')).sort();
  } catch {
    // No examples shipped.
  }
  if (files.length === 0) {
    void vscode.window.showWarningMessage('MTL Lab: this installation ships no examples.');
    return;
  }
  const picked = await vscode.window.showQuickPick(files.map((f) => ({ label: f.replace(/\.mtl\.json$/, ''), description: f, file: f })), {
    title: 'MTL Lab: Open Examples',
    placeHolder: 'Copy an example experiment into the workspace',
  });
  if (!picked) return;
  const folder = (vscode.workspace.workspaceFolders ?? []).find((f) => f.uri.scheme === 'file');
  if (!folder) {
    // Without a folder there is nowhere to put runs: show the example read-only.
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(examplesDir, picked.file)));
    return;
  }
  const target = await copyExample(examplesDir, picked.file, path.join(folder.uri.fsPath, 'examples'));
  await vscode.window.showTextDocument(vscode.Uri.file(target));
}

async function revealOffset(file: string, offset: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const position = document.positionAt(offset);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position) });
}

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const guard =
    <A extends unknown[]>(fn: (...args: A) => Promise<unknown>) =>
    async (...args: A) => {
      try {
        return await fn(...args);
      } catch (error) {
        void vscode.window.showErrorMessage(`MTL Lab: ${(error as Error).message}`);
        return undefined;
      }
    };
  const register = <A extends unknown[]>(id: string, fn: (...args: A) => Promise<unknown>) => vscode.commands.registerCommand(id, guard(fn));
  return [
    register('mtlLab.newExperiment', () => newExperiment()),
    register('mtlLab.openExamples', () => openExamples(deps)),
    register('mtlLab.startRun', (arg?: CommandArg) => startRun(deps, arg)),
    register('mtlLab.stopRun', (arg?: unknown, selection?: unknown) => stopRuns(deps, arg, selection)),
    register('mtlLab.stopAllRuns', () => deps.runs.manager.stopAll()),
    register('mtlLab.resumeRun', (arg?: unknown) => resumeRun(deps, arg)),
    register('mtlLab.startSweep', async (arg?: CommandArg) => {
      const configPath = experimentFileOf(arg) ?? (await pickExperiment(deps));
      if (configPath) await startSweep(deps, configPath);
    }),
    register('mtlLab.openDashboard', (arg?: unknown, selection?: unknown) => openDashboard(deps, arg, selection)),
    register('mtlLab.compareRuns', (arg?: unknown, selection?: unknown) => compareRuns(deps, arg, selection)),
    register('mtlLab.deleteRun', (arg?: unknown, selection?: unknown) => deleteRuns(deps, arg, selection)),
    register('mtlLab.exportRunCsv', (arg?: unknown) => exportRunCsv(deps, arg)),
    register('mtlLab.revealRunFolder', (arg?: unknown) => revealRunFolder(deps, arg)),
    register('mtlLab.showRunLog', (arg?: unknown) => showRunLog(deps, arg)),
    register('mtlLab.editConfigValue', async (arg?: unknown) => {
      // The tree is read-only in an untrusted workspace; the editor itself stays editable as usual.
      if (!(await ensureTrusted('edit the experiment from the tree'))) return false;
      return editConfigValue(isNode(arg) && arg.kind === 'configValue' ? (arg as ConfigValueNode) : undefined);
    }),
    register('mtlLab.checkBackends', () => checkBackends(deps)),
    register('mtlLab.installGpuBackend', () => installGpuBackend(deps)),
    register('mtlLab.refresh', async () => {
      deps.tree.rescan();
      await deps.runs.refresh();
    }),
    register('mtlLab.revealOffset', (file: string, offset: number) => revealOffset(file, offset)),
  ];
}

