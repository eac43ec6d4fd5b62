/**
 * The Transformer model of `model.architecture: "transformer"` (its descriptor, options and sharing rules are in
 * transformer.ts). Tensor code only: the extension host's bundle leaves this module out (scripts/build.mjs).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter } from './dense';
import { TaskHead, dropoutSeed, type ForwardOptions, type ForwardResult, type ModelContext, type MultiTaskModel, type ReportedMatrix } from './model';
import { EncoderBlock, LayerNorm, LowRankUpdate, PAD_ID, embed, normalValues, paddingBias, type AttentionAdapters, type Drop, type NormPlacement, type Shape } from './transformerLayers';
import { sampleAttentionMatrixInfo, selfAttentionMatrixInfo, selfAttentionName, tokenAttentionMatrixInfo, type MatrixInfo } from '../run/matrices';

/** The transformer's options, resolved (defaults filled in by the descriptor). */
export interface TransformerSettings {
  sharing: 'hard' | 'task-attention' | 'lora';
  pooling: 'cls' | 'mean';
  norm: NormPlacement;
  layers: number;
  dModel: number;
  heads: number;
  feedForwardUnits: number;
  loraRank: number;
  loraAlpha: number;
  freezeTrunk: boolean;
}

export class TransformerModel implements MultiTaskModel {
  readonly architecture = 'transformer' as const;
  private readonly tokens: tf.Variable;
  private readonly positions: tf.Variable;
  private readonly blocks: EncoderBlock[];
  /** Pre-LN: the LayerNorm after the last block; post-LN: the one after the embeddings (BERT's). */
  private readonly outerNorm: LayerNorm;
  private readonly norm: NormPlacement;
  private readonly queries: tf.Variable[];
  private readonly heads: TaskHead[];
  private readonly taskAttention: boolean;
  /** sharing "lora": each task's updates, one set per block. */
  private readonly adapters: AttentionAdapters[][];
  private readonly frozen: boolean;
  private readonly pooling: 'cls' | 'mean';
  private readonly dModel: number;
  private readonly attentionInfo: MatrixInfo;

  constructor(
    private readonly context: ModelContext,
    settings: TransformerSettings,
  ) {
    const { inputDim, vocabSize, tasks, rng } = context;
    if (vocabSize === undefined) throw new Error('model.architecture "transformer" reads token ids: the data must be text (data.text)');
    const d = (this.dModel = settings.dModel);
    this.taskAttention = settings.sharing === 'task-attention';
    this.pooling = settings.pooling;
    this.tokens = tf.variable(tf.tensor2d(normalValues(rng, vocabSize * d, 0.02), [vocabSize, d]), true);
    this.positions = tf.variable(tf.tensor2d(normalValues(rng, inputDim * d, 0.02), [inputDim, d]), true);
    this.norm = settings.norm;
    this.blocks = Array.from({ length: settings.layers }, (_, i) => new EncoderBlock(`block${i}`, d, settings.heads, settings.feedForwardUnits, rng, settings.norm));
    this.outerNorm = new LayerNorm(settings.norm === 'pre' ? 'final-norm' : 'embedding-norm', d);
    this.queries = this.taskAttention ? tasks.map(() => tf.variable(tf.tensor2d(normalValues(rng, d, 0.02), [d, 1]), true)) : [];
    this.heads = tasks.map((task) => new TaskHead(task, d, context.config, rng));
    this.attentionInfo = tokenAttentionMatrixInfo(tasks.map((t) => t.name), inputDim);
    // Drawn last, so the trunk and heads are those of hard sharing with the same seed (B = 0: the same outputs).
    const lora = settings.sharing === 'lora';
    this.frozen = lora && settings.freezeTrunk;
    const [rank, alpha] = [settings.loraRank, settings.loraAlpha];
    this.adapters = !lora
      ? []
      : tasks.map((task) =>
          this.blocks.map((_, i) => {
            const update = (part: string) => new LowRankUpdate(`lora/${task.name}/block${i}/${part}`, d, d, rank, alpha, rng);
            return { query: update('query'), key: update('key'), value: update('value'), output: update('output') };
          }),
        );
    // After every draw, so the heads (and LoRA updates) are those of a randomly initialised run with the same seed.
    if (context.pretrained) this.assignTrunk(context.pretrained);
  }

  /** The trunk's values from a checkpoint (models/pretrained.ts, which checked every shape). */
  private assignTrunk(values: ReadonlyMap<string, Float32Array>): void {
    for (const { name, variable } of this.trunkParameters()) {
      const value = values.get(name);
      if (value === undefined || value.length !== variable.size) throw new Error(`the pretrained trunk has no ${variable.size} values for ${name}`);
      tf.tidy(() => variable.assign(tf.tensor(value, variable.shape)));
    }
  }

  /** The final token states, `(batch·tokens) × d`, and the padding bias; `probabilities` collects each block's attention. */
  encode(ids: tf.Tensor2D, options: ForwardOptions, adapters?: AttentionAdapters[], probabilities?: tf.Tensor4D[]): { states: tf.Tensor2D; bias: tf.Tensor4D; shape: Shape } {
    const [batch, tokens] = ids.shape;
    const shape = { batch, tokens };
    const flat = tf.reshape(tf.cast(ids, 'int32'), [batch * tokens]) as tf.Tensor1D;
    const table = this.positions.shape[0];
    if (tokens > table) throw new Error(`a sequence of ${tokens} tokens is longer than the position table (${table} positions)`);
    const positions = tokens === table ? this.positions : tf.slice(this.positions, [0, 0], [tokens, -1]);
    // Broadcast over the batch, not tf.tile: wasm's Tile is an element-by-element loop (≈ 27 ms a step in bench/transformer.ts).
    const d = this.dModel;
    let h = tf.reshape(tf.add(tf.reshape(embed(this.tokens, flat), [batch, tokens, d]), positions), [batch * tokens, d]) as tf.Tensor2D;
    if (this.norm === 'post') h = this.outerNorm.apply(h);
    const bias = paddingBias(ids);
    this.blocks.forEach((block, i) => {
      const drop: Drop = { rate: this.context.config.dropout, seed: dropoutSeed(options, 200 + i) };
      const out = block.apply(h, bias, shape, drop, adapters?.[i]);
      h = out.states;
      probabilities?.push(out.probabilities);
    });
    return { states: this.norm === 'pre' ? this.outerNorm.apply(h) : h, bias, shape };
  }

  forward(x: tf.Tensor2D, options: ForwardOptions): ForwardResult {
    // LoRA: every task its own pass through the trunk (its updates change every block's attention).
    if (this.adapters.length > 0) return { outputs: this.heads.map((head, k) => head.apply(this.pool(this.encode(x, options, this.adapters[k]).states, x), options, k + 1)) };
    const { states, bias, shape } = this.encode(x, options);
    if (!this.taskAttention) {
      const pooled = this.pool(states, x);
      return { outputs: this.heads.map((head, k) => head.apply(pooled, options, k + 1)) };
    }
    const h3 = tf.reshape(states, [shape.batch, shape.tokens, this.dModel]) as tf.Tensor3D;
    const attention = this.poolingAttention(states, bias, shape);
    const pooled = tf.unstack(tf.matMul(attention, h3), 1) as tf.Tensor2D[];
    return {
      outputs: this.heads.map((head, k) => head.apply(pooled[k], options, k + 1)),
      matrices: { 'token-attention': { info: this.attentionInfo, values: tf.mean(attention, 0) as tf.Tensor2D } },
    };
  }

  /** Hard pooling of the final states: the [CLS] state or the mean over the non-padding tokens. */
  private pool(states: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor2D {
    const [batch, tokens] = ids.shape;
    const h3 = tf.reshape(states, [batch, tokens, this.dModel]) as tf.Tensor3D;
    return this.pooling === 'cls' ? (tf.reshape(tf.slice(h3, [0, 0, 0], [-1, 1, -1]), [batch, this.dModel]) as tf.Tensor2D) : meanOverTokens(h3, ids);
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

  /**
   * The shared trunk's self-attention on the first fixed validation text (its non-padding tokens only; LoRA:
   * without any task's update), one `tokens × tokens` matrix per layer and head, in evaluation mode.
   */
  probeAtEvalCadence(): Record<string, ReportedMatrix> {
    const sample = this.context.samples?.[0];
    if (!sample || sample.ids.length === 0) return {};
    const probabilities: tf.Tensor4D[] = [];
    this.encode(tf.tensor2d([sample.ids], [1, sample.ids.length]), { training: false }, undefined, probabilities);
    const out: Record<string, ReportedMatrix> = {};
    probabilities.forEach((p, layer) => {
      const heads = p.shape[1];
      for (let head = 0; head < heads; head++) {
        const values = tf.reshape(tf.slice(p, [0, head, 0, 0], [1, 1, -1, -1]), [sample.ids.length, sample.ids.length]) as tf.Tensor2D;
        out[selfAttentionName(layer, head)] = { info: selfAttentionMatrixInfo(layer, head, sample.tokens), values };
      }
    });
    return out;
  }

  parameters(): Parameter[] {
    const updates = this.adapters.flat().flatMap((a) => [a.query, a.key, a.value, a.output].flatMap((u) => u.parameters()));
    const queries = this.queries.map((variable, k) => ({ name: `query/${this.context.tasks[k].name}`, variable, decay: false }));
    return [...this.sharedParameters(), ...queries, ...updates, ...this.heads.flatMap((h) => h.parameters())];
  }

  sharedParameters(): Parameter[] {
    return this.frozen ? [] : this.trunkParameters();
  }

  /** Embeddings, blocks and the outer norm (trained unless frozen). */
  trunkParameters(): Parameter[] {
    return [
      { name: 'embedding/tokens', variable: this.tokens, decay: true },
      { name: 'embedding/positions', variable: this.positions, decay: true },
      ...this.blocks.flatMap((b) => b.parameters()),
      ...this.outerNorm.parameters(),
    ];
  }

  lastSharedParameters(): Parameter[] {
    if (this.frozen) return [];
    const last = this.blocks[this.blocks.length - 1];
    return last ? [last.feedForward2.parameters()[0]] : [this.outerNorm.parameters()[0]];
  }
}

/** Mean of the token states over the non-padding tokens (an all-padding row pools to 0). */
function meanOverTokens(h3: tf.Tensor3D, ids: tf.Tensor2D): tf.Tensor2D {
  const mask = tf.expandDims(tf.cast(tf.notEqual(ids, PAD_ID), 'float32'), 2);
  const count = tf.maximum(tf.sum(mask, 1), 1);
  return tf.div(tf.sum(tf.mul(h3, mask), 1), count) as tf.Tensor2D;
}
