/**
 * The tasks a config trains: those named in `training.tasks`, in the order of `tasks`, or all of them when it is
 * absent. The other tasks stay declared (generated data depends on every declared task) but get no head, no loss,
 * no records, no baseline and no Δm part. Pure: the extension host imports it.
 */
import type { ExperimentConfig, TaskConfig } from './schema';

export function trainedTasks(config: Pick<ExperimentConfig, 'tasks' | 'training'>): TaskConfig[] {
  const subset = config.training.tasks;
  return subset ? config.tasks.filter((t) => subset.includes(t.name)) : config.tasks;
}
