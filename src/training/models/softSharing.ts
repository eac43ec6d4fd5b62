/**
 * Soft sharing with attention (the article's model, generalised to K tasks).
 *
 * One tower per task (layers `sharedUnits`). An attention layer reads the concatenation of all towers'
 * hidden states.
 * - "scalar" (the article exactly): a = softmax(W·[h_1…h_K] + b) ∈ R^K; task k's head sees h_k · a_k.
 * - "mixture": each task k gets its own softmax over the towers, z_k = Σ_j a_kj h_j (a K×K matrix per
 *   sample), which is what makes the sharing soft.
 *
 * Shared: every tower (each feeds the attention logits that weight every task, and in the mixture
 * form every task's z_k). The attention layer depends on the form: scalar — shared, since a_k is a
 * softmax over all K logits and so depends on every column; mixture — task-specific, since column
 * block k holds the logits of task k's own softmax and no other task reads it (like MMoE's gates).
 * GradNorm's last shared layer: the attention kernel (scalar), every tower's last kernel (mixture).
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultOf } from '../config/method';
import { oneOf } from '../config/schemaTypes';
import { DenseLayer, MultiLayerPerceptron, type Activation, type Parameter } from './dense';
import { TaskHead, dropoutSeed, sharingOfLayers, type ForwardOptions, type ForwardResult, type ArchitectureMethod, type ModelContext, type MultiTaskModel } from './model';
import { attentionMatrixInfo, type MatrixInfo } from '../run/matrices';

const options = {
  attention: oneOf(['scalar', 'mixture'] as const, {
    description: '"scalar" is the article\'s model (one softmax weight per task scales its own tower); with "mixture" each task attends over all towers (K×K weights).',
    default: 'scalar',
  }),
};

export const softSharing: ArchitectureMethod<'soft', typeof options> = {
  id: 'soft',
  label: 'Soft sharing with attention',
  description: 'One tower per task, mixed by learned attention',
  options,
  newExperiment: { note: ['One tower per task (each with the layers sharedUnits), mixed by attention.', '"scalar" is the article\'s model; "mixture" lets each task attend over all towers.'] },
  tests: [{ file: 'test/unit/forwardPasses.test.ts', test: 'every task\'s output and the reported matrix' }],
  // Scalar: the attention layer is shared whatever the towers' layers. Mixture: only the towers are.
  sharing: (model) => ((model.attention ?? defaultOf(options, 'attention')) === 'mixture' ? sharingOfLayers(model) : { parameters: true, lastLayer: true }),
  create: (context) => new SoftSharingModel(context),
};

export class SoftSharingModel implements MultiTaskModel {
  readonly architecture = 'soft' as const;
  private readonly towers: MultiLayerPerceptron[];
  private readonly attentionLayer: DenseLayer;
  private readonly heads: TaskHead[];
  private readonly mixture: boolean;
  private readonly attentionInfo: MatrixInfo;

  constructor(private readonly context: ModelContext) {
    const { config, inputDim, tasks, rng } = context;
    const K = tasks.length;
    this.mixture = config.attention === 'mixture';
    this.towers = tasks.map((t) => new MultiLayerPerceptron(`tower/${t.name}`, inputDim, config.sharedUnits, config.activation as Activation, rng, false));
    const hidden = this.towers[0].outputs;
    this.attentionLayer = new DenseLayer('attention', K * hidden, this.mixture ? K * K : K, 'linear', rng, true);
    this.heads = tasks.map((task) => new TaskHead(task, hidden, config, rng));
    this.attentionInfo = attentionMatrixInfo(tasks.map((t) => t.name), K);
  }

  forward(x: tf.Tensor2D, options: ForwardOptions): ForwardResult {
    const K = this.towers.length;
    const hs = this.towers.map((tower, k) => tower.apply(x, this.context.config.dropout, dropoutSeed(options, 100 + k)));
    const logits = this.attentionLayer.apply(K === 1 ? hs[0] : tf.concat(hs, 1));
    const batch = x.shape[0];
    let inputs: tf.Tensor2D[];
    let attention: tf.Tensor2D;
    if (this.mixture) {
      const a = tf.softmax(tf.reshape(logits, [batch, K, K])) as tf.Tensor3D; // [B, task, tower]
      const z = tf.matMul(a, tf.stack(hs, 1) as tf.Tensor3D); // [B, task, hidden]
      inputs = tf.unstack(z, 1) as tf.Tensor2D[];
      attention = tf.mean(a, 0) as tf.Tensor2D;
    } else {
      const a = tf.softmax(logits) as tf.Tensor2D; // [B, K]
      const columns = tf.split(a, K, 1) as tf.Tensor2D[];
      inputs = hs.map((h, k) => tf.mul(h, columns[k]));
      // Row k puts task k's weight on its own tower: the article's scalar form is the diagonal of the mixture.
      attention = tf.mul(tf.eye(K), tf.mean(a, 0)) as tf.Tensor2D;
    }
    return { outputs: this.heads.map((head, k) => head.apply(inputs[k], options, k + 1)), matrices: { attention: { info: this.attentionInfo, values: attention } } };
  }

  parameters(): Parameter[] {
    return [...this.towers.flatMap((t) => t.parameters()), ...this.attentionLayer.parameters(), ...this.heads.flatMap((h) => h.parameters())];
  }

  sharedParameters(): Parameter[] {
    const towers = this.towers.flatMap((t) => t.parameters());
    return this.mixture ? towers : [...towers, ...this.attentionLayer.parameters()];
  }

  lastSharedParameters(): Parameter[] {
    // Scalar: the attention layer reads every tower and weights every task, the last layer all tasks share.
    return this.mixture ? this.towers.flatMap((t) => t.lastKernel()) : [this.attentionLayer.parameters()[0]];
  }
}
