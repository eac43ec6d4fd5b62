/**
 * The choices of "Which experiment?" (Start Run, Start Sweep from the palette), in the order offered.
 * vscode-free so the order can be tested.
 *
 * Starting a run opens its dashboard, which takes the focus; a user who then runs Start Run again from
 * the palette has no active `*.mtl.json` editor. The experiment(s) behind the active dashboard are
 * offered first (the quick pick's first row is the one Enter takes), the rest alphabetically.
 */
import path from 'node:path';
import { experimentLabel, type ExperimentFile } from '../tree/treeModel';

export interface ExperimentChoice {
  label: string;
  description: string;
  file: string;
  /** Behind the active dashboard. */
  current: boolean;
}

export const CURRENT_EXPERIMENT_NOTE = 'the active dashboard';

export function experimentChoices(experiments: readonly ExperimentFile[], activeDashboardFiles: readonly string[]): ExperimentChoice[] {
  const current = new Set(activeDashboardFiles.map((file) => path.resolve(file)));
  const choices = experiments.map((experiment) => {
    const isCurrent = current.has(path.resolve(experiment.file));
    return {
      label: experimentLabel(experiment.file),
      description: isCurrent ? `${experiment.relativePath} · ${CURRENT_EXPERIMENT_NOTE}` : experiment.relativePath,
      file: experiment.file,
      current: isCurrent,
    };
  });
  return choices.sort((a, b) => Number(b.current) - Number(a.current) || a.label.localeCompare(b.label) || a.description.localeCompare(b.description));
}
