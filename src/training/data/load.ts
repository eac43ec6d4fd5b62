/**
 * The data layer's entry point: the config's `data` section → a Dataset.
 *
 * Errors about the data (a file that cannot be read, a target column that does not exist, a missing
 * value) are `DataError`s; when a config key is at fault they carry its JSON path in `configPath`.
 */
import type { ExperimentConfig } from '../config/schema';
import { DataError, type Dataset, type Split } from './dataset';
import { loadRandomDataset } from './random';
import { loadMmoeDataset } from './synthetic';
import { loadTabularDataset } from './tabular';

/**
 * Loads or generates the experiment's data. `configDir` is the directory of the config file: a data
 * file's `path` is relative to it. Deterministic: the same config and seed give the same Dataset.
 */
export async function loadDataset(config: ExperimentConfig, configDir: string): Promise<Dataset> {
  return onlyTrainedTasks(await loadAllTasks(config, configDir), config.training.tasks);
}

/**
 * The data set of the tasks in `training.tasks` (all when absent): the data is made for every declared task (so
 * generated rows and splits do not depend on the subset), then the other tasks and their labels are left out.
 */
export function onlyTrainedTasks(dataset: Dataset, names: readonly string[] | undefined): Dataset {
  if (!names) return dataset;
  const keep = (split: Split): Split => ({ ...split, labels: Object.fromEntries(Object.entries(split.labels).filter(([name]) => names.includes(name))) });
  const train = keep(dataset.train);
  const validation = keep(dataset.validation);
  const trainForEpoch = (epoch: number) => {
    const split = dataset.trainForEpoch(epoch);
    return split === dataset.train ? train : keep(split);
  };
  const tasks = dataset.tasks.filter((t) => names.includes(t.name));
  return { ...dataset, tasks, train, validation, trainForEpoch, describe: `${dataset.describe}; training ${tasks.map((t) => t.name).join(', ')} of ${dataset.tasks.length} tasks` };
}

async function loadAllTasks(config: ExperimentConfig, configDir: string): Promise<Dataset> {
  const source = config.data.source ?? 'synthetic';
  switch (source) {
    case 'synthetic': {
      const generator = config.data.generator ?? 'mmoe';
      if (generator === 'mmoe') return loadMmoeDataset(config);
      if (generator === 'random') return loadRandomDataset(config);
      throw new DataError(`data.generator: unknown generator ${JSON.stringify(generator)} (expected "mmoe" or "random")`, { configPath: ['data', 'generator'] });
    }
    case 'csv':
    case 'jsonl':
      return loadTabularDataset(config, configDir);
    default:
      throw new DataError(`data.source: unknown source ${JSON.stringify(source)} (expected "synthetic", "csv" or "jsonl")`, { configPath: ['data', 'source'] });
  }
}
