/** Open Dashboard and Compare Runs: which runs a dashboard shows, from the tree, an editor, the status bar or the palette. */
import { COMMANDS, type FeatureCommands } from '../commands/commandIds';
import { experimentFileOf, pickRuns, type CommandDeps } from '../commands/commandContext';
import { selectedRunIds } from '../commands/runSelection';
import { runsOfExperiment } from '../tree/treeModel';

async function openDashboard(deps: CommandDeps, arg: unknown, selection: unknown): Promise<void> {
  let ids = selectedRunIds(arg, selection, deps.tree.view.selection);
  const file = experimentFileOf(arg);
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
    const file = experimentFileOf(arg);
    const candidates = file ? runsOfExperiment(deps.runs.manager.list(), file) : deps.runs.manager.list();
    ids = (await pickRuns(deps, candidates, 'Which runs to compare?', true)) ?? [];
  }
  if (ids.length > 0) deps.openDashboard(ids);
}

export function dashboardCommands(deps: CommandDeps): FeatureCommands<'openDashboard' | 'compareRuns'> {
  return {
    [COMMANDS.openDashboard]: (arg?: unknown, selection?: unknown) => openDashboard(deps, arg, selection),
    [COMMANDS.compareRuns]: (arg?: unknown, selection?: unknown) => compareRuns(deps, arg, selection),
  };
}
