/**
 * The New Experiment command's registration: the host bundle keeps only this; `newExperiment` comes from
 * dist/newExperiment.js, loaded on the first use (see scripts/lazyBundles.mjs).
 */
import { COMMANDS, type FeatureCommands } from '../commands/commandIds';
import { newExperiment } from './newExperimentCommand';

export function newExperimentCommands(): FeatureCommands<'newExperiment'> {
  return { [COMMANDS.newExperiment]: () => newExperiment() };
}
