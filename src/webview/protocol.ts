/**
 * Contract: the webview protocol (extension host ⇄ dashboard webview, `postMessage`).
 *
 * Both sides compile against this one module and both validate what they receive: the host checks
 * every message from the webview with `parseWebviewMessage` (unknown or malformed ones are logged and
 * dropped), the webview checks every message from the host with `parseHostMessage` (a hostile page
 * script or a stale host cannot crash it).
 *
 * Sequence:
 *   webview → host   ready { protocol }               once the bundle has loaded and listens
 *   host → webview   init  { runs, series, matrices, events, colors, … }   the full (downsampled) history
 *   host → webview   append { series, matrices, events }   ≤ 4 a second, only what the webview lacks
 *   host → webview   runs  { runs, removed }            run.json changed (status, step, summary)
 *   webview → host   intents: stopRun, resumeRun, exportCsv, exportPng, copyMarkdown, setRunColor, addRuns, log
 *   host → webview   notice { level, message }          result of an intent the user should see
 * A second `ready` (the webview reloaded) is answered with a fresh `init`.
 *
 * Series are downsampled on the host by `BoundedSeries` (src/webview/data/seriesStore.ts): min–max per
 * step bucket of width `width`, so each series holds at most `maxPointsPerSeries` points whatever the
 * run length. The webview mirrors it with `applySeriesDelta` from the same module, so an append carries
 * only new points (plus the ≤ 3-point open bucket, `tail`), never a re-send of the history.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Check } from '@sinclair/typebox/value';
import { Errors } from '@sinclair/typebox/errors';

export const WEBVIEW_PROTOCOL_VERSION = 1;

/** The panel's view type; also the key of its `WebviewPanelSerializer`. */
export const DASHBOARD_VIEW_TYPE = 'mtlLab.dashboard';

const RunStatusSchema = Type.Union([
  Type.Literal('queued'),
  Type.Literal('running'),
  Type.Literal('completed'),
  Type.Literal('stopped'),
  Type.Literal('failed'),
]);

/** A colour the user may pick for a run: `#rrggbb` only, so it can go into a canvas and a CSS value safely. */
export const ColorSchema = Type.String({ pattern: '^#[0-9a-fA-F]{6}$' });

const Id = Type.String({ minLength: 1, maxLength: 256 });

/** Free text from the host or the webview, capped. */
const Text = Type.String({ maxLength: 4000 });
/** A value the host may not know (null), shared by many fields. */
const OptionalText = Type.Union([Type.String(), Type.Null()]);
const OptionalNumber = Type.Union([Type.Number(), Type.Null()]);
const Level = Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error')]);

export const TaskMetricsViewSchema = Type.Object({
  loss: Type.Number(),
  accuracy: Type.Optional(Type.Number()),
  rmse: Type.Optional(Type.Number()),
  mae: Type.Optional(Type.Number()),
  microF1: Type.Optional(Type.Number()),
  macroF1: Type.Optional(Type.Number()),
});

/** What the dashboard knows about a run besides its series (from run.json and config.json). */
export const RunViewSchema = Type.Object({
  id: Id,
  name: Type.String(),
  status: RunStatusSchema,
  backend: OptionalText,
  step: Type.Integer({ minimum: 0 }),
  totalSteps: Type.Integer({ minimum: 0 }),
  createdAt: Type.String(),
  startedAt: OptionalText,
  endedAt: OptionalText,
  error: OptionalText,
  /** Task names in config order (the order of the conflict matrix rows) and their types. */
  tasks: Type.Array(Type.Object({ name: Type.String(), type: Type.Union([Type.Literal('classification'), Type.Literal('regression'), Type.Literal('multilabel')]) })),
  architecture: OptionalText,
  weighting: OptionalText,
  /** The resolved config flattened to dotted paths ("optimizer.learningRate" → 0.001) for the comparison table. */
  config: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  /** Final validation metrics per task (run.json summary), when the run ended. */
  finalMetrics: Type.Union([Type.Record(Type.String(), TaskMetricsViewSchema), Type.Null()]),
  bestStep: Type.Union([Type.Integer(), Type.Null()]),
  stepsPerSecond: OptionalNumber,
  /**
   * A run handed to a cluster: its job (`12_3`), the scheduler's state and why it waits or ended (Slurm's reason:
   * Resources, Priority, node failure…), as last polled. `status` above is then the cluster's corrected status.
   */
  cluster: Type.Optional(Type.Object({ job: Type.String({ maxLength: 64 }), state: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]), reason: Type.Union([Text, Type.Null()]) })),
  /** A run of a study (or a baseline): its group (runs that differ only by seed) and its Δm in percent. */
  study: Type.Optional(
    Type.Object({
      group: Type.String({ maxLength: 64 }),
      groupLabel: Text,
      seed: Type.Union([Type.Integer(), Type.Null()]),
      baselineOf: OptionalText,
      deltaM: OptionalNumber,
      deltaMReason: Type.Union([Text, Type.Null()]),
    }),
  ),
});
export type RunView = Static<typeof RunViewSchema>;
export type RunStudyView = NonNullable<RunView['study']>;

/**
 * Points of one series in columns: `steps[i]`, `times[i]` (ms since the Unix epoch), `values[i]`.
 * Non-finite values never cross (they are reported as events instead).
 */
// Columns are checked by `columnsValid` below, not element by element through TypeBox: an `init` of a
// 20-run comparison holds millions of numbers and the generic check costs about a microsecond each.
const NumberColumn = Type.Unsafe<number[]>(Type.Unknown({ description: 'array of finite numbers' }));
export const PointsSchema = Type.Object({
  steps: NumberColumn,
  times: NumberColumn,
  values: NumberColumn,
});
export type Points = Static<typeof PointsSchema>;

/**
 * Series keys (per run):
 *   loss/<task>                 train loss           total                 total loss
 *   weight/<task>               task weight          throughput            samples per second
 *   val/<task>/<metric>         validation loss, accuracy, rmse, mae
 *   <matrix>/<row>/<column>     a cell of a named matrix (matrixCellKey in src/training/run/matrices.ts, the
 *                               run CSV's columns too): attention/<task>/<tower>, gates/<task>/<expert>,
 *                               conflict/<taskA>/<taskB> (symmetric: A before B in task order only), …
 */
export const SeriesDeltaSchema = Type.Object({
  runId: Id,
  key: Type.String({ minLength: 1, maxLength: 512 }),
  /** Bucket width in steps after this delta. A larger width than before means: compact what you hold first. */
  width: Type.Integer({ minimum: 1 }),
  /** Drop every held point with step ≥ dropFrom (after compacting) before appending; null = drop nothing. */
  dropFrom: OptionalNumber,
  /** Newly committed points, in step order. In `init` this is the whole committed history. */
  points: PointsSchema,
  /** The open bucket: its min and max, then the newest point (≤ 3 points); replaces the previous tail. */
  tail: PointsSchema,
});
export type SeriesDelta = Static<typeof SeriesDeltaSchema>;

/** A named matrix (attention, gates, gradient cosines, …) at one step, rows in `rowLabels` order. */
export const MatrixSnapshotSchema = Type.Object({
  step: Type.Number(),
  time: Type.Number(),
  rows: Type.Array(Type.Array(Type.Number())),
});
export type MatrixSnapshot = Static<typeof MatrixSnapshotSchema>;

/** How the dashboard shows a named matrix, as its records describe it (MatrixInfo in src/training/run/records.ts). */
export const MatrixAboutSchema = Type.Object({
  title: Type.String(),
  description: Type.String(),
  /** What a row and a column stand for ("task", "tower"). */
  rowAxis: Type.String(),
  columnAxis: Type.String(),
  /** What a value is ("weight", "cosine"): the y axis of its lines. */
  unit: Type.String(),
  /** Values may be negative: a diverging colour scale around 0. */
  signed: Type.Boolean(),
  /** M = Mᵀ: one line per pair above the diagonal. */
  symmetric: Type.Boolean(),
});
export type MatrixAbout = Static<typeof MatrixAboutSchema>;

export const MatrixDeltaSchema = Type.Object({
  runId: Id,
  /** The matrix's name: its card and the first part of its series keys ("attention", "gates", "conflict", "cross-stitch/0"). */
  kind: Type.String({ minLength: 1, maxLength: 256 }),
  about: MatrixAboutSchema,
  /** Row labels (tasks) and column labels (towers, experts, tasks, …). */
  rowLabels: Type.Array(Type.String()),
  columnLabels: Type.Array(Type.String()),
  /**
   * Snapshots are thinned to the first one in each step bucket of width `stride` (bounded count). A larger
   * stride than before means: thin what you hold the same way, then add these.
   */
  stride: Type.Integer({ minimum: 1 }),
  snapshots: Type.Array(MatrixSnapshotSchema),
});
export type MatrixDelta = Static<typeof MatrixDeltaSchema>;

export const RunEventViewSchema = Type.Object({
  runId: Id,
  step: Type.Number(),
  time: Type.Number(),
  level: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('error')]),
  code: Type.String(),
  message: Type.String(),
});
export type RunEventView = Static<typeof RunEventViewSchema>;

// ---------------------------------------------------------------- host → webview

export const InitMessageSchema = Type.Object({
  type: Type.Literal('init'),
  protocol: Type.Literal(WEBVIEW_PROTOCOL_VERSION),
  runs: Type.Array(RunViewSchema),
  series: Type.Array(SeriesDeltaSchema),
  matrices: Type.Array(MatrixDeltaSchema),
  events: Type.Array(RunEventViewSchema),
  /** Colours the user chose earlier (workspace state), run id → #rrggbb. */
  colors: Type.Record(Type.String(), ColorSchema),
  maxPointsPerSeries: Type.Integer({ minimum: 16 }),
  /** Untrusted workspace: Stop / Resume are disabled. */
  readOnly: Type.Boolean(),
});
export type InitMessage = Static<typeof InitMessageSchema>;

export const AppendMessageSchema = Type.Object({
  type: Type.Literal('append'),
  series: Type.Array(SeriesDeltaSchema),
  matrices: Type.Array(MatrixDeltaSchema),
  events: Type.Array(RunEventViewSchema),
});
export type AppendMessage = Static<typeof AppendMessageSchema>;

export const RunsMessageSchema = Type.Object({
  type: Type.Literal('runs'),
  /** Changed or new runs (a new run's series arrive in the next `append`). */
  runs: Type.Array(RunViewSchema),
  /** Ids of runs deleted from disk. */
  removed: Type.Array(Id),
});
export type RunsMessage = Static<typeof RunsMessageSchema>;

export const NoticeMessageSchema = Type.Object({
  type: Type.Literal('notice'),
  level: Level,
  message: Text,
});
export type NoticeMessage = Static<typeof NoticeMessageSchema>;

/** A study diagnostic and its remedy (src/extension/study/dashboardDiagnostics.ts); `id` is what the webview sends back. */
const FindingId = Type.String({ pattern: '^f\\d{1,4}$' });
const DiagnosticViewSchema = Type.Object({
  id: FindingId,
  group: Text,
  message: Text,
  /** The sweep the remedy adds, as the file will hold it, why it helps, and the experiment file it goes into. */
  remedy: Text,
  why: Text,
  file: Text,
});
export type DiagnosticView = Static<typeof DiagnosticViewSchema>;

export const DiagnosticsMessageSchema = Type.Object({ type: Type.Literal('diagnostics'), findings: Type.Array(DiagnosticViewSchema, { maxItems: 200 }) });

export const HostToWebviewSchema = Type.Union([InitMessageSchema, AppendMessageSchema, RunsMessageSchema, NoticeMessageSchema, DiagnosticsMessageSchema]);
export type HostToWebview = Static<typeof HostToWebviewSchema>;

// ---------------------------------------------------------------- webview → host

/** Exports are capped so a runaway webview cannot make the host allocate without bound. */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;

export const WebviewToHostSchema = Type.Union([
  Type.Object({ type: Type.Literal('ready'), protocol: Type.Literal(WEBVIEW_PROTOCOL_VERSION) }),
  Type.Object({ type: Type.Literal('stopRun'), runId: Id }),
  Type.Object({ type: Type.Literal('resumeRun'), runId: Id }),
  /** CSV of the visible series, built by the webview; the host asks where to save it. */
  Type.Object({ type: Type.Literal('exportCsv'), suggestedName: Type.String({ maxLength: 200 }), csv: Type.String({ maxLength: MAX_EXPORT_CHARS }) }),
  /** One chart as a PNG data URL (canvas.toDataURL); the host decodes it and asks where to save it. */
  Type.Object({
    type: Type.Literal('exportPng'),
    suggestedName: Type.String({ maxLength: 200 }),
    dataUrl: Type.String({ pattern: '^data:image/png;base64,[A-Za-z0-9+/=]+$', maxLength: MAX_EXPORT_CHARS }),
  }),
  /** The comparison table as Markdown, for the clipboard. */
  Type.Object({ type: Type.Literal('copyMarkdown'), markdown: Type.String({ maxLength: MAX_EXPORT_CHARS }) }),
  /** The user picked a colour for a run; the host remembers it for every panel. */
  Type.Object({ type: Type.Literal('setRunColor'), runId: Id, color: ColorSchema }),
  /** The user asked to add runs to this panel (the host shows a picker). */
  Type.Object({ type: Type.Literal('addRuns') }),
  /** The user removed a run from this comparison. */
  Type.Object({ type: Type.Literal('removeRun'), runId: Id }),
  /** Write the remedy of a finding the host offered (by its id) into its experiment file. */
  Type.Object({ type: Type.Literal('applyRemedy'), findingId: FindingId }),
  /** Write a study config of this grouping of the run's tasks (the Suggested groupings card's "Study this grouping"). */
  Type.Object({
    type: Type.Literal('studyGrouping'),
    runId: Id,
    groups: Type.Array(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 64 }), { minItems: 1, maxItems: 64 }),
  }),
  /** A webview-side error or warning, for the extension's output channel. */
  Type.Object({ type: Type.Literal('log'), level: Level, message: Text }),
]);
export type WebviewToHost = Static<typeof WebviewToHostSchema>;

// ---------------------------------------------------------------- persisted webview state

/**
 * What the webview keeps with `setState` and the host's `WebviewPanelSerializer` receives after a
 * window reload. Only `runIds` matters to the host; the rest is the user's view settings.
 */
export const DashboardStateSchema = Type.Object({
  version: Type.Literal(1),
  runIds: Type.Array(Id),
  smoothing: Type.Number({ minimum: 0, maximum: 0.999 }),
  logScale: Type.Boolean(),
  xAxis: Type.Union([Type.Literal('step'), Type.Literal('relative'), Type.Literal('wall')]),
  ignoreOutliers: Type.Boolean(),
  hiddenRuns: Type.Array(Id),
  /** Seed groups on the charts: each run, or per group its mean with a ± std or min–max band (absent = each run). */
  groupView: Type.Optional(Type.Union([Type.Literal('runs'), Type.Literal('std'), Type.Literal('minmax')])),
  collapsedCards: Type.Array(Type.String()),
  /** Scrubber position (step) of the heatmaps, null = follow the latest step. */
  scrubStep: OptionalNumber,
  sort: Type.Object({ column: Type.String(), descending: Type.Boolean() }),
});
export type DashboardState = Static<typeof DashboardStateSchema>;
export type XAxisMode = DashboardState['xAxis'];

export function defaultDashboardState(runIds: string[]): DashboardState {
  return {
    version: 1,
    runIds,
    smoothing: 0.6,
    logScale: false,
    xAxis: 'step',
    ignoreOutliers: false,
    hiddenRuns: [],
    collapsedCards: [],
    scrubStep: null,
    sort: { column: 'name', descending: false },
  };
}

// ---------------------------------------------------------------- validators

function finiteColumn(column: unknown): column is number[] {
  if (!Array.isArray(column)) return false;
  for (let i = 0; i < column.length; i++) {
    const v: unknown = column[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  }
  return true;
}

function pointsConsistent(points: Points): boolean {
  return (
    finiteColumn(points.steps) &&
    finiteColumn(points.times) &&
    finiteColumn(points.values) &&
    points.steps.length === points.times.length &&
    points.steps.length === points.values.length
  );
}

function seriesConsistent(deltas: SeriesDelta[]): boolean {
  return deltas.every((d) => pointsConsistent(d.points) && pointsConsistent(d.tail) && d.tail.steps.length <= 3);
}

/** A host message, or undefined when it is not one (wrong shape, unequal columns). */
export function parseHostMessage(value: unknown): HostToWebview | undefined {
  if (!Check(HostToWebviewSchema, value)) return undefined;
  if ((value.type === 'init' || value.type === 'append') && !seriesConsistent(value.series)) return undefined;
  return value;
}

/** A webview message, or undefined when it is not one. The host drops (and logs) undefined. */
export function parseWebviewMessage(value: unknown): WebviewToHost | undefined {
  return Check(WebviewToHostSchema, value) ? value : undefined;
}

/** Why a webview message was rejected, for the log (first few TypeBox errors). */
export function describeInvalidMessage(schema: 'host' | 'webview', value: unknown): string {
  const errors = [...Errors(schema === 'host' ? HostToWebviewSchema : WebviewToHostSchema, value)].slice(0, 3);
  const type = typeof value === 'object' && value !== null && 'type' in value ? String((value as { type: unknown }).type).slice(0, 40) : typeof value;
  return `message type "${type}": ${errors.map((e) => `${e.path || '/'} ${e.message}`).join('; ') || 'inconsistent columns'}`;
}

/** Persisted state, or undefined when it is missing or from another version (the panel then starts fresh). */
export function parseDashboardState(value: unknown): DashboardState | undefined {
  return Check(DashboardStateSchema, value) ? value : undefined;
}
