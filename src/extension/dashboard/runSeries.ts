/**
 * Host-side store of one run's dashboard data: every metric record becomes points of bounded series
 * (see BoundedSeries), matrix snapshots and events. Pure (no `vscode`), so it is unit-tested and
 * benchmarked directly. Memory per run is bounded by (number of series × maxPointsPerSeries) points plus
 * MAX_SNAPSHOTS matrices per kind plus MAX_EVENTS events, whatever the number of steps.
 */
import type { MetricRecord, RunInfo } from '../../training/run/records';
import type { ExperimentConfig } from '../../training/config/schema';
import type { MatrixDelta, MatrixKind, RunEventView, RunView, SeriesDelta } from '../../webview/protocol';
import { BoundedSeries, initialCursor, type SeriesCursor } from '../../webview/data/seriesStore';
import { BoundedMatrices, type MatrixCursor } from '../../webview/data/matrixStore';
import { flattenConfig } from '../../webview/data/exports';

export const MAX_SNAPSHOTS = 256;
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
  matrices: Map<MatrixKind, MatrixCursor>;
  events: number;
}

export function newRunCursor(): RunCursor {
  return { series: new Map(), seen: new Map(), matrices: new Map(), events: 0 };
}

export class RunSeriesStore {
  private readonly series = new Map<string, BoundedSeries>();
  private readonly matrices = new Map<MatrixKind, BoundedMatrices>();
  private events: RunEventView[] = [];
  /** Events ever seen (the cursor counts these, so trimming old events does not shift it). */
  private eventCount = 0;
  private taskOrder: string[];

  constructor(
    readonly runId: string,
    readonly maxPointsPerSeries: number,
    taskOrder: string[] = [],
  ) {
    this.taskOrder = taskOrder;
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
    for (const m of this.matrices.values()) snapshots += m.size;
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

  private matrix(kind: MatrixKind, step: number, time: number, rowLabels: string[], columnLabels: string[], rows: number[][]): void {
    let m = this.matrices.get(kind);
    if (m === undefined) {
      m = new BoundedMatrices(MAX_SNAPSHOTS, rowLabels, columnLabels);
      this.matrices.set(kind, m);
    }
    m.push(step, time, rows);
  }

  private tasksOf(map: Record<string, unknown>): string[] {
    const known = this.taskOrder.filter((t) => t in map);
    return known.length === Object.keys(map).length ? known : Object.keys(map);
  }

  add(records: readonly MetricRecord[]): void {
    for (const r of records) {
      if (r.kind === 'train') {
        const { step, time } = r;
        for (const [task, v] of Object.entries(r.losses)) this.point(`loss/${task}`, step, time, v);
        this.point('total', step, time, r.totalLoss);
        for (const [task, v] of Object.entries(r.weights)) this.point(`weight/${task}`, step, time, v);
        this.point('throughput', step, time, r.samplesPerSecond);
        for (const [kind, map] of [['attention', r.attention], ['gates', r.gates]] as const) {
          if (map === undefined) continue;
          const tasks = this.tasksOf(map);
          const prefix = kind === 'attention' ? 'attention' : 'gate';
          const width = Math.max(0, ...tasks.map((t) => map[t].length));
          const columns = Array.from({ length: width }, (_, i) => (kind === 'attention' ? `tower ${i}` : `expert ${i}`));
          for (const t of tasks) map[t].forEach((v, i) => this.point(`${prefix}/${t}/${i}`, step, time, v));
          this.matrix(kind, step, time, tasks, columns, tasks.map((t) => columns.map((_, i) => map[t][i] ?? 0)));
        }
        if (r.conflict !== undefined) {
          const tasks = this.taskOrder.length === r.conflict.length ? this.taskOrder : r.conflict.map((_, i) => `task ${i}`);
          for (let a = 0; a < tasks.length; a++) for (let b = a + 1; b < tasks.length; b++) this.point(`conflict/${tasks[a]}/${tasks[b]}`, step, time, r.conflict[a]?.[b] ?? NaN);
          this.matrix('conflict', step, time, tasks, tasks, r.conflict);
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
    for (const [kind, m] of this.matrices) {
      const before = cursor.matrices.get(kind) ?? { stride: 1, lastStep: -Infinity };
      const d = m.delta(before);
      cursor.matrices.set(kind, d.cursor);
      if (d.snapshots.length > 0 || d.stride !== before.stride) {
        matrices.push({ runId: this.runId, kind, rowLabels: m.rowLabels, columnLabels: m.columnLabels, stride: d.stride, snapshots: d.snapshots });
      }
    }
    const missed = this.eventCount - cursor.events;
    const events = missed > 0 ? this.events.slice(-Math.min(missed, this.events.length)) : [];
    cursor.events = this.eventCount;
    return { series, matrices, events };
  }
}

/** run.json + config.json → what the dashboard shows about a run. */
export function runView(info: RunInfo, config: ExperimentConfig | undefined, latestThroughput?: number): RunView {
  return {
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
