/** The Experiments view's own commands: Refresh (its title bar) and Reveal in Editor (a click on a task row). */
import * as vscode from 'vscode';
import { COMMANDS, type FeatureCommands } from '../commands/commandIds';
import type { CommandDeps } from '../commands/commandContext';

async function revealOffset(file: string, offset: number): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const position = document.positionAt(offset);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position) });
}

export function treeCommands(deps: Pick<CommandDeps, 'tree' | 'runs'>): FeatureCommands<'refresh' | 'revealOffset'> {
  return {
    [COMMANDS.refresh]: async () => {
      deps.tree.rescan();
      await deps.runs.refresh();
    },
    [COMMANDS.revealOffset]: (file: string, offset: number) => revealOffset(file, offset),
  };
}
