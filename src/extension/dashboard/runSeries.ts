/**
 * Host-side store of one run's dashboard data: every metric record becomes points of bounded series
 * (see BoundedSeries), snapshots of its named matrices and events. Pure (no `vscode`), so it is unit-tested
 * and benchmarked directly. Memory per run is bounded by (number of series × maxPointsPerSeries) points plus
 * MAX_SNAPSHOTS snapshots per matrix plus MAX_EVENTS events, whatever the number of steps.
 */
import type { MatrixInfo, MetricRecord, RunInfo } from '../../training/run/records';
import { MatrixReader, chartedCells, matrixCellKey } from '../../training/run/matrices';
import type { ExperimentConfig } from '../../training/config/schema';
import type { MatrixAbout, MatrixDelta, RunEventView, RunStudyView, RunView, SeriesDelta } from '../../webview/protocol';
import { compareRuns } from '../../training/study/compare';
import { BoundedSeries, initialCursor, type SeriesCursor } from '../../webview/data/seriesStore';
import { BoundedMatrices, type MatrixCursor } from '../../webview/data/matrixStore';
import { flattenConfig } from '../../webview/data/exports';

export const MAX_SNAPSHOTS = 256;

/**
 * Points of one series key that a dashboard holds across all its runs, at most: a comparison of many runs
 * (a study of 25 groups × 4 seeds) gets fewer points per series than `mtlLab.dashboard.maxPointsPerSeries`, so
 * the message, the page's memory and the first render stay about what 20 runs cost, while a chart a few
 * hundred pixels wide still gets more points than pixels.
 */
export const DASHBOARD_POINTS_PER_KEY = 40_000;
export const MIN_POINTS_PER_SERIES = 250;

/** Points per series for a dashboard of `runCount` runs, given the setting (never more than the setting). */
export function pointsPerSeries(setting: number, runCount: number): number {
  return Math.min(setting, Math.max(MIN_POINTS_PER_SERIES, Math.floor(DASHBOARD_POINTS_PER_KEY / Math.max(1, runCount))));
}
export const MAX_EVENTS = 500;

export interface RunDeltas {
  series: SeriesDelta[];
  matrices: MatrixDelta[];
  events: RunEventView[];
}

/** A reader's position in every series of a run (one per panel). */
export interface RunCursor {
  series: Map<string, SeriesCursor>;
  /** Latest step of each series when last read, to skip unchanged series. */
  seen: Map<string, number>;
  /** Per matrix name. */
  matrices: Map<string, MatrixCursor>;
  events: number;
}

export function newRunCursor(): RunCursor {
  return { series: new Map(), seen: new Map(), matrices: new Map(), events: 0 };
}

export class RunSeriesStore {
  private readonly series = new Map<string, BoundedSeries>();
  private readonly matrices = new Map<string, { info: MatrixInfo; snapshots: BoundedMatrices }>();
  private readonly matrixReader: MatrixReader;
  private events: RunEventView[] = [];
  /** Events ever seen (the cursor counts these, so trimming old events does not shift it). */
  private eventCount = 0;

  constructor(
    readonly runId: string,
    readonly maxPointsPerSeries: number,
    /** Task names in config order (they order and label 0.1's matrices). */
    taskOrder: string[] = [],
  ) {
    this.matrixReader = new MatrixReader(taskOrder);
  }

  /** Series keys in insertion order. */
  keys(): string[] {
    return [...this.series.keys()];
  }

  /** Points held over all series and snapshots held: the memory bound the benchmark reports. */
  heldPoints(): { points: number; snapshots: number; series: number } {
    let points = 0;
    for (const s of this.series.values()) points += s.size;
    let snapshots = 0;
    for (const m of this.matrices.values()) snapshots += m.snapshots.size;
    return { points, snapshots, series: this.series.size };
  }

  private point(key: string, step: number, time: number, value: number): void {
    let s = this.series.get(key);
    if (s === undefined) {
      s = new BoundedSeries(this.maxPointsPerSeries);
      this.series.set(key, s);
    }
    s.push(step, time, value);
  }

  private matrix(name: string, info: MatrixInfo, step: number, time: number, values: number[][]): void {
    let m = this.matrices.get(name);
    if (m === undefined) {
      m = { info, snapshots: new BoundedMatrices(MAX_SNAPSHOTS) };
      this.matrices.set(name, m);
    }
    m.info = info;
    m.snapshots.push(step, time, values);
  }

  add(records: readonly MetricRecord[]): void {
    for (const r of records) {
      if (r.kind === 'train') {
        const { step, time } = r;
        for (const [task, v] of Object.entries(r.losses)) this.point(`loss/${task}`, step, time, v);
        this.point('total', step, time, r.totalLoss);
        for (const [task, v] of Object.entries(r.weights)) this.point(`weight/${task}`, step, time, v);
        this.point('throughput', step, time, r.samplesPerSecond);
        for (const { name, info, values } of this.matrixReader.read(r)) {
          for (const { row, column } of chartedCells(info)) this.point(matrixCellKey(name, info.rows[row], info.columns[column]), step, time, values[row]?.[column] ?? NaN);
          this.matrix(name, info, step, time, values);
        }
      } else if (r.kind === 'eval') {
        for (const [task, m] of Object.entries(r.metrics)) {
          for (const name of ['loss', 'accuracy', 'rmse', 'mae'] as const) {
            const v = m[name];
            if (v !== undefined) this.point(`val/${task}/${name}`, r.step, r.time, v);
          }
        }
      } else {
        // A live record can also be in the history read from disk when both race at panel start.
        if (this.events.slice(-50).some((e) => e.step === r.step && e.time === r.time && e.code === r.code)) continue;
        this.eventCount++;
        this.events.push({ runId: this.runId, step: r.step, time: r.time, level: r.level, code: r.code, message: r.message });
        if (this.events.length > MAX_EVENTS) this.events = this.events.slice(-MAX_EVENTS);
      }
    }
  }

  /** Everything `cursor` lacks; advances the cursor. A fresh cursor gets the whole (bounded) history. */
  deltas(cursor: RunCursor): RunDeltas {
    const series: SeriesDelta[] = [];
    for (const [key, s] of this.series) {
      if (cursor.seen.get(key) === s.latestStep) continue;
      cursor.seen.set(key, s.latestStep);
      const before = cursor.series.get(key) ?? initialCursor();
      const { delta, cursor: after } = s.delta(this.runId, key, before);
      cursor.series.set(key, after);
      series.push(delta);
    }
    const matrices: MatrixDelta[] = [];
    for (const [name, { info, snapshots }] of this.matrices) {
      const before = cursor.matrices.get(name) ?? { stride: 1, lastStep: -Infinity };
      const d = snapshots.delta(before);
      cursor.matrices.set(name, d.cursor);
      if (d.snapshots.length > 0 || d.stride !== before.stride) {
        matrices.push({ runId: this.runId, kind: name, about: matrixAbout(info), rowLabels: info.rows, columnLabels: info.columns, stride: d.stride, snapshots: d.snapshots });
      }
    }
    const missed = this.eventCount - cursor.events;
    const events = missed > 0 ? this.events.slice(-Math.min(missed, this.events.length)) : [];
    cursor.events = this.eventCount;
    return { series, matrices, events };
  }
}

function matrixAbout(info: MatrixInfo): MatrixAbout {
  const { title, description, rowAxis, columnAxis, unit, signed } = info;
  return { title, description, rowAxis, columnAxis, unit, signed, symmetric: info.symmetric ?? false };
}

/** Each study run's group and Δm (against baselines anywhere in `all`), keyed by run id. */
export function studyViews(all: readonly { info: RunInfo; config: ExperimentConfig | undefined }[]): Map<string, RunStudyView> {
  const out = new Map<string, RunStudyView>();
  if (!all.some((r) => r.info.baseline || r.info.baselines)) return out;
  const { groups } = compareRuns(all, (r) => r.config);
  for (const group of groups) {
    for (const run of group.runs) {
      const { info } = run.listing;
      if (!info.baseline && !info.baselines) continue;
      out.set(info.id, {
        group: group.key,
        groupLabel: group.label,
        seed: run.seed ?? null,
        baselineOf: info.baseline?.task ?? null,
        deltaM: run.deltaM?.value ?? null,
        deltaMReason: run.deltaM?.value === undefined ? (run.deltaM?.reason ?? null) : null,
      });
    }
  }
  return out;
}

/** run.json + config.json → what the dashboard shows about a run. */
export function runView(info: RunInfo, config: ExperimentConfig | undefined, latestThroughput?: number, study?: RunStudyView): RunView {
  return {
    ...(study && { study }),
    id: info.id,
    name: info.name,
    status: info.status,
    backend: info.backend,
    step: info.step,
    totalSteps: info.totalSteps,
    createdAt: info.createdAt,
    startedAt: info.startedAt,
    endedAt: info.endedAt,
    error: info.error?.message ?? null,
    tasks: config?.tasks.map((t) => ({ name: t.name, type: t.type })) ?? [],
    architecture: config?.model.architecture ?? null,
    weighting: config?.loss.weighting ?? null,
    config: config === undefined ? {} : flattenConfig(config),
    finalMetrics: info.summary?.metrics ?? null,
    bestStep: info.summary?.bestStep ?? null,
    stepsPerSecond: info.summary?.stepsPerSecond ?? latestThroughput ?? null,
  };
}
