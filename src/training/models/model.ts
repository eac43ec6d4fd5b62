/**
 * One interface for every architecture, and the descriptor each one declares beside it (one file each,
 * registered in `registry.ts`), so adding an architecture touches one file and one registry line.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { MethodDescriptor, MethodOptions } from '../config/method';
import type { ModelConfig } from '../config/schema';
import type { ResolvedTask, TextSample } from '../data/dataset';
import type { Rng } from '../random/rng';
import type { MatrixInfo } from '../run/records';
import { DenseLayer, MultiLayerPerceptron, type Activation, type Parameter } from './dense';

export interface ForwardOptions {
  training: boolean;
  /** Seed for this step's dropout masks (training only). */
  dropoutSeed?: number;
}

/** A matrix the model shows besides its outputs (attention, gates, mixing), described for every reader. */
export interface ReportedMatrix {
  info: MatrixInfo;
  /** `info.rows.length × info.columns.length`, usually a batch mean. */
  values: tf.Tensor2D;
}

export interface ForwardResult {
  /** Per task (in task order): logits (classification) or predictions (regression), `batch × outputs`. */
  outputs: tf.Tensor2D[];
  /**
   * Named matrices (see run/matrices.ts): the trainer logs every one with the train record, and the CSV and
   * the dashboard show them without knowing their names. A name is a record key and the first part of its
   * series keys: lowercase words, e.g. "attention", "gates", "cross-stitch/0".
   */
  matrices?: Record<string, ReportedMatrix>;
}

export interface MultiTaskModel {
  readonly architecture: ModelConfig['architecture'];
  /** Every trainable parameter, with stable names. */
  parameters(): Parameter[];
  /**
   * The parameters more than one task's loss depends on (each architecture's header says which, and
   * why). Gradient methods combine the per-task gradients of these and the conflict cosines are
   * measured on them. Every other parameter is read by one task only — a head, an MMoE gate, a task's
   * row of a mixing matrix, even when several tasks' values sit in one tensor — and is trained with
   * the plain gradient of the objective, which there is that task's own gradient. With one task these
   * are the parameters every task would read.
   */
  sharedParameters(): Parameter[];
  /** The kernel(s) of the last shared layer: GradNorm's W (empty when nothing is shared). */
  lastSharedParameters(): Parameter[];
  forward(x: tf.Tensor2D, options: ForwardOptions): ForwardResult;
  /**
   * Named matrices measured on fixed inputs rather than the batch (the transformer's attention over the tokens
   * of a few validation texts), in evaluation mode; the trainer adds them to every train record.
   */
  probe?(): Record<string, ReportedMatrix>;
  /**
   * Large matrices measured on fixed inputs (the transformer's token × token self-attention per layer and head),
   * too big for every logged step: the trainer adds them to the train records at the evaluation cadence only.
   */
  probeAtEvalCadence?(): Record<string, ReportedMatrix>;
}

/**
 * An architecture's descriptor (config/method.ts): what the config, New Experiment and the docs say about
 * it, and how to build one. Declared with its type written out (`ArchitectureMethod<'soft', typeof options>`):
 * the config's type is derived from the descriptors, so an inferred one would be circular.
 */
export interface ArchitectureMethod<Id extends string = string, Options extends MethodOptions = MethodOptions> extends MethodDescriptor<Id, Options> {
  /** What a model of this config shares between its tasks, without building it (checked against `create` in the tests). */
  sharing(model: ModelConfig): Sharing;
  /** What it reads: feature vectors (absent) or token ids of text data (`data.text`; the config requires one with the other). */
  readonly inputs?: 'tokens';
  create(context: ModelContext): MultiTaskModel;
}

export interface Sharing {
  /** Parameters that reach every task's loss (`sharedParameters()`): gradient methods and the conflict log need them. */
  parameters: boolean;
  /** A last layer all tasks share (`lastSharedParameters()`): GradNorm measures gradient norms on it. */
  lastLayer: boolean;
  /** When either is missing, the setting that leaves it out ("model.sharedUnits is empty"), for the config error. */
  because?: string;
}

/** Hard sharing and cross-stitch share their `sharedUnits` layers, so both exist exactly when there are layers. */
export function sharingOfLayers(model: ModelConfig): Sharing {
  const any = model.sharedUnits.length > 0;
  return any ? { parameters: true, lastLayer: true } : { parameters: false, lastLayer: false, because: 'model.sharedUnits is empty' };
}

export interface ModelContext {
  config: ModelConfig;
  /** Features per example; for text, the tokens per example (the sequence length). */
  inputDim: number;
  /** Text data: the tokenizer's vocabulary size (the rows of the token embedding). */
  vocabSize?: number;
  /** Text data: the fixed texts `probe()` reports on. */
  samples?: TextSample[];
  tasks: ResolvedTask[];
  rng: Rng;
  /** `model.init`: the trunk's initial values by parameter name (models/pretrained.ts), replacing the random ones. */
  pretrained?: ReadonlyMap<string, Float32Array>;
}

/** A task head: optional hidden layers (`taskUnits`), then a linear output layer. */
export class TaskHead {
  private readonly hidden: MultiLayerPerceptron;
  private readonly output: DenseLayer;
  private readonly dropoutRate: number;

  constructor(task: ResolvedTask, inputs: number, config: ModelConfig, rng: Rng, prefix = 'head') {
    this.dropoutRate = config.dropout;
    this.hidden = new MultiLayerPerceptron(`${prefix}/${task.name}`, inputs, config.taskUnits, config.activation as Activation, rng, true);
    this.output = new DenseLayer(`${prefix}/${task.name}/out`, this.hidden.outputs, task.outputs, 'linear', rng, true);
  }

  apply(h: tf.Tensor2D, options: ForwardOptions, seedOffset: number): tf.Tensor2D {
    return this.output.apply(this.hidden.apply(h, this.dropoutRate, dropoutSeed(options, seedOffset)));
  }

  parameters(): Parameter[] {
    return [...this.hidden.parameters(), ...this.output.parameters()];
  }
}

/** The dropout seed of one layer stack in this step, or undefined when not training. */
export function dropoutSeed(options: ForwardOptions, offset: number): number | undefined {
  return options.training && options.dropoutSeed !== undefined ? (options.dropoutSeed + offset * 104729) >>> 0 : undefined;
}
