/**
 * `model.init`: the pretrained trunk a new run starts from, read before anything is written (run/runInputs.ts),
 * so a checkpoint that cannot be read or does not fit is the request's fault (exit 2, no run directory).
 * The file is resolved against the config file's directory; the mapping of names is bertCheckpoint.ts's.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ExperimentConfig } from '../config/schema';
import type { Dataset } from '../data/dataset';
import { CheckpointError, bertTrunk, type PretrainedTrunk } from './bertCheckpoint';
import { SafetensorsError, SafetensorsFile } from './safetensors';
import { settingsOf } from './transformer';

export { CheckpointError, type PretrainedTrunk } from './bertCheckpoint';

const AT_PATH = ['model', 'init', 'path'];

/** The trunk's initial values from `model.init`, or undefined without one. */
export function loadPretrainedTrunk(config: ExperimentConfig, configDir: string, dataset: Dataset): PretrainedTrunk | undefined {
  const init = config.model.init;
  if (init === undefined || config.model.architecture !== 'transformer') return undefined;
  if (dataset.vocabSize === undefined) throw new CheckpointError('model.init: a pretrained encoder reads text (data.text)', ['model', 'init']);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path.resolve(configDir, init.path));
  } catch (error) {
    throw new CheckpointError(`${init.path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, AT_PATH);
  }
  try {
    const settings = settingsOf(config.model);
    const checkpoint = SafetensorsFile.read(bytes, init.path);
    return bertTrunk(checkpoint, { vocabSize: dataset.vocabSize, positions: dataset.inputDim, dModel: settings.dModel, layers: settings.layers, feedForwardUnits: settings.feedForwardUnits });
  } catch (error) {
    if (error instanceof SafetensorsError) throw new CheckpointError(error.message, AT_PATH);
    throw error;
  }
}

/** Where in the config a checkpoint error points: the setting at fault, or the checkpoint's path. */
export const checkpointErrorPath = (error: CheckpointError): string[] => error.setting ?? AT_PATH;
