/**
 * The experiment config (`*.mtl.json`), written once. TypeBox gives both the static types used by the
 * engine and the JSON Schema that the build emits to `schemas/mtl-experiment.schema.json` for editor
 * completion. Key names are a public contract shared by the CLI, the extension, the docs and the
 * dashboard: never rename one without a migration.
 *
 * Objects are flat on purpose (architecture- and strategy-specific keys live beside the common ones):
 * a flat object with `additionalProperties: false` gives the clearest errors ("model.experts: only
 * used by architecture "routing"") where a discriminated union would give "no union member matched".
 *
 * The method-specific parts (which architectures, weightings and optimisers exist, and their own keys)
 * come from the methods' descriptors (config/method.ts, config/catalog.ts): `experimentSchema(catalog)`.
 */
import { Type, type Static, type TOptional, type TProperties, type TSchema } from '@sinclair/typebox';
import { CORRELATION_BLOCK_DEFAULTS } from '../data/correlation';
import { METHODS } from './catalog';
import { quote } from './issues';
import { citation, type MethodCatalog, type MethodDescriptor, type MethodOptions } from './method';
import { identifier, layerSizes, oneOf } from './schemaTypes';

export { STRING_ENUM_KIND } from './schemaTypes';

const ids = <M extends readonly { id: string }[]>(methods: M) => methods.map((m) => m.id) as unknown as readonly M[number]['id'][];
export const ARCHITECTURES = ids(METHODS.architectures);
export const WEIGHTINGS = ids(METHODS.weightings);
export const OPTIMIZERS = ids(METHODS.optimizers);
export const BACKENDS = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const TASK_TYPES = ['classification', 'regression', 'multilabel'] as const;
export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu', 'linear'] as const;
export const SAMPLINGS = ['proportional', 'uniform', 'temperature'] as const;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** The options of every method of a kind, each optional in the one flat config section. */
type OptionalProperties<O> = { [K in keyof O]: O[K] extends TSchema ? TOptional<O[K]> : never };
type OptionsOf<M extends readonly { options: MethodOptions }[]> = OptionalProperties<UnionToIntersection<M[number]['options']>>;
type TaskOptionsOf<M extends readonly { taskOptions?: MethodOptions }[]> = OptionalProperties<UnionToIntersection<NonNullable<M[number]['taskOptions']>>>;

/**
 * The keys methods of one kind declare, each optional and documented with who uses it (`Weighting "dwa"
 * only: temperature T.`). A key declared by several methods must be one shared schema object.
 */
function methodProperties(methods: readonly MethodDescriptor[], noun: string, optionsOf: (method: MethodDescriptor) => MethodOptions | undefined): TProperties {
  const byKey = new Map<string, { schema: TSchema; users: string[] }>();
  for (const method of methods) {
    for (const [key, schema] of Object.entries(optionsOf(method) ?? {})) {
      const seen = byKey.get(key);
      if (seen && seen.schema !== schema) throw new Error(`${noun} ${quote(method.id)} declares the option ${quote(key)} with another schema than ${quote(seen.users[0])}: share one schema object`);
      if (seen) seen.users.push(method.id);
      else byKey.set(key, { schema, users: [method.id] });
    }
  }
  return Object.fromEntries(
    [...byKey].map(([key, { schema, users }]) => [key, Type.Optional({ ...schema, description: `${noun} ${users.map(quote).join(' / ')} only: ${schema.description ?? ''}` } as TSchema)]),
  );
}

/** The setting that chooses a method: its ids, with what each one is (and its paper) in the description. */
function methodChoice<M extends readonly MethodDescriptor[]>(methods: M, intro: string, dflt: M[number]['id']) {
  const each = methods.map((m) => `${quote(m.id)}: ${m.description}${m.paper ? ` (${citation(m.paper)})` : ''}.`);
  return oneOf(ids(methods), { description: [intro, ...each].join(' '), default: dflt });
}

export const TokenizerSchema = Type.Object(
  {
    path: Type.Optional(Type.String({ minLength: 1, description: 'A Hugging Face tokenizer.json (relative to this file) to use instead of training one; "[PAD]" must be id 0.' })),
    vocabSize: Type.Integer({ minimum: 6, maximum: 1_000_000, description: 'Vocabulary size of a trained tokenizer, with the 5 special tokens.', default: 8000 }),
    lowercase: Type.Boolean({ description: 'A trained tokenizer lower-cases the text and strips accents.', default: true }),
    maxLength: Type.Integer({ minimum: 3, maximum: 4096, description: 'Tokens per example with [CLS] and [SEP]: longer texts are cut, shorter ones padded (at the end).', default: 128 }),
  },
  {
    additionalProperties: false,
    description: 'Text data only: the tokenizer, a WordPiece one trained on the training split unless `path` names one; saved as the run\'s tokenizer.json.',
  },
);

/** `data.correlation` as blocks of related tasks (src/training/data/correlation.ts expands them to the matrix). */
const correlationBlocks = Type.Object(
  {
    blocks: Type.Array(Type.Array(Type.String({ minLength: 1 }), { minItems: 2, maxItems: 64 }), {
      minItems: 1,
      maxItems: 64,
      description: 'Groups of related tasks, by name; a task is in at most one block, a task in no block is related to no other.',
    }),
    within: Type.Number({ minimum: -1, maximum: 1, description: 'The correlation of two tasks in the same block.', default: CORRELATION_BLOCK_DEFAULTS.within }),
    between: Type.Number({ minimum: -1, maximum: 1, description: 'The correlation of every other pair of tasks: in different blocks, or either in no block.', default: CORRELATION_BLOCK_DEFAULTS.between }),
  },
  { additionalProperties: false },
);

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
    correlation: Type.Optional(
      Type.Union([Type.Number({ minimum: -1, maximum: 1 }), Type.Array(Type.Array(Type.Number({ minimum: -1, maximum: 1 }), { minItems: 1, maxItems: 64 }), { minItems: 1, maxItems: 64 }), correlationBlocks], {
        description:
          'Generator "mmoe" only: how related the tasks are. A number ρ: every task correlates ρ with the first (1 = identical tasks, 0 = unrelated). A matrix (a row per task, in task order; symmetric, 1 on the diagonal, positive semidefinite): the correlation of every pair of tasks\' linear parts. Blocks of related tasks, `{ "blocks": [["a", "b"], ["c", "d"]], "within": 0.9, "between": 0 }`: shorthand for the matrix in which tasks of the same block correlate `within` and all other pairs (other blocks, tasks in no block) `between`.',
        default: 0.8,
      }),
    ),
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
    text: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 16 })], {
        description:
          'CSV / JSONL only: the text column(s), joined with [SEP]; then the tokenised text is the only input (architecture "transformer").',
      }),
    ),
    tokenizer: Type.Optional(TokenizerSchema),
    dropEmptyText: Type.Optional(
      Type.Boolean({ description: 'Text data only: drop rows without text instead of reporting them as errors.' }),
    ),
    validationSplit: Type.Number({ minimum: 0, maximum: 0.9, description: 'Fraction of the examples held out for validation (0 = no validation).', default: 0.2 }),
  },
  { additionalProperties: false, description: 'The data set.', default: {} },
);

function taskSchema<W extends readonly (MethodDescriptor & { taskOptions?: MethodOptions })[]>(weightings: W) {
  return Type.Object(
    {
      name: identifier('Task name, used in charts, records and `loss.weights`.'),
      type: oneOf(TASK_TYPES, { description:
          '"classification": softmax cross-entropy (loss, accuracy). "regression": mean squared error (loss, RMSE, MAE). "multilabel": several labels per example, a cell listing them separated by commas ("python,shell"); sigmoid cross-entropy per label (loss, micro-F1, macro-F1); CSV / JSONL only.',
      }),
      classes: Type.Optional(Type.Integer({ minimum: 2, maximum: 100_000, description: 'Classification only: number of classes. Inferred from the data file when omitted; required for synthetic data.' })),
      target: Type.Optional(Type.String({ minLength: 1, description: 'CSV / JSONL only: the column holding this task\'s label.' })),
      ...(methodProperties(weightings, 'Weighting', (m) => (m as W[number]).taskOptions) as TaskOptionsOf<W>),
    },
    { additionalProperties: false },
  );
}

function modelSchema<A extends readonly MethodDescriptor[]>(architectures: A) {
  return Type.Object(
    {
      architecture: methodChoice(architectures, 'The architecture.', 'hard'),
      sharedUnits: layerSizes('Hidden layer sizes of the shared trunk (hard) or of each task tower (soft, cross-stitch).', [64]),
      taskUnits: layerSizes('Hidden layer sizes of each task head, before its output layer.', [16]),
      ...(methodProperties(architectures, 'Architecture', (m) => m.options) as OptionsOf<A>),
      activation: oneOf(ACTIVATIONS, { description: 'Activation of every hidden layer.', default: 'relu' }),
      dropout: Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'Dropout rate after every hidden layer (training only).', default: 0 }),
    },
    { additionalProperties: false, description: 'The network.', default: {} },
  );
}

function lossSchema<W extends readonly MethodDescriptor[]>(weightings: W) {
  return Type.Object(
    {
      weighting: methodChoice(weightings, 'How task losses are combined.', 'equal'),
      ...(methodProperties(weightings, 'Weighting', (m) => m.options) as OptionsOf<W>),
    },
    { additionalProperties: false, description: 'How the task losses are weighted.', default: {} },
  );
}

function optimizerSchema<O extends readonly MethodDescriptor[]>(optimizers: O) {
  return Type.Object(
    {
      name: methodChoice(optimizers, 'The optimiser.', 'adam'),
      learningRate: Type.Number({ exclusiveMinimum: 0, maximum: 10, description: 'Learning rate.', default: 0.001 }),
      ...(methodProperties(optimizers, 'Optimiser', (m) => m.options) as OptionsOf<O>),
      weightDecay: Type.Number({ minimum: 0, description: 'L2 weight decay added to the gradients of weight matrices.', default: 0 }),
      clipNorm: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Null()], {
        description: 'Global-norm gradient clipping threshold (the article\'s remedy); null = off.',
        default: null,
      }),
    },
    { additionalProperties: false, description: 'The optimiser.', default: {} },
  );
}

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
    affinityEvery: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'Log the inter-task affinity (Fifty et al. 2021) every N steps; absent or 0 = off. For each task i, a lookahead update of the shared parameters on task i\'s loss alone with the run\'s optimiser rule (its state untouched), then every task\'s loss on the same batch: Z(i→j) = 1 − L_j(θ⁺ᵢ)/L_j(θ), with its running average and a first-order approximation. Costs K backward and K + 1 forward passes each time. A multiple of logEvery.',
      }),
    ),
    tasks: Type.Optional(
      Type.Array(identifier('A task name from `tasks`.'), {
        minItems: 1,
        maxItems: 64,
        uniqueItems: true,
        description:
          'Train only these tasks (by name); absent = all. The other tasks stay declared, so generated data and splits are the same rows and labels, but get no head, no loss and no records. "Study this grouping" trains each group this way.',
      }),
    ),
    earlyStopping: Type.Optional(Type.Union([EarlyStoppingSchema, Type.Null()], { description: 'Stop when the validation loss stops improving; null = off.', default: null })),
    onNonFinite: oneOf(['fail', 'skip-batch'] as const, { description: 'A NaN or infinite loss, or a NaN or infinite gradient behind a finite loss, fails the run naming the step and task ("fail") or skips that batch with a warning ("skip-batch"); either way nothing is updated from it.', default: 'fail' }),
  },
  { additionalProperties: false, description: 'The training loop.', default: {} },
);

/** Your own program instead of the built-in engine: MTL Lab starts it, tails the run directory it writes, stops it. */
export const ProgramSchema = Type.Object(
  {
    command: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description:
        'The program and its arguments, e.g. ["python", "train.py", "--epochs", "3"]. A first word "python" or "python3" is replaced by the interpreter MTL Lab is set to use (setting mtlLab.pythonInterpreter, else the Python extension\'s selected one; `mtl-lab train --python` or $MTL_LAB_PYTHON on the command line). It gets the run directory in MTL_LAB_RUN_DIR (the Python logger in python/ reads it).',
    }),
    cwd: Type.Optional(Type.String({ minLength: 1, description: 'Working directory, relative to the experiment file\'s folder (default: that folder).' })),
    env: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), { additionalProperties: false, description: 'Extra environment variables for the program (names: letters, digits, _).' })),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Your program\'s own hyperparameters (any JSON), passed resolved in MTL_LAB_PARAMS, so sweeps and --set can vary them: "program.params.lr".',
      }),
    ),
    setArguments: Type.Boolean({
      description:
        'Also pass each --set / sweep / study value as arguments after the command: `--set path=value` (mtl_lab.overrides() reads them besides MTL_LAB_OVERRIDES). Off by default: a script that parses its arguments strictly (argparse\'s parse_args) would reject them.',
      default: false,
    }),
    firstRecordTimeout: Type.Number({
      minimum: 1,
      maximum: 86_400,
      description: 'Seconds the program may take to write its first record to metrics.jsonl; one that writes none by then is stopped and the run fails.',
      default: 300,
    }),
  },
  { additionalProperties: false, description: 'Run your own program (PyTorch through the Python logger, or anything that writes a run directory) instead of the built-in engine. The sections data, model, loss, optimizer, training and backend are then not used, except tasks (their names).' },
);
/**
 * Where a sweep goes when it is sent to a cluster (`mtl-lab sweep --runner slurm`, or the mtlLab.runner setting).
 * Slurm's own spelling of each value, passed to sbatch as given; a run on this machine ignores the section.
 */
export const ClusterSchema = Type.Object(
  {
    partition: Type.Optional(Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_.,-]+$', patternErrorMessage: 'must be a partition name (letters, digits, "_", ".", "-"; several separated by ",")', description: 'Slurm partition (sbatch --partition); default: the cluster\'s default partition.' })),
    time: Type.Optional(
      Type.String({
        pattern: '^(\\d+|\\d+:\\d{1,2}|\\d+:\\d{1,2}:\\d{1,2}|\\d+-\\d{1,2}|\\d+-\\d{1,2}:\\d{1,2}|\\d+-\\d{1,2}:\\d{1,2}:\\d{1,2})$',
        patternErrorMessage: 'must be a Slurm time: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (e.g. "90" or "1-12:00:00")',
        description: 'Time limit per run (sbatch --time): minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS. Runs checkpoint before it and stop; Resume continues them as a new job.',
      }),
    ),
    cpusPerTask: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096, description: 'CPUs per run (sbatch --cpus-per-task).', default: 1 })),
    gpus: Type.Optional(Type.Integer({ minimum: 0, maximum: 64, description: 'GPUs per run (sbatch --gpus); 0 = none.', default: 0 })),
    memory: Type.Optional(Type.String({ pattern: '^\\d+[KMGT]?$', patternErrorMessage: 'must be a size in megabytes or with a unit K, M, G or T (e.g. "4G")', description: 'Memory per run (sbatch --mem), e.g. "4G" or "512M".' })),
    account: Type.Optional(Type.String({ minLength: 1, description: 'Account charged (sbatch --account).' })),
    qos: Type.Optional(Type.String({ minLength: 1, description: 'Quality of service (sbatch --qos).' })),
    extraArgs: Type.Optional(Type.Array(Type.String({ pattern: '^-', patternErrorMessage: 'must be one sbatch option starting with "-" (e.g. "--constraint=a100")', description: 'One sbatch option, e.g. "--constraint=a100".' }), { maxItems: 64, description: 'Further sbatch options, each one argument starting with "-", passed as given (e.g. "--requeue": Slurm requeues a run whose node failed, and it resumes from its checkpoint).' })),
    maxParallel: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'At most this many runs of a sweep or study at the same time (the %N of sbatch --array); default: as many as the cluster allows.' })),
    signalSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 65_535, description: 'Seconds before the time limit at which a run is told to checkpoint (sbatch --signal=B:USR1@N); it then requeues its array task, which resumes from the checkpoint.', default: 60 })),
  },
  { additionalProperties: false, description: 'Slurm options for runs sent to a cluster. Ignored by runs on this machine.' },
);
export type ClusterConfig = Static<typeof ClusterSchema>;
export const StudySchema = Type.Object(
  {
    seeds: Type.Array(Type.Integer({ minimum: 0, maximum: 4294967295 }), {
      minItems: 1,
      maxItems: 32,
      uniqueItems: true,
      description: 'The replicates: every run of the study (each sweep point, if any) is trained once per seed; runs that differ only by seed form a group (mean ± std).',
    }),
    baselines: oneOf(['auto', 'none'] as const, {
      description:
        '"auto": for each task and seed, a single-task baseline (the same data, trunk, optimiser and budget; that task\'s loss alone) is trained, or reused when one with the same settings exists in the runs directory; Δm compares each run with them. "none": no baselines, no Δm. A "program" experiment takes "none" only (its seeds also go to program.params.seed).',
      default: 'auto',
    }),
  },
  {
    additionalProperties: false,
    description: 'A study: the config (each point of its `sweep`) × `seeds`, plus single-task baselines, run by Start Study or `mtl-lab study`. Start Run and Start Sweep ignore it.',
  },
);

/** Methods as the schema sees them: ids, descriptions and options (their implementations do not matter here). */
type Described = readonly MethodDescriptor[];
type DescribedWeightings = readonly (MethodDescriptor & { taskOptions?: MethodOptions })[];

/** The config schema of a catalog of methods (a MethodCatalog); `ExperimentSchema` is the one of every registered method. */
export function experimentSchema<A extends Described, W extends DescribedWeightings, O extends Described>(catalog: { architectures: A; weightings: W; optimizers: O }) {
  return Type.Object(
    {
      $schema: Type.Optional(Type.String({ description: 'The JSON Schema this file follows (for editors).' })),
      name: identifier('Experiment name; run ids start with it.'),
      description: Type.Optional(Type.String({ description: 'Free text, shown in the tree tooltip.' })),
      seed: Type.Integer({ minimum: 0, maximum: 4294967295, description: 'Seed for data, initialisation, shuffling, dropout and RLW: same seed and backend, same run.', default: 42 }),
      data: DataSchema,
      tasks: Type.Array(taskSchema(catalog.weightings), { minItems: 1, maxItems: 64, description: 'The tasks, each with a head and a loss.' }),
      model: modelSchema(catalog.architectures),
      loss: lossSchema(catalog.weightings),
      optimizer: optimizerSchema(catalog.optimizers),
      training: TrainingSchema,
      sweep: Type.Optional(
        Type.Record(Type.String({ minLength: 1 }), Type.Array(Type.Unknown(), { minItems: 1, maxItems: 64 }), {
          description:
            'A hyperparameter sweep: config path (as in --set, e.g. "optimizer.learningRate") → the values to try. Start Sweep (or `mtl-lab sweep`) trains one run per combination, the first key varying slowest; Start Run trains the config as written. At most 256 combinations.',
        }),
      ),
      program: Type.Optional(ProgramSchema),
      cluster: Type.Optional(ClusterSchema),
      study: Type.Optional(StudySchema),
      backend: oneOf(BACKENDS, {
        description: 'TensorFlow.js backend. "auto" tries tensorflow-gpu, webgpu (hardware GPUs only, never a software adapter), tensorflow, wasm, cpu in that order and records why each was or was not chosen; with a GPU adapter it times a few steps of the run on the GPU and on the best CPU backend and keeps the faster. An explicit choice that cannot load is an error; an explicit webgpu on a software adapter trains with a warning.',
        default: 'auto',
      }),
    },
    {
      additionalProperties: false,
      title: 'MTL Lab experiment',
      description: 'A multi-task learning experiment for MTL Lab (`*.mtl.json`).',
    },
  );
}

export const ExperimentSchema = experimentSchema(METHODS);

const schemas = new WeakMap<MethodCatalog, TSchema>([[METHODS, ExperimentSchema]]);

/** The schema of a catalog, made once (the real catalog's is `ExperimentSchema`). */
export function schemaFor(catalog: MethodCatalog): TSchema {
  let schema = schemas.get(catalog);
  if (!schema) {
    schema = experimentSchema(catalog);
    schemas.set(catalog, schema);
  }
  return schema;
}

export type ExperimentConfig = Static<typeof ExperimentSchema>;
export type DataConfig = ExperimentConfig['data'];
export type TaskConfig = ExperimentConfig['tasks'][number];
export type ModelConfig = ExperimentConfig['model'];
export type LossConfig = ExperimentConfig['loss'];
export type OptimizerConfig = ExperimentConfig['optimizer'];
export type TrainingConfig = ExperimentConfig['training'];
export type ProgramConfig = NonNullable<ExperimentConfig['program']>;
export type StudyConfig = NonNullable<ExperimentConfig['study']>;
export type BackendName = (typeof BACKENDS)[number];
export type Architecture = (typeof ARCHITECTURES)[number];
export type Weighting = (typeof WEIGHTINGS)[number];

/** The JSON Schema as emitted for editors (TypeBox schemas are JSON Schema already; drop its symbols). */
export function experimentJsonSchema(schema: TSchema = ExperimentSchema): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
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
