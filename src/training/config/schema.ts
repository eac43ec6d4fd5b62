/**
 * The experiment config (`*.mtl.json`), written once. TypeBox gives both the static types used by the
 * engine and the JSON Schema that the build emits to `schemas/mtl-experiment.schema.json` for editor
 * completion. Key names are a public contract shared by the CLI, the extension, the docs and the
 * dashboard: never rename one without a migration.
 *
 * Objects are flat on purpose (architecture- and strategy-specific keys live beside the common ones):
 * a flat object with `additionalProperties: false` gives the clearest errors ("model.experts: only
 * used by architecture "routing"") where a discriminated union would give "no union member matched".
 */
import { Kind, Type, TypeRegistry, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The TypeBox kind of `oneOf` schemas. A plain `Type.Unsafe` has kind "Unsafe", which TypeBox's
 * `Value.Check` / `Value.Errors` reject as an unknown type (they throw), so the kind is registered
 * here with a check that matches the emitted `enum` exactly.
 */
export const STRING_ENUM_KIND = 'MtlStringEnum';
if (!TypeRegistry.Has(STRING_ENUM_KIND)) {
  TypeRegistry.Set<{ enum: string[] }>(STRING_ENUM_KIND, (schema, value) => typeof value === 'string' && schema.enum.includes(value));
}

/** A closed set of strings. Emitted as `enum` so editors offer completion. */
function oneOf<const T extends readonly string[]>(values: T, options: { description: string; default?: T[number] }) {
  return Type.Unsafe<T[number]>({ [Kind]: STRING_ENUM_KIND, type: 'string', enum: [...values], ...options });
}

const identifier = (description: string) =>
  Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description });

const layerSizes = (description: string, dflt: number[]) =>
  Type.Array(Type.Integer({ minimum: 1, maximum: 65536 }), { maxItems: 16, description, default: dflt });

export const ARCHITECTURES = ['hard', 'soft', 'routing', 'cross-stitch'] as const;
export const WEIGHTINGS = ['equal', 'static', 'rlw', 'softmax', 'uncertainty', 'dwa', 'gradnorm', 'pcgrad', 'mgda', 'cagrad'] as const;
export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const TASK_TYPES = ['classification', 'regression'] as const;
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu', 'linear'] as const;
export const SAMPLINGS = ['proportional', 'uniform', 'temperature'] as const;

export const DataSchema = Type.Object(
  {
    source: oneOf(['synthetic', 'csv', 'jsonl'] as const, {
      description: 'Where the examples come from: a generator, or a CSV / JSON Lines file.',
      default: 'synthetic',
    }),
    generator: Type.Optional(
      oneOf(['mmoe', 'random'] as const, {
        description:
          'Synthetic data only. "mmoe": tasks with controlled relatedness (correlation ρ), learnable. "random": the article\'s random inputs and labels (uniform classes; regression targets N(0, 1)), drawn fresh each epoch; nothing is learnable.',
        default: 'mmoe',
      }),
    ),
    samples: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'Synthetic data only: number of examples (train + validation).', default: 12000 })),
    inputDim: Type.Optional(Type.Integer({ minimum: 2, maximum: 100_000, description: 'Synthetic data only: number of input features.', default: 100 })),
    correlation: Type.Optional(Type.Number({ minimum: -1, maximum: 1, description: 'Generator "mmoe" only: correlation ρ between the tasks\' linear parts (1 = identical tasks, 0 = unrelated).', default: 0.8 })),
    noise: Type.Optional(Type.Number({ minimum: 0, description: 'Generator "mmoe" only: standard deviation of the label noise ε.', default: 0.1 })),
    path: Type.Optional(Type.String({ minLength: 1, description: 'CSV / JSONL only: the data file, relative to this config file.' })),
    features: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
        description: 'CSV / JSONL only: the feature columns, or "auto" for every column that is no task\'s target.',
        default: 'auto',
      }),
    ),
    impute: Type.Optional(
      oneOf(['none', 'mean'] as const, {
        description: 'CSV / JSONL only: what to do with a missing or non-numeric numeric feature. "none" reports the row and column as an error; "mean" replaces it with the training-split mean.',
        default: 'none',
      }),
    ),
    validationSplit: Type.Number({ minimum: 0, maximum: 0.9, description: 'Fraction of the examples held out for validation (0 = no validation).', default: 0.2 }),
  },
  { additionalProperties: false, description: 'The data set.', default: {} },
);

export const TaskSchema = Type.Object(
  {
    name: identifier('Task name, used in charts, records and `loss.weights`.'),
    type: oneOf(TASK_TYPES, { description: '"classification": softmax cross-entropy (loss, accuracy). "regression": mean squared error (loss, RMSE, MAE).' }),
    classes: Type.Optional(Type.Integer({ minimum: 2, maximum: 100_000, description: 'Classification only: number of classes. Inferred from the data file when omitted; required for synthetic data.' })),
    target: Type.Optional(Type.String({ minLength: 1, description: 'CSV / JSONL only: the column holding this task\'s label.' })),
    weight: Type.Optional(Type.Number({ minimum: 0, description: 'Weighting "static" only: this task\'s fixed loss weight.' })),
  },
  { additionalProperties: false },
);

export const ModelSchema = Type.Object(
  {
    architecture: oneOf(ARCHITECTURES, {
      description: '"hard": shared trunk + one head per task. "soft": one tower per task mixed by attention. "routing": multi-gate mixture of experts (MMoE). "cross-stitch": one tower per task, mixed after every layer by a learned K×K matrix (Misra et al. 2016).',
      default: 'hard',
    }),
    sharedUnits: layerSizes('Hidden layer sizes of the shared trunk (hard) or of each task tower (soft, cross-stitch).', [64]),
    taskUnits: layerSizes('Hidden layer sizes of each task head, before its output layer.', [16]),
    attention: Type.Optional(
      oneOf(['scalar', 'mixture'] as const, {
        description: 'Architecture "soft" only. "scalar": the article\'s model, one softmax weight per task scales its own tower. "mixture": each task attends over all towers (K×K weights).',
        default: 'scalar',
      }),
    ),
    experts: Type.Optional(Type.Integer({ minimum: 1, maximum: 256, description: 'Architecture "routing" only: number of shared experts.', default: 4 })),
    expertUnits: Type.Optional(layerSizes('Architecture "routing" only: hidden layer sizes of each expert.', [32])),
    activation: oneOf(ACTIVATIONS, { description: 'Activation of every hidden layer.', default: 'relu' }),
    dropout: Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'Dropout rate after every hidden layer (training only).', default: 0 }),
  },
  { additionalProperties: false, description: 'The network.', default: {} },
);

export const LossSchema = Type.Object(
  {
    weighting: oneOf(WEIGHTINGS, {
      description:
        'How task losses are combined. "equal": Σ L_i. "static": Σ w_i L_i. "rlw": random weights every step. "softmax": the article\'s learned softmax weights (collapses; see the remedies). "uncertainty": Kendall et al. 2018. "dwa": dynamic weight average (Liu et al. 2019). "gradnorm": GradNorm (Chen et al. 2018), weights that balance the gradient norms on the last shared layer against each task\'s training rate (K extra backward passes to that layer a step). Gradient methods on the shared parameters (K extra backward passes a step): "pcgrad" (Yu et al. 2020), "mgda" (Sener & Koltun 2018), "cagrad" (Liu et al. 2021).',
      default: 'equal',
    }),
    weights: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 0 }), { description: 'Weighting "static" only: task name → weight (overrides `tasks[].weight`).' })),
    entropy: Type.Optional(Type.Number({ minimum: 0, description: 'Weighting "softmax" only: entropy bonus τ (L − τ·H(p)); > 0 keeps the weights from collapsing.', default: 0 })),
    floor: Type.Optional(Type.Number({ minimum: 0, description: 'Weighting "softmax" only: weight floor ε, p̃ = (1 − Kε)·p + ε. Must be below 1/K.', default: 0 })),
    normalize: Type.Optional(
      oneOf(['none', 'initial', 'log'] as const, {
        description: 'Weighting "softmax" only: weigh L_i / L_i(0) ("initial") or log L_i ("log") instead of the raw loss.',
        default: 'none',
      }),
    ),
    temperature: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Weighting "dwa" only: temperature T.', default: 2 })),
    window: Type.Optional(
      Type.Union([Type.Literal('epoch'), Type.Integer({ minimum: 1 })], {
        description: 'Weighting "dwa" only: average losses per epoch ("epoch") or over windows of N steps.',
        default: 'epoch',
      }),
    ),
    gradnormAlpha: Type.Optional(Type.Number({ minimum: 0, maximum: 10, description: 'Weighting "gradnorm" only: α, how strongly a task that trains slower is pulled towards a larger gradient norm.', default: 1.5 })),
    gradnormLearningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'Weighting "gradnorm" only: the learning rate of the task weights (their update is sign(G_k − target_k)·‖∇_W L_k‖).', default: 0.025 })),
    cagradAlpha: Type.Optional(Type.Number({ minimum: 0, maximum: 10, description: 'Weighting "cagrad" only: c, the radius of the ball around the mean gradient, relative to its norm.', default: 0.5 })),
  },
  { additionalProperties: false, description: 'How the task losses are weighted.', default: {} },
);

export const OptimizerSchema = Type.Object(
  {
    name: oneOf(OPTIMIZERS, { description: 'The optimiser.', default: 'adam' }),
    learningRate: Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'Learning rate.', default: 0.001 }),
    momentum: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'Optimiser "sgd" / "rmsprop" only: momentum.', default: 0 })),
    weightDecay: Type.Number({ minimum: 0, description: 'L2 weight decay added to the gradients of weight matrices.', default: 0 }),
    clipNorm: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], {
      description: 'Global-norm gradient clipping threshold (the article\'s remedy); null = off.',
      default: null,
    }),
  },
  { additionalProperties: false, description: 'The optimiser.', default: {} },
);

export const EarlyStoppingSchema = Type.Object(
  {
    patience: Type.Integer({ minimum: 1, description: 'Stop after this many evaluations without improvement of the mean validation loss.' }),
    minDelta: Type.Number({ minimum: 0, description: 'Smallest decrease that counts as an improvement.', default: 0 }),
  },
  { additionalProperties: false },
);

export const TrainingSchema = Type.Object(
  {
    epochs: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Passes over the training split.', default: 10 }),
    batchSize: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Examples per step.', default: 32 }),
    sampling: oneOf(SAMPLINGS, {
      description: 'How batches are drawn when tasks have different label counts. "proportional": every example once per epoch. "uniform": each task equally often. "temperature": p_k ∝ n_k^(1/T).',
      default: 'proportional',
    }),
    samplingTemperature: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Sampling "temperature" only: T.', default: 2 })),
    logEvery: Type.Integer({ minimum: 1, description: 'Write a train record every N steps.', default: 1 }),
    evalEvery: Type.Integer({ minimum: 1, description: 'Evaluate on the validation split every N steps (and at the end of every epoch).', default: 100 }),
    conflictEvery: Type.Integer({ minimum: 0, description: 'Log the gradient conflict (cosine matrix of per-task gradients on the shared parameters) every N steps; 0 = off. Costs K extra backward passes each time.', default: 0 }),
    earlyStopping: Type.Optional(Type.Union([EarlyStoppingSchema, Type.Null()], { description: 'Stop when the validation loss stops improving; null = off.', default: null })),
    onNonFinite: oneOf(['fail', 'skip-batch'] as const, { description: 'A NaN or infinite loss, or a NaN or infinite gradient behind a finite loss, fails the run naming the step and task ("fail") or skips that batch with a warning ("skip-batch"); either way nothing is updated from it.', default: 'fail' }),
  },
  { additionalProperties: false, description: 'The training loop.', default: {} },
);

export const ExperimentSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'The JSON Schema this file follows (for editors).' })),
    name: identifier('Experiment name; run ids start with it.'),
    description: Type.Optional(Type.String({ description: 'Free text, shown in the tree tooltip.' })),
    seed: Type.Integer({ minimum: 0, maximum: 4294967295, description: 'Seed for data, initialisation, shuffling, dropout and RLW: same seed and backend, same run.', default: 42 }),
    data: DataSchema,
    tasks: Type.Array(TaskSchema, { minItems: 1, maxItems: 64, description: 'The tasks, each with a head and a loss.' }),
    model: ModelSchema,
    loss: LossSchema,
    optimizer: OptimizerSchema,
    training: TrainingSchema,
    sweep: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.Unknown(), { minItems: 1, maxItems: 64 }), {
        description:
          'A hyperparameter sweep: config path (as in --set, e.g. "optimizer.learningRate") → the values to try. Start Sweep (or `mtl-lab sweep`) trains one run per combination, the first key varying slowest; Start Run trains the config as written. At most 256 combinations.',
      }),
    ),
    backend: oneOf(BACKENDS, {
      description: 'TensorFlow.js backend. "auto" tries tensorflow-gpu, tensorflow, wasm, cpu in that order and records why each was or was not chosen. An explicit choice that cannot load is an error.',
      default: 'auto',
    }),
  },
  {
    additionalProperties: false,
    title: 'MTL Lab experiment',
    description: 'A multi-task learning experiment for MTL Lab (`*.mtl.json`).',
  },
);

export type ExperimentConfig = Static<typeof ExperimentSchema>;
export type DataConfig = ExperimentConfig['data'];
export type TaskConfig = ExperimentConfig['tasks'][number];
export type ModelConfig = ExperimentConfig['model'];
export type LossConfig = ExperimentConfig['loss'];
export type OptimizerConfig = ExperimentConfig['optimizer'];
export type TrainingConfig = ExperimentConfig['training'];
export type BackendName = (typeof BACKENDS)[number];
export type Architecture = (typeof ARCHITECTURES)[number];
export type Weighting = (typeof WEIGHTINGS)[number];

/** The JSON Schema as emitted for editors (TypeBox schemas are JSON Schema already; drop its symbols). */
export function experimentJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(ExperimentSchema as TSchema)) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(withoutDefaultedRequirements(plain) as Record<string, unknown>) };
}

/**
 * A key with a default is filled in when missing, so for editors it is optional: without this, VS Code
 * would warn "Missing property" on valid files that leave, say, `model.dropout` out.
 */
function withoutDefaultedRequirements(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDefaultedRequirements);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withoutDefaultedRequirements(v);
  const props = out.properties as Record<string, { default?: unknown }> | undefined;
  if (Array.isArray(out.required) && props) {
    const required = (out.required as string[]).filter((key) => props[key]?.default === undefined);
    if (required.length) out.required = required;
    else delete out.required;
  }
  return out;
}
