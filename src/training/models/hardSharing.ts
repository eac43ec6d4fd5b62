/** Hard parameter sharing: one shared MLP trunk, then one head per task. */
import type * as tf from '@tensorflow/tfjs-core';
import { MultiLayerPerceptron, type Activation, type Parameter } from './dense';
import { TaskHead, dropoutSeed, type ForwardOptions, type ForwardResult, type ModelContext, type MultiTaskModel } from './model';

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
