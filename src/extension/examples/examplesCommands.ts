/** MTL Lab: Open Examples — copies a shipped example experiment into the workspace (copyExample.ts) and opens it. */
import * as vscode from 'vscode';
import path from 'node:path';
import { COMMANDS, type FeatureCommands } from '../commands/commandIds';
import { copyExample, listExamples } from './copyExample';

async function openExamples(extensionPath: string): Promise<void> {
  const examplesDir = path.join(extensionPath, 'examples');
  let files: string[] = [];
  try {
    files = await listExamples(examplesDir);
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

export function examplesCommands(context: vscode.ExtensionContext): FeatureCommands<'openExamples'> {
  return { [COMMANDS.openExamples]: () => openExamples(context.extensionPath) };
}
