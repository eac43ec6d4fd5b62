/**
 * The article's data: random inputs and random labels, drawn fresh every epoch. Nothing is learnable;
 * it exists to reproduce the article's scripts (x ~ U[0,1)^d as `np.random.rand`, classification labels
 * uniform over the classes, regression targets N(0, 1)).
 *
 * Epoch e's training split comes from `rngFor(seed, 'random-data', e)` alone, so a resumed run sees
 * exactly the data an uninterrupted run would. The validation split is drawn once from its own stream.
 * Only the current epoch's split is kept (plus epoch 0, which is `dataset.train`): asking for the same
 * epoch again is free, moving to the next epoch draws once.
 */
import type { ExperimentConfig } from '../config/schema';
import { rngFor, type Rng } from '../random/rng';
import type { Dataset, ResolvedTask, Split } from './dataset';
import { validationCount } from './split';
import { resolveSyntheticTasks, SYNTHETIC_DEFAULTS } from './synthetic';

/** Draws one split: all inputs first, then each task's labels in task order. */
export function drawRandomSplit(rng: Rng, size: number, inputDim: number, tasks: readonly ResolvedTask[]): Split {
  const x = new Float32Array(size * inputDim);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const labels: Split['labels'] = {};
  for (const task of tasks) {
    const values = new Float32Array(size);
    if (task.type === 'classification') for (let i = 0; i < size; i++) values[i] = rng.int(task.outputs);
    else for (let i = 0; i < size; i++) values[i] = rng.normal();
    labels[task.name] = { values, mask: new Uint8Array(size).fill(1) };
  }
  return { size, x, labels };
}

export function loadRandomDataset(config: ExperimentConfig): Dataset {
  const data = config.data;
  const samples = data.samples ?? SYNTHETIC_DEFAULTS.samples;
  const inputDim = data.inputDim ?? SYNTHETIC_DEFAULTS.inputDim;
  const validationSplit = data.validationSplit ?? SYNTHETIC_DEFAULTS.validationSplit;
  const tasks = resolveSyntheticTasks(config);
  const nValidation = validationCount(samples, validationSplit);
  const nTrain = samples - nValidation;
  const seed = config.seed;

  const drawTrain = (epoch: number) => drawRandomSplit(rngFor(seed, 'random-data', epoch), nTrain, inputDim, tasks);
  const train = drawTrain(0);
  const validation = drawRandomSplit(rngFor(seed, 'random-data-validation'), nValidation, inputDim, tasks);
  let cached: { epoch: number; split: Split } = { epoch: 0, split: train };

  return {
    inputDim,
    featureNames: Array.from({ length: inputDim }, (_, j) => `x${j + 1}`),
    tasks,
    train,
    validation,
    trainForEpoch(epoch: number): Split {
      if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be a non-negative integer, got ${epoch}`);
      if (epoch === 0) return train;
      if (cached.epoch !== epoch) cached = { epoch, split: drawTrain(epoch) };
      return cached.split;
    },
    describe: `synthetic random (the article's data; nothing learnable), ${samples} samples × ${inputDim} inputs (${nTrain} train drawn fresh each epoch, ${nValidation} validation)`,
  };
}
