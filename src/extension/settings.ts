/** The `mtlLab.*` settings, read in one place with their defaults and the workspace-trust rules. */
import { moduleSearchPaths } from './backends/nativeBackends';
import * as vscode from 'vscode';
import path from 'node:path';
import type { RunnerName } from '../training/runner/runner';
import { defaultConcurrency } from '../training/run/concurrency';

export const SECTION = 'mtlLab';

export interface Settings {
  runsDirectory: string;
  /** "config" = the experiment file's own `backend`. */
  backend: string;
  /** The setting, or when it is 0 (the default) one per core as far as free memory allows (run/concurrency.ts). */
  maxConcurrentRuns: number;
  /** Empty = VS Code's own Node. Ignored in untrusted workspaces (it names a program to execute). */
  nodePath: string;
  /** Empty = the Python extension's selected interpreter, else the command as written. Ignored in untrusted workspaces. */
  pythonInterpreter: string;
  experimentGlob: string;
  /** Where Start Sweep sends its runs: this machine's run queue, or a Slurm cluster (one job array). */
  runner: RunnerName;
}

export function readSettings(): Settings {
  const config = vscode.workspace.getConfiguration(SECTION);
  const nodePath = vscode.workspace.isTrusted ? config.get<string>('nodePath', '').trim() : '';
  return {
    runsDirectory: config.get<string>('runsDirectory', 'mtl-runs').trim() || 'mtl-runs',
    backend: config.get<string>('backend', 'config'),
    maxConcurrentRuns: config.get<number>('maxConcurrentRuns', 0) || defaultConcurrency(),
    nodePath,
    pythonInterpreter: vscode.workspace.isTrusted ? config.get<string>('pythonInterpreter', '').trim() : '',
    experimentGlob: config.get<string>('experimentGlob', '**/*.mtl.json').trim() || '**/*.mtl.json',
    runner: config.get<string>('runner', 'local') === 'slurm' ? 'slurm' : 'local',
  };
}

/** The runs directory of a workspace folder (`mtlLab.runsDirectory` may be absolute or relative to it). */
export function runsDirectoryFor(folder: string, settings: Settings = readSettings()): string {
  return path.resolve(folder, settings.runsDirectory);
}

/** Every runs directory to show: one per workspace folder, without duplicates (an absolute setting). */
export function allRunsDirectories(settings: Settings = readSettings()): string[] {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return [...new Set(folders.filter((f) => f.uri.scheme === 'file').map((f) => runsDirectoryFor(f.uri.fsPath, settings)))];
}

/** Where runs of this experiment file go: its workspace folder's runs directory, else beside the file. */
export function runsDirectoryForConfig(configFile: string, settings: Settings = readSettings()): string {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(configFile));
  return folder ? runsDirectoryFor(folder.uri.fsPath, settings) : path.resolve(path.dirname(configFile), settings.runsDirectory);
}

/**
 * Where the worker looks for the optional native packages (@tensorflow/tfjs-node, -gpu): every workspace
 * folder (a project may install them itself), then the extension's global storage, where Install GPU
 * Backend puts them (see backends/nativeBackends.ts).
 */
export function workerModulePaths(context: { globalStorageUri: vscode.Uri }): string[] {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  return moduleSearchPaths(folders, context.globalStorageUri.fsPath);
}
