/**
 * A Transformer encoder shared by every task (text data: each example is a row of token ids, 0 = padding).
 *
 * Trunk: token + learned position embeddings, `layers` encoder blocks (transformerLayers.ts) with the LayerNorms
 * placed by `norm`: "pre" (before attention and feed-forward, and a final LayerNorm after the last block) or
 * "post" (after each residual sum, and one after the embeddings: BERT's arrangement, no final one). `init`
 * starts the trunk from a pretrained BERT checkpoint instead of random values (bertCheckpoint.ts: which names map
 * where; docs/pretrained.md). How the tasks read the token states (`sharing`):
 * - "hard": one pooled vector feeds every head — the first token's state ("cls": the tokenizer puts
 *   [CLS] there) or the mean over the non-padding tokens ("mean");
 * - "task-attention": task k pools with its own learned query q_k, a_k = softmax(H q_k / √d + padding bias),
 *   z_k = Σ_t a_kt h_t (soft sharing through attention). The batch mean of a_k is reported as the named
 *   matrix "token-attention" (task × token position), and a_k on each of a few fixed validation texts as
 *   "token-attention/<i>" (task × that text's tokens; `probe()`), which the dashboard shows as matrix cards.
 * - "lora": each task adds its own low-rank update (rank r, scale α; transformerLayers.ts) to the four
 *   attention projections of every block, so each task runs the trunk with its own adapters and pools as
 *   "hard" does (`pooling`). `freezeTrunk` trains only the updates and the heads.
 *
 * Shared: the trunk (embeddings, blocks, the outer norm) — every task's loss reads all of it; with a frozen
 * trunk nothing is shared (and not trained: `parameters()` is what the optimiser updates). Each task's query,
 * low-rank updates and head are its own. GradNorm's last shared layer: the last block's second feed-forward
 * kernel (with `layers: 0`, the outer norm's gain: the tasks then pool the embeddings themselves).
 */
import { Type } from '@sinclair/typebox';
import { defaultOf } from '../config/method';
import { valueAt } from '../config/issues';
import { oneOf } from '../config/schemaTypes';
import type { ArchitectureMethod } from './model';
import { TransformerModel, type TransformerSettings } from './transformerModel';

const options = {
  sharing: oneOf(['hard', 'task-attention', 'lora'] as const, {
    description:
      '"hard": one pooled vector for every head; "task-attention": each task pools with its own learned query; "lora": each task adds its own low-rank update to the attention projections.',
    default: 'hard',
  }),
  loraRank: Type.Integer({ minimum: 1, maximum: 1024, description: 'sharing "lora": the rank r of each task\'s updates.', default: 4 }),
  loraAlpha: Type.Number({ exclusiveMinimum: 0, description: 'sharing "lora": the scale α (an update adds (α/r)·x·A·B).', default: 8 }),
  freezeTrunk: Type.Boolean({ description: 'sharing "lora": train only the low-rank updates and the heads, not the trunk.', default: false }),
  pooling: oneOf(['cls', 'mean'] as const, { description: 'sharing "hard": the [CLS] state or the mean over the tokens.', default: 'mean' }),
  norm: oneOf(['pre', 'post'] as const, {
    description:
      'Where the LayerNorms sit: "pre" before attention and feed-forward, plus one after the last block (Xiong et al. 2020); "post" after each residual sum, plus one after the embeddings (the original Transformer and BERT).',
    default: 'pre',
  }),
  layers: Type.Integer({ minimum: 0, maximum: 48, description: 'number of encoder blocks (0: the tasks pool the embeddings).', default: 2 }),
  dModel: Type.Integer({ minimum: 2, maximum: 4096, description: 'width of the token states, a multiple of heads.', default: 64 }),
  heads: Type.Integer({ minimum: 1, maximum: 64, description: 'attention heads per block.', default: 4 }),
  feedForwardUnits: Type.Integer({ minimum: 1, maximum: 16384, description: 'hidden units of each GELU feed-forward layer.', default: 256 }),
  init: Type.Object(
    {
      path: Type.String({ minLength: 1, description: 'The checkpoint, a .safetensors file (relative to this file).' }),
      format: oneOf(['bert'] as const, { description: '"bert": Hugging Face BERT parameter names (docs/pretrained.md says which are mapped).', default: 'bert' }),
    },
    {
      additionalProperties: false,
      description:
        'Start the trunk from a pretrained encoder: a BERT checkpoint in safetensors format, with model.norm "post" and data.tokenizer.path its tokenizer.json; model.dModel, heads, feedForwardUnits and layers (at most the checkpoint\'s) as in its config.json. Read when a run starts (not on resume: the run\'s checkpoint has the weights).',
    },
  ),
};

/** The model's setting or its default. */
const setting = <K extends keyof typeof options>(model: object, key: K) => ((model as Record<string, unknown>)[key] ?? defaultOf(options, key)) as (typeof options)[K]['static'];

export const transformer: ArchitectureMethod<'transformer', typeof options> = {
  id: 'transformer',
  label: 'Transformer encoder',
  description: 'A shared Transformer encoder over the text, pooled once or by a query per task',
  paper: { authors: 'Vaswani et al.', year: 2017, title: 'Attention Is All You Need', url: 'https://arxiv.org/abs/1706.03762' },
  options,
  tests: [
    { file: 'test/unit/transformer.test.ts', test: 'an encoder block equals PyTorch\'s TransformerEncoderLayer, forward and gradients' },
    { file: 'test/unit/transformer.test.ts', test: 'an encoder block equals PyTorch\'s TransformerEncoderLayer, forward and gradients (post-LN)' },
    { file: 'test/unit/transformer.test.ts', test: 'padding appended to a sequence changes no output' },
    { file: 'test/unit/lora.test.ts', test: 'a low-rank update adds (α/r)·B·A·x to the projection' },
    { file: 'test/unit/lora.test.ts', test: 'freezeTrunk: the trunk stays put while the low-rank updates train' },
    { file: 'test/worker/transformer-weightings.test.ts', test: 'every loss weighting and gradient method on the Transformer trunk' },
  ],
  check: (view) => {
    if (valueAt(view.given, ['data', 'text']) === undefined) return [{ path: ['model', 'architecture'], message: '"transformer" reads text: name the text column(s) in data.text (CSV / JSON Lines data)' }];
    const model = valueAt(view.resolved, ['model']);
    if (valueAt(model, ['init']) !== undefined) {
      if (valueAt(view.given, ['data', 'tokenizer', 'path']) === undefined) return [{ path: ['model', 'init'], message: 'a pretrained encoder reads the token ids of its own tokenizer: set data.tokenizer.path to the checkpoint\'s tokenizer.json' }];
      if ((valueAt(model, ['norm']) ?? defaultOf(options, 'norm')) !== 'post') return [{ path: ['model', 'init'], message: 'a BERT checkpoint is post-LayerNorm: set model.norm to "post"' }];
    }
    if (valueAt(model, ['freezeTrunk']) === true && valueAt(model, ['sharing']) !== 'lora') {
      return [{ path: ['model', 'freezeTrunk'], message: 'a frozen trunk trains nothing shared: it needs model.sharing "lora" (the low-rank updates are what trains)' }];
    }
    const dModel = valueAt(model, ['dModel']) ?? defaultOf(options, 'dModel');
    const heads = valueAt(model, ['heads']) ?? defaultOf(options, 'heads');
    if (typeof dModel !== 'number' || typeof heads !== 'number' || dModel % heads === 0) return [];
    const at = valueAt(view.given, ['model', 'heads']) === undefined ? ['model', 'dModel'] : ['model', 'heads'];
    return [{ path: at, message: `${dModel} units do not split into ${heads} heads (model.dModel must be a multiple of model.heads)` }];
  },
  inputs: 'tokens',
  // The trunk is always there and every task reads it; frozen, it is not trained, so not shared parameters.
  sharing: (model) => {
    const trained = !(setting(model, 'sharing') === 'lora' && setting(model, 'freezeTrunk'));
    return { parameters: trained, lastLayer: trained, ...(trained ? {} : { because: 'model.freezeTrunk is true' }) };
  },
  create: (context) => new TransformerModel(context, settingsOf(context.config)),
};

/** Every option, resolved: what the model is built from. */
export function settingsOf(model: object): TransformerSettings {
  const keys = ['sharing', 'pooling', 'norm', 'layers', 'dModel', 'heads', 'feedForwardUnits', 'loraRank', 'loraAlpha', 'freezeTrunk'] as const;
  return Object.fromEntries(keys.map((key) => [key, setting(model, key)])) as unknown as TransformerSettings;
}
