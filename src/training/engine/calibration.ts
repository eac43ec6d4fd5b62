/**
 * The step timer `auto` calibrates with (see selectBackend): the run's own model, weighting, optimiser
 * and batch size, trained a few steps on the active backend on a batch of the run's training data.
 * Everything it creates is disposed, so the run proper starts from a clean engine.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { StepTimer } from '../backend/select';
import type { ExperimentConfig } from '../config/schema';
import type { Dataset } from '../data/dataset';
import { BatchSampler } from '../data/sampler';
import { disposeBatch, makeBatch } from './losses';
import { Trainer } from './trainer';

/** Timed steps per candidate, after one warm-up step (shader compilation, kernel set-up). */
export const CALIBRATION_STEPS = 3;

export function calibrationTimer(config: ExperimentConfig, dataset: Dataset, steps = CALIBRATION_STEPS): StepTimer {
  return async () => {
    const variablesBefore = new Set(Object.keys(tf.engine().registeredVariables));
    tf.engine().startScope();
    try {
      const sampler = new BatchSampler(dataset.train, dataset.tasks, config.training, config.seed);
      const trainer = new Trainer(config, dataset, sampler);
      const batch = makeBatch(dataset.train, dataset.inputDim, dataset.tasks, sampler.batchesForEpoch(0)[0]);
      // trainStep reads its losses back, so each step has finished on the device when it returns.
      const step = (i: number) => trainer.trainStep(batch, { step: i, epoch: 0, stepInEpoch: i - 1, stepsPerEpoch: sampler.stepsPerEpoch }, i, false);
      step(1);
      const start = performance.now();
      for (let i = 2; i <= steps + 1; i++) step(i);
      const ms = (performance.now() - start) / steps;
      disposeBatch(batch);
      return ms;
    } finally {
      tf.engine().endScope();
      for (const [name, variable] of Object.entries(tf.engine().registeredVariables)) if (!variablesBefore.has(name)) variable.dispose();
    }
  };
}
