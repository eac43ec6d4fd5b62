/**
 * A Transformer encoder shared by every task (text data: each example is a row of token ids, 0 = padding).
 *
 * Trunk: token + learned position embeddings, `layers` pre-LN encoder blocks (transformerLayers.ts), a final
 * LayerNorm. How the tasks read the token states (`sharing`):
 * - "hard": one pooled vector feeds every head — the first token's state ("cls": the tokenizer puts
 *   [CLS] there) or the mean over the non-padding tokens ("mean");
 * - "task-attention": task k pools with its own learned query q_k, a_k = softmax(H q_k / √d + padding bias),
 *   z_k = Σ_t a_kt h_t (soft sharing through attention). The batch mean of a_k is reported as the named
 *   matrix "token-attention" (task × token position), and a_k on each of a few fixed validation texts as
 *   "token-attention/<i>" (task × that text's tokens; `probe()`), which the dashboard shows as matrix cards.
 *
 * Shared: the trunk (embeddings, blocks, final norm) — every task's loss reads all of it. Each task's query
 * and head are its own. GradNorm's last shared layer: the last block's second feed-forward kernel (with
 * `layers: 0`, the final norm's gain: the tasks then pool the embeddings themselves).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Type } from '@sinclair/typebox';
import { defaultOf } from '../config/method';
import { valueAt } from '../config/issues';
import { oneOf } from '../config/schemaTypes';
import type { Parameter } from './dense';
import { TaskHead, dropoutSeed, type ArchitectureMethod, type ForwardOptions, type ForwardResult, type ModelContext, type MultiTaskModel, type ReportedMatrix } from './model';
import { EncoderBlock, LayerNorm, PAD_ID, embed, normalValues, paddingBias, type Drop, type Shape } from './transformerLayers';
import { sampleAttentionMatrixInfo, tokenAttentionMatrixInfo, type MatrixInfo } from '../run/matrices';

const options = {
  sharing: oneOf(['hard', 'task-attention'] as const, {
    description: '"hard": one pooled vector for every head; "task-attention": each task pools with its own learned query.',
    default: 'hard',
  }),
  pooling: oneOf(['cls', 'mean'] as const, { description: 'sharing "hard": the [CLS] state or the mean over the tokens.', default: 'mean' }),
  layers: Type.Integer({ minimum: 0, maximum: 48, description: 'number of encoder blocks (0: the tasks pool the embeddings).', default: 2 }),
  dModel: Type.Integer({ minimum: 2, maximum: 4096, description: 'width of the token states, a multiple of heads.', default: 64 }),
  heads: Type.Integer({ minimum: 1, maximum: 64, description: 'attention heads per block.', default: 4 }),
  feedForwardUnits: Type.Integer({ minimum: 1, maximum: 16384, description: 'hidden units of each GELU feed-forward layer.', default: 256 }),
};

const setting = <K extends keyof typeof options>(model: object, key: K) => ((model as Record<string, unknown>)[key] ?? defaultOf(options, key)) as (typeof options)[K]['static'];

export const transformer: ArchitectureMethod<'transformer', typeof options> = {
  id: 'transformer',
  label: 'Transformer encoder',
  description: 'A shared Transformer encoder over the text, pooled once or by a query per task',
  paper: { authors: 'Vaswani et al.', year: 2017, title: 'Attention Is All You Need', url: 'https://arxiv.org/abs/1706.03762' },
  options,
  tests: [
    { file: 'test/unit/transformer.test.ts', test: 'an encoder block equals PyTorch\'s TransformerEncoderLayer, forward and gradients' },
    { file: 'test/unit/transformer.test.ts', test: 'padding appended to a sequence changes no output' },
  ],
  check: (view) => {
    if (valueAt(view.given, ['data', 'text']) === undefined) return [{ path: ['model', 'architecture'], message: '"transformer" reads text: name the text column(s) in data.text (CSV / JSON Lines data)' }];
    const model = valueAt(view.resolved, ['model']);
    const dModel = valueAt(model, ['dModel']) ?? defaultOf(options, 'dModel');
    const heads = valueAt(model, ['heads']) ?? defaultOf(options, 'heads');
    if (typeof dModel !== 'number' || typeof heads !== 'number' || dModel % heads === 0) return [];
    const at = valueAt(view.given, ['model', 'heads']) === undefined ? ['model', 'dModel'] : ['model', 'heads'];
    return [{ path: at, message: `${dModel} units do not split into ${heads} heads (model.dModel must be a multiple of model.heads)` }];
  },
  inputs: 'tokens',
  // The trunk is always there and every task reads it.
  sharing: () => ({ parameters: true, lastLayer: true }),
  create: (context) => new TransformerModel(context),
};

export class TransformerModel implements MultiTaskModel {
  readonly architecture = 'transformer' as const;
  private readonly tokens: tf.Variable;
  private readonly positions: tf.Variable;
  private readonly blocks: EncoderBlock[];
  private readonly finalNorm: LayerNorm;
  private readonly queries: tf.Variable[];
  private readonly heads: TaskHead[];
  private readonly taskAttention: boolean;
  private readonly pooling: 'cls' | 'mean';
  private readonly dModel: number;
  private readonly attentionInfo: MatrixInfo;

  constructor(private readonly context: ModelContext) {
    const { config, inputDim, vocabSize, tasks, rng } = context;
    if (vocabSize === undefined) throw new Error('model.architecture "transformer" reads token ids: the data must be text (data.text)');
    const d = (this.dModel = setting(config, 'dModel'));
    this.taskAttention = setting(config, 'sharing') === 'task-attention';
    this.pooling = setting(config, 'pooling');
    this.tokens = tf.variable(tf.tensor2d(normalValues(rng, vocabSize * d, 0.02), [vocabSize, d]), true);
    this.positions = tf.variable(tf.tensor2d(normalValues(rng, inputDim * d, 0.02), [inputDim, d]), true);
    this.blocks = Array.from({ length: setting(config, 'layers') }, (_, i) => new EncoderBlock(`block${i}`, d, setting(config, 'heads'), setting(config, 'feedForwardUnits'), rng));
    this.finalNorm = new LayerNorm('final-norm', d);
    this.queries = this.taskAttention ? tasks.map(() => tf.variable(tf.tensor2d(normalValues(rng, d, 0.02), [d, 1]), true)) : [];
    this.heads = tasks.map((task) => new TaskHead(task, d, config, rng));
    this.attentionInfo = tokenAttentionMatrixInfo(tasks.map((t) => t.name), inputDim);
  }

  /** The final token states, `(batch·tokens) × d`, and the padding bias. */
  encode(ids: tf.Tensor2D, options: ForwardOptions): { states: tf.Tensor2D; bias: tf.Tensor4D; shape: Shape } {
    const [batch, tokens] = ids.shape;
    const shape = { batch, tokens };
    const flat = tf.reshape(tf.cast(ids, 'int32'), [batch * tokens]) as tf.Tensor1D;
    const table = this.positions.shape[0];
    if (tokens > table) throw new Error(`a sequence of ${tokens} tokens is longer than the position table (${table} positions)`);
    const positions = tf.tile(tokens === table ? this.positions : tf.slice(this.positions, [0, 0], [tokens, -1]), [batch, 1]) as tf.Tensor2D;
    let h = tf.add(embed(this.tokens, flat), positions) as tf.Tensor2D;
    const bias = paddingBias(ids);
    this.blocks.forEach((block, i) => {
      const drop: Drop = { rate: this.context.config.dropout, seed: dropoutSeed(options, 200 + i) };
      h = block.apply(h, bias, shape, drop).states;
    });
    return { states: this.finalNorm.apply(h), bias, shape };
  }

  forward(x: tf.Tensor2D, options: ForwardOptions): ForwardResult {
    const { states, bias, shape } = this.encode(x, options);
    const d = this.dModel;
    const h3 = tf.reshape(states, [shape.batch, shape.tokens, d]) as tf.Tensor3D;
    if (!this.taskAttention) {
      const pooled = this.pooling === 'cls' ? (tf.reshape(tf.slice(h3, [0, 0, 0], [-1, 1, -1]), [shape.batch, d]) as tf.Tensor2D) : meanOverTokens(h3, x);
      return { outputs: this.heads.map((head, k) => head.apply(pooled, options, k + 1)) };
    }
    const attention = this.poolingAttention(states, bias, shape);
    const pooled = tf.unstack(tf.matMul(attention, h3), 1) as tf.Tensor2D[];
    return {
      outputs: this.heads.map((head, k) => head.apply(pooled[k], options, k + 1)),
      matrices: { 'token-attention': { info: this.attentionInfo, values: tf.mean(attention, 0) as tf.Tensor2D } },
    };
  }

  /** Each task's attention over the tokens, `batch × task × token` (0 on padding). */
  private poolingAttention(states: tf.Tensor2D, bias: tf.Tensor4D, shape: Shape): tf.Tensor3D {
    const K = this.queries.length;
    const logits = tf.reshape(tf.matMul(states, tf.concat(this.queries, 1)), [shape.batch, shape.tokens, K]);
    const scaled = tf.add(tf.mul(tf.transpose(logits, [0, 2, 1]), 1 / Math.sqrt(this.dModel)), tf.reshape(bias, [shape.batch, 1, shape.tokens]));
    return tf.softmax(scaled) as tf.Tensor3D;
  }

  /** Task attention: each task's attention over the tokens of the fixed validation texts, one matrix per text. */
  probe(): Record<string, ReportedMatrix> {
    if (!this.taskAttention) return {};
    const tasks = this.context.tasks.map((t) => t.name);
    return Object.fromEntries(
      (this.context.samples ?? []).map((sample, i) => {
        const { states, bias, shape } = this.encode(tf.tensor2d([sample.ids], [1, sample.ids.length]), { training: false });
        const values = tf.reshape(this.poolingAttention(states, bias, shape), [tasks.length, sample.ids.length]) as tf.Tensor2D;
        return [`token-attention/${i}`, { info: sampleAttentionMatrixInfo(tasks, i, sample.tokens), values }];
      }),
    );
  }

  parameters(): Parameter[] {
    return [...this.sharedParameters(), ...this.queries.map((variable, k) => ({ name: `query/${this.context.tasks[k].name}`, variable, decay: false })), ...this.heads.flatMap((h) => h.parameters())];
  }

  sharedParameters(): Parameter[] {
    return [
      { name: 'embedding/tokens', variable: this.tokens, decay: true },
      { name: 'embedding/positions', variable: this.positions, decay: true },
      ...this.blocks.flatMap((b) => b.parameters()),
      ...this.finalNorm.parameters(),
    ];
  }

  lastSharedParameters(): Parameter[] {
    const last = this.blocks[this.blocks.length - 1];
    return last ? [last.feedForward2.parameters()[0]] : [this.finalNorm.parameters()[0]];
  }
}

/** Mean of the token states over the non-padding tokens (an all-padding row pools to 0). */
function meanOverTokens(h3: tf.Tensor3D, ids: tf.Tensor2D): tf.Tensor2D {
  const mask = tf.expandDims(tf.cast(tf.notEqual(ids, PAD_ID), 'float32'), 2);
  const count = tf.maximum(tf.sum(mask, 1), 1);
  return tf.div(tf.sum(tf.mul(h3, mask), 1), count) as tf.Tensor2D;
}
