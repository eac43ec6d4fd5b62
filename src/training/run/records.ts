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

export const TrainRecordSchema = Type.Object({
  kind: Type.Literal('train'),
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
  /** Soft sharing: row k = the weight task k puts on each tower (batch mean). Scalar attention fills the diagonal. */
  attention: Type.Optional(VectorMap),
  /** Routing: row k = task k's gate over the experts (batch mean). */
  gates: Type.Optional(VectorMap),
  /** Gradient conflict: cosine of the per-task gradients on the shared parameters, K×K in `tasks` order. */
  conflict: Type.Optional(Type.Array(Type.Array(Type.Number()))),
});

export const TaskMetricsSchema = Type.Object({
  loss: Type.Number(),
  accuracy: Type.Optional(Type.Number()),
  rmse: Type.Optional(Type.Number()),
  mae: Type.Optional(Type.Number()),
});

export const EvalRecordSchema = Type.Object({
  kind: Type.Literal('eval'),
  step: Type.Integer({ minimum: 0 }),
  epoch: Type.Integer({ minimum: 0 }),
  time: Type.Number(),
  split: Type.Literal('validation'),
  metrics: Type.Record(Type.String(), TaskMetricsSchema),
});

export const EVENT_CODES = [
  'backend-selected',
  'run-started',
  'weights-collapsed',
  'weights-recovered',
  'loss-not-finite',
  'gradient-not-finite',
  'batch-skipped',
  'early-stopped',
  'stopped',
  'resumed',
  'completed',
  'failed',
] as const;
export type EventCode = (typeof EVENT_CODES)[number];

export const EventRecordSchema = Type.Object({
  kind: Type.Literal('event'),
  step: Type.Integer({ minimum: 0 }),
  time: Type.Number(),
  level: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error')]),
  /** One of EVENT_CODES; readers must tolerate codes they do not know. */
  code: Type.String(),
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

export const RunInfoSchema = Type.Object({
  /** Format version of the run directory. */
  version: Type.Literal(1),
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
  pid: Type.Union([Type.Integer(), Type.Null()]),
  /**
   * The start time of process `pid` in clock ticks since boot (Linux; null elsewhere, absent in older run
   * directories). A reader that finds `pid` alive compares it with the live process's: a different value
   * means the pid was reused after the worker died (see run/processIdentity.ts).
   */
  processStartTicks: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  /** Last step reached and the planned total. */
  step: Type.Integer({ minimum: 0 }),
  totalSteps: Type.Integer({ minimum: 0 }),
  /** `--set` overrides as given, e.g. ["optimizer.learningRate=0.01"]. */
  overrides: Type.Array(Type.String()),
  error: Type.Union([Type.Object({ message: Type.String(), step: Type.Optional(Type.Integer()) }), Type.Null()]),
  summary: Type.Union([
    Type.Object({
      /** Final validation metrics per task. */
      metrics: Type.Record(Type.String(), TaskMetricsSchema),
      stepsPerSecond: Type.Number(),
      backend: Type.String(),
      steps: Type.Integer(),
      /** Step of the lowest mean validation loss. */
      bestStep: Type.Union([Type.Integer(), Type.Null()]),
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
