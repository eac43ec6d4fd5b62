/** Hard parameter sharing: one shared MLP trunk, then one head per task. */
import type * as tf from '@tensorflow/tfjs-core';
import type { NoOptions } from '../config/method';
import { MultiLayerPerceptron, type Activation, type Parameter } from './dense';
import { TaskHead, dropoutSeed, sharingOfLayers, type ForwardOptions, type ForwardResult, type ArchitectureMethod, type ModelContext, type MultiTaskModel } from './model';

export const hardSharing: ArchitectureMethod<'hard', NoOptions> = {
  id: 'hard',
  label: 'Hard parameter sharing',
  description: 'A shared trunk and one head per task',
  paper: { authors: 'Caruana', year: 1997, title: 'Multitask Learning', url: 'https://doi.org/10.1023/A:1007379606734' },
  options: {},
  newExperiment: { note: ['A shared trunk (sharedUnits) and one head per task (taskUnits).'] },
  sharing: sharingOfLayers,
  tests: [{ file: 'test/unit/sharing.test.ts', test: 'Δm > 0 against single-task baselines at ρ = 0.9, 110 training rows' }],
  create: (context) => new HardSharingModel(context),
};

export class HardSharingModel implements MultiTaskModel {
  readonly architecture = 'hard' as const;
  private readonly trunk: MultiLayerPerceptron;
  private readonly heads: TaskHead[];

  constructor(private readonly context: ModelContext) {
    const { config, inputDim, tasks, rng } = context;
    this.trunk = new MultiLayerPerceptron('shared', inputDim, config.sharedUnits, config.activation as Activation, rng, false);
    this.heads = tasks.map((task) => new TaskHead(task, this.trunk.outputs, config, rng));
  }

  forward(x: tf.Tensor2D, options: ForwardOptions): ForwardResult {
    const h = this.trunk.apply(x, this.context.config.dropout, dropoutSeed(options, 0));
    return { outputs: this.heads.map((head, k) => head.apply(h, options, k + 1)) };
  }

  parameters(): Parameter[] {
    return [...this.trunk.parameters(), ...this.heads.flatMap((h) => h.parameters())];
  }

  sharedParameters(): Parameter[] {
    return this.trunk.parameters();
  }

  lastSharedParameters(): Parameter[] {
    return this.trunk.lastKernel();
  }
}
