/**
 * Task routing: multi-gate mixture of experts (MMoE, Ma et al. 2018).
 * E shared experts f_e (MLPs of `expertUnits`); each task k has a gate g_k(x) = softmax(W_k x + b_k)
 * over the experts; task k's input is Σ_e g_k(x)_e f_e(x); then its tower (`taskUnits`) and output.
 *
 * Shared: the experts only (every gate mixes every expert), as in LibMTL's MMoE. The gates are not:
 * one layer holds all K of them, but its column block k (W_k, b_k) feeds task k's softmax alone, so
 * under the gradient methods each gate moves by its own task's gradient (not β_k g_k, and not with
 * other tasks' gate gradients in the projections), and the conflict cosines compare the experts' gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { defaultOf } from '../config/method';
import { layerSizes } from '../config/schemaTypes';
import { DenseLayer, MultiLayerPerceptron, type Activation, type Parameter } from './dense';
import { TaskHead, dropoutSeed, type ForwardOptions, type ForwardResult, type ArchitectureMethod, type ModelContext, type MultiTaskModel } from './model';
import { gateMatrixInfo, type MatrixInfo } from '../run/matrices';

const options = {
  experts: Type.Integer({ minimum: 1, maximum: 256, description: 'number of shared experts.', default: 4 }),
  expertUnits: layerSizes('hidden layer sizes of each expert.', [32]),
};

export const routing: ArchitectureMethod<'routing', typeof options> = {
  id: 'routing',
  label: 'Routing (multi-gate mixture of experts)',
  description: 'Multi-gate mixture of experts (MMoE): shared experts with one softmax gate per task',
  paper: { authors: 'Ma et al.', year: 2018, title: 'Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts', url: 'https://doi.org/10.1145/3219819.3220007' },
  options,
  newExperiment: { note: ['Multi-gate mixture of experts: shared experts, one softmax gate per task, then towers.'] },
  tests: [{ file: 'test/unit/forwardPasses.test.ts', test: 'every task\'s output and the reported matrix' }],
  // Only the experts are shared, so with layer-less experts (expertUnits []) nothing is.
  sharing: (model) =>
    (model.expertUnits ?? defaultOf(options, 'expertUnits')).length > 0 ? { parameters: true, lastLayer: true } : { parameters: false, lastLayer: false, because: 'model.expertUnits is empty' },
  create: (context) => new RoutingModel(context),
};

export class RoutingModel implements MultiTaskModel {
  readonly architecture = 'routing' as const;
  private readonly experts: MultiLayerPerceptron[];
  /** All K gates in one layer: output column block k is task k's gate logits. */
  private readonly gateLayer: DenseLayer;
  private readonly heads: TaskHead[];
  private readonly gateInfo: MatrixInfo;

  constructor(private readonly context: ModelContext) {
    const { config, inputDim, tasks, rng } = context;
    const E = config.experts ?? defaultOf(routing.options, 'experts');
    const units = config.expertUnits ?? defaultOf(routing.options, 'expertUnits');
    this.experts = Array.from({ length: E }, (_, e) => new MultiLayerPerceptron(`expert${e}`, inputDim, units, config.activation as Activation, rng, false));
    this.gateLayer = new DenseLayer('gates', inputDim, tasks.length * E, 'linear', rng, false);
    this.heads = tasks.map((task) => new TaskHead(task, this.experts[0].outputs, config, rng));
    this.gateInfo = gateMatrixInfo(tasks.map((t) => t.name), E);
  }

  forward(x: tf.Tensor2D, options: ForwardOptions): ForwardResult {
    const K = this.heads.length;
    const E = this.experts.length;
    const batch = x.shape[0];
    const f = tf.stack(
      this.experts.map((expert, e) => expert.apply(x, this.context.config.dropout, dropoutSeed(options, 200 + e))),
      1,
    ) as tf.Tensor3D; // [B, E, d]
    const g = tf.softmax(tf.reshape(this.gateLayer.apply(x), [batch, K, E])) as tf.Tensor3D; // [B, K, E]
    const mixed = tf.unstack(tf.matMul(g, f), 1) as tf.Tensor2D[]; // K × [B, d]
    return { outputs: this.heads.map((head, k) => head.apply(mixed[k], options, k + 1)), matrices: { gates: { info: this.gateInfo, values: tf.mean(g, 0) as tf.Tensor2D } } };
  }

  parameters(): Parameter[] {
    return [...this.experts.flatMap((e) => e.parameters()), ...this.gateLayer.parameters(), ...this.heads.flatMap((h) => h.parameters())];
  }

  sharedParameters(): Parameter[] {
    return this.experts.flatMap((e) => e.parameters());
  }

  lastSharedParameters(): Parameter[] {
    // Every expert's last layer: together they form the representation each task's gate mixes.
    return this.experts.flatMap((e) => e.lastKernel());
  }
}
