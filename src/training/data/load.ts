/**
 * The data layer's entry point: the config's `data` section → a Dataset.
 *
 * Errors about the data (a file that cannot be read, a target column that does not exist, a missing
 * value) are `DataError`s; when a config key is at fault they carry its JSON path in `configPath`.
 */
import type { ExperimentConfig } from '../config/schema';
import { DataError, type Dataset } from './dataset';
import { loadRandomDataset } from './random';
import { loadMmoeDataset } from './synthetic';
import { loadTabularDataset } from './tabular';

/**
 * Loads or generates the experiment's data. `configDir` is the directory of the config file: a data
 * file's `path` is relative to it. Deterministic: the same config and seed give the same Dataset.
 */
export async function loadDataset(config: ExperimentConfig, configDir: string): Promise<Dataset> {
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
