/**
 * "Study this grouping": a study config that tests a suggested grouping. From a run's resolved config, one sweep over
 * `training.tasks` — all tasks together, then each group as its own multi-task run — × seeds, with the single-task
 * baselines of every task, so the study compares all-together, the grouping and single-task training by Δm per task.
 * The affinity log is left out (a group of one task could not have it, and the study does not need it). Pure: the
 * extension host writes the file.
 */
import type { ExperimentConfig } from '../config/schema';

export const GROUPING_STUDY_SEEDS = [1, 2, 3];

export function groupingStudyConfig(config: ExperimentConfig, groups: readonly (readonly string[])[], seeds: readonly number[] = GROUPING_STUDY_SEEDS): Record<string, unknown> {
  const names = config.tasks.map((t) => t.name);
  const unknown = groups.flat().find((name) => !names.includes(name));
  if (unknown !== undefined) throw new Error(`the grouping names a task the run does not have: "${unknown}"`);
  if (!groups.length || groups.some((g) => !g.length)) throw new Error('a grouping needs at least one group, each with a task');
  const { sweep: _sweep, study: _study, name, ...rest } = config;
  const { affinityEvery: _affinityEvery, tasks: _subset, ...training } = config.training;
  // Each group in config order, duplicates (the same group twice) once; all together first.
  const ordered = groups.map((g) => names.filter((n) => g.includes(n)));
  const arms = [names, ...ordered].filter((arm, i, all) => all.findIndex((other) => other.join('\u0000') === arm.join('\u0000')) === i);
  const groupsText = ordered.map((g) => `{${g.join(', ')}}`).join(' ');
  return {
    ...rest,
    name: `${name}-grouping`.slice(0, 64),
    description: `Study of the grouping ${groupsText} against all tasks together and single-task baselines (written by MTL Lab's "Study this grouping").`,
    training,
    sweep: { 'training.tasks': arms },
    study: { seeds: [...seeds], baselines: 'auto' },
  };
}

/** The file's text: a comment saying what it is, then the config. */
export function groupingStudyText(config: ExperimentConfig, groups: readonly (readonly string[])[], sourceRun: string): string {
  const study = groupingStudyConfig(config, groups);
  return `// Written by "Study this grouping" from run ${sourceRun}: each arm of the sweep trains a task subset (training.tasks);\n// Start Study (or mtl-lab study <this file>) trains them × seeds with single-task baselines and compares them by Δm.\n${JSON.stringify(study, null, 2)}\n`;
}
