/**
 * Contract: the run directory (`mtl-runs/<runId>/`). The worker writes it; the CLI, the extension and
 * (through the extension) the dashboard read it. Record and file shapes here are public: the field
 * names are fixed by the training-engine issue and shared with the dashboard.
 *
 *   run.json       RunInfo, replaced atomically (temp file + rename)
 *   config.json    the fully resolved ExperimentConfig (defaults and overrides applied)
 *   metrics.jsonl  one MetricRecord a line, append-only
 *   checkpoint/    model, optimiser and weighting state, data position, RNG state (for resume)
 *   worker.log     the worker's own log
 */
import { Type, type Static } from '@sinclair/typebox';

const NumberMap = Type.Record(Type.String(), Type.Number());
const VectorMap = Type.Record(Type.String(), Type.Array(Type.Number()));
const Matrix = Type.Array(Type.Array(Type.Number()));

/**
 * The major version of the record format (metrics.jsonl lines and run.json). A record may carry it as
 * `version`; absent means 1. Additive changes (new optional keys, new event codes) keep it; a change an older
 * reader would misread bumps it, and readers of this version reject such records with a `format-newer` event
 * instead of drawing wrong numbers. Published as JSON Schemas in docs/schemas/ (scripts/record-schemas.ts).
 */
export const RECORD_FORMAT_VERSION = 1;
const RecordVersion = Type.Optional(Type.Literal(RECORD_FORMAT_VERSION, { description: 'Major version of the record format; absent means 1.' }));

/** What a named matrix is: enough for a reader to label, chart and explain it without knowing its name. */
export const MatrixInfoSchema = Type.Object({
  /** Short title, e.g. "Attention". */
  title: Type.String(),
  /** One line: what a cell holds. */
  description: Type.String(),
  /** What a row and a column stand for, e.g. "task" and "tower". */
  rowAxis: Type.String(),
  columnAxis: Type.String(),
  /** Row and column labels (series keys and CSV columns are `<name>/<row>/<column>`). */
  rows: Type.Array(Type.String()),
  columns: Type.Array(Type.String()),
  /** What a value is, e.g. "weight" or "cosine" (the y axis of its charts). */
  unit: Type.String(),
  /** Values may be negative (cosines, mixing coefficients): drawn on a diverging scale around 0. */
  signed: Type.Boolean(),
  /** M = Mᵀ (cosines): charted once per pair above the diagonal. */
  symmetric: Type.Optional(Type.Boolean()),
  /**
   * false: too many cells for a line or a CSV column each (token × token self-attention); readers show the
   * matrix as a heatmap only. Absent: every cell is charted.
   */
  perCell: Type.Optional(Type.Boolean()),
});
export type MatrixInfo = Static<typeof MatrixInfoSchema>;

export const TrainRecordSchema = Type.Object({
  kind: Type.Literal('train'),
  version: RecordVersion,
  step: Type.Integer({ minimum: 1 }),
  epoch: Type.Integer({ minimum: 0 }),
  /** Wall-clock time, milliseconds since the Unix epoch. */
  time: Type.Number(),
  /** Per-task mini-batch loss (unweighted). */
  losses: NumberMap,
  /** The objective actually minimised, Σ w_i L_i plus any regulariser of the weighting strategy. */
  totalLoss: Type.Number(),
  /** Each task's current weight as the weighting strategy reports it. */
  weights: NumberMap,
  samplesPerSecond: Type.Number(),
  /**
   * Named matrices (see run/matrices.ts): name → values, row-major, in the row and column order of the
   * matrix's description. E.g. "attention" (task × tower), "gates" (task × expert), "conflict" (gradient
   * cosines, task × task), "cross-stitch/0" (task × task).
   */
  matrices: Type.Optional(Type.Record(Type.String(), Matrix)),
  /** The description of a matrix in `matrices`, on the first train record of the run that holds it (resumes included). */
  matrixInfo: Type.Optional(Type.Record(Type.String(), MatrixInfoSchema)),
  /** Written by 0.1 only (read, never written): soft sharing, row k = the weight task k puts on each tower (cross-stitch: its last α). */
  attention: Type.Optional(VectorMap),
  /** Written by 0.1 only: routing, row k = task k's gate over the experts. */
  gates: Type.Optional(VectorMap),
  /** Written by 0.1 only: cosine of the per-task gradients on the shared parameters, K×K in `tasks` order. */
  conflict: Type.Optional(Matrix),
});

export const TaskMetricsSchema = Type.Object({
  loss: Type.Number(),
  accuracy: Type.Optional(Type.Number()),
  rmse: Type.Optional(Type.Number()),
  mae: Type.Optional(Type.Number()),
  /** Multilabel tasks: F1 over all label decisions together, and the mean of the labels' F1. */
  microF1: Type.Optional(Type.Number()),
  macroF1: Type.Optional(Type.Number()),
});

export const EvalRecordSchema = Type.Object({
  kind: Type.Literal('eval'),
  version: RecordVersion,
  step: Type.Integer({ minimum: 0 }),
  epoch: Type.Integer({ minimum: 0 }),
  time: Type.Number(),
  split: Type.Literal('validation'),
  metrics: Type.Record(Type.String(), TaskMetricsSchema),
});

/** Every event code a writer of this version uses (one union: a writer cannot invent a code, a reader can switch on it). */
export const EVENT_CODES = [
  'backend-selected',
  'run-started',
  'pretrained-loaded',
  'weights-collapsed',
  'weights-recovered',
  'loss-not-finite',
  'gradient-not-finite',
  'batch-skipped',
  'affinity-skipped',
  'early-stopped',
  'stopped',
  'resumed',
  'completed',
  'failed',
  'format-newer',
] as const;
export type EventCode = (typeof EVENT_CODES)[number];

export const EventRecordSchema = Type.Object({
  kind: Type.Literal('event'),
  version: RecordVersion,
  step: Type.Integer({ minimum: 0 }),
  time: Type.Number(),
  level: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error')]),
  /**
   * One of EVENT_CODES. Checked as any string, so a record of a newer writer (or another program) is still read:
   * readers that switch on the code keep a default branch.
   */
  code: Type.Unsafe<EventCode>(Type.String()),
  message: Type.String(),
  data: Type.Optional(Type.Unknown()),
});

export const MetricRecordSchema = Type.Union([TrainRecordSchema, EvalRecordSchema, EventRecordSchema]);

export type TrainRecord = Static<typeof TrainRecordSchema>;
export type EvalRecord = Static<typeof EvalRecordSchema>;
export type EventRecord = Static<typeof EventRecordSchema>;
export type TaskMetrics = Static<typeof TaskMetricsSchema>;
export type MetricRecord = Static<typeof MetricRecordSchema>;

export const RUN_STATUSES = ['queued', 'running', 'completed', 'stopped', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The WebGPU adapter a run trained on (backend "webgpu"): who made it, what it is, and its memory limits. */
export const GpuAdapterSchema = Type.Object({
  vendor: Type.String(),
  architecture: Type.String(),
  description: Type.String(),
  /** Dawn's native API under WebGPU: "vulkan", "metal" or "d3d12". */
  dawnBackend: Type.String(),
  /** A CPU emulating a GPU (SwiftShader, llvmpipe, Microsoft Basic Render Driver): correct, not fast. */
  software: Type.Boolean(),
  /** The largest single buffer and the largest storage-buffer binding, in bytes. */
  maxBufferSize: Type.Number(),
  maxStorageBufferBindingSize: Type.Number(),
});
export type GpuAdapter = Static<typeof GpuAdapterSchema>;
/**
 * Where a run handed to a cluster scheduler lives there (run/runner/): written by the submitter, kept by the
 * worker. Absent for runs started on this machine.
 */
export const ClusterJobSchema = Type.Object({
  /** The runner that submitted it, e.g. "slurm". */
  runner: Type.String(),
  /** The scheduler's job id (a Slurm array's id for a sweep). */
  jobId: Type.String(),
  /** The array task this run is (a sweep point's index), or null for a single job (a resume). */
  arrayTaskId: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  /** The scheduler's own output file of the job (stdout and stderr of the batch script). */
  output: Type.String(),
  submittedAt: Type.String(),
});
export type ClusterJob = Static<typeof ClusterJobSchema>;
/** What a study says about the runs it starts (study/baselines.ts); absent on runs started alone. */
export const RunMarksSchema = Type.Object({
  /** A single-task baseline: the task it trains, and the key of everything that determines its result (its cache key). */
  baseline: Type.Optional(Type.Object({ task: Type.String(), key: Type.String() })),
  /** A multi-task run of a study: the keys of its single-task baselines by task (Δm compares it with them). */
  baselines: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type RunMarks = Static<typeof RunMarksSchema>;

/** The average affinity of a run (row i = task stepped on, column j = task whose loss is read) and its suggested groupings (analysis/grouping.ts). */
export const AffinitySummarySchema = Type.Object({
  tasks: Type.Array(Type.String()),
  mean: Matrix,
  /** How many affinity samples the mean is over. */
  samples: Type.Integer({ minimum: 0 }),
  /** The best grouping for each budget B = 1 … K (none above 12 tasks). */
  groupings: Type.Array(
    Type.Object({
      budget: Type.Integer({ minimum: 1 }),
      groups: Type.Array(Type.Array(Type.String())),
      score: Type.Number(),
      servedBy: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
    }),
  ),
});
export type AffinitySummary = Static<typeof AffinitySummarySchema>;

export const RunInfoSchema = Type.Object({
  /** Format version of the run directory. */
  version: Type.Literal(RECORD_FORMAT_VERSION),
  id: Type.String(),
  /** Experiment name (config `name`). */
  name: Type.String(),
  /** Absolute path of the `*.mtl.json` the run was started from, if any. */
  experimentFile: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union(RUN_STATUSES.map((s) => Type.Literal(s))),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  /** The backend actually in use, e.g. "wasm". */
  backend: Type.Union([Type.String(), Type.Null()]),
  /** The GPU adapter when `backend` is "webgpu" (absent otherwise and in older run directories). */
  adapter: Type.Optional(GpuAdapterSchema),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  /**
   * The start time of process `pid` in clock ticks since boot (Linux; null elsewhere, absent in older run
   * directories). A reader that finds `pid` alive compares it with the live process's: a different value
   * means the pid was reused after the worker died (see run/processIdentity.ts).
   */
  processStartTicks: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  /** The cluster job that runs it (absent or null: a run on this machine). */
  cluster: Type.Optional(Type.Union([ClusterJobSchema, Type.Null()])),
  /** Last step reached and the planned total. */
  step: Type.Integer({ minimum: 0 }),
  totalSteps: Type.Integer({ minimum: 0 }),
  /** `--set` overrides as given, e.g. ["optimizer.learningRate=0.01"]. */
  overrides: Type.Array(Type.String()),
  error: Type.Union([Type.Object({ message: Type.String(), step: Type.Optional(Type.Integer()) }), Type.Null()]),
  ...RunMarksSchema.properties,
  summary: Type.Union([
    Type.Object({
      /** Final validation metrics per task. */
      metrics: Type.Record(Type.String(), TaskMetricsSchema),
      stepsPerSecond: Type.Number(),
      backend: Type.String(),
      steps: Type.Integer(),
      /** Step of the lowest mean validation loss. */
      bestStep: Type.Union([Type.Integer(), Type.Null()]),
      /** Runs with `training.affinityEvery`: the average inter-task affinity and the groupings suggested from it. */
      affinity: Type.Optional(AffinitySummarySchema),
    }),
    Type.Null(),
  ]),
});
export type RunInfo = Static<typeof RunInfoSchema>;

export const RUN_FILES = {
  info: 'run.json',
  config: 'config.json',
  metrics: 'metrics.jsonl',
  checkpoint: 'checkpoint',
  log: 'worker.log',
  /** Text data only: the tokenizer the run's token ids come from (Hugging Face format). */
  tokenizer: 'tokenizer.json',
} as const;

/**
 * Records with where each one ends in metrics.jsonl: `offsets[i]` is the byte offset just past record i's
 * line. Readers that met the same file at some offset (a history read) take over live records exactly
 * there: those with an offset at or below it are already theirs.
 */
export const PositionedRecordsSchema = Type.Object({
  records: Type.Array(MetricRecordSchema),
  offsets: Type.Array(Type.Integer({ minimum: 1 })),
});
export type PositionedRecords = Static<typeof PositionedRecordsSchema>;
