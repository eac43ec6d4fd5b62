/**
 * Registers every `MTL Lab:` command: each feature module gives the handlers of its own commands
 * (commandIds.ts names them all), and this joins them — the join's type requires a handler for every
 * id — and registers each with one error guard.
 */
import * as vscode from 'vscode';
import { COMMAND_IDS, type CommandHandler, type CommandHandlers, type CommandId } from './commandIds';
import type { CommandDeps } from './commandContext';
import { DisposableStore } from '../util/disposables';
import { runCommands } from '../runs/runCommands';
import { dashboardCommands } from '../dashboard/dashboardCommands';
import { sweepCommands } from '../sweep/startSweep';
import { studyCommands } from '../study/studyCommands';
import { backendCommands } from '../backends/backendCommands';
import { examplesCommands } from '../examples/examplesCommands';
import { newExperimentCommands } from '../newExperiment/commands';
import { configEditingCommands } from '../configEditing/editConfigValue';
import { treeCommands } from '../tree/treeCommands';

export type { CommandDeps } from './commandContext';

/** A failing command shows its error instead of failing silently in the extension host log. */
function guarded(handler: CommandHandler): CommandHandler {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (error) {
      void vscode.window.showErrorMessage(`MTL Lab: ${(error as Error).message}`);
      return undefined;
    }
  };
}

/** The commands' registrations and what the features own (the GPU backend output channel), as one disposable. */
export function registerCommands(deps: CommandDeps): vscode.Disposable {
  const owned = new DisposableStore();
  const handlers: CommandHandlers<CommandId> = {
    ...newExperimentCommands(),
    ...examplesCommands(deps.context),
    ...runCommands(deps),
    ...sweepCommands(deps),
    ...studyCommands(deps),
    ...dashboardCommands(deps),
    ...configEditingCommands(),
    ...backendCommands(deps, owned),
    ...treeCommands(deps),
  };
  for (const id of COMMAND_IDS) owned.add(vscode.commands.registerCommand(id, guarded(handlers[id])));
  return owned;
}
