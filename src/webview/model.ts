/**
 * The webview's data: what the host sent, applied in order. Pure (no DOM), so the webview logic that
 * matters — mirroring the host's bounded series exactly — is testable without a browser.
 */
import type { DiagnosticView, HostToWebview, MatrixAbout, MatrixSnapshot, RunEventView, RunView } from './protocol';
import { applySeriesDelta, emptyHeldSeries, heldPoints, type HeldSeries } from './data/seriesStore';
import { applyMatrixDelta } from './data/matrixStore';
import type { Points } from './protocol';

export interface HeldMatrices {
  about: MatrixAbout;
  rowLabels: string[];
  columnLabels: string[];
  stride: number;
  snapshots: MatrixSnapshot[];
}

/** What an applied message changed, so the view redraws only that. */
export interface Changes {
  reset: boolean;
  runs: boolean;
  /** "runId\u0000key" of every series that changed. */
  series: Set<string>;
  matrices: boolean;
  events: boolean;
  diagnostics?: boolean;
}

export const seriesId = (runId: string, key: string) => `${runId}\u0000${key}`;

export class DashboardModel {
  runs = new Map<string, RunView>();
  series = new Map<string, Map<string, HeldSeries>>();
  /** run id → matrix name → what is held. */
  matrices = new Map<string, Map<string, HeldMatrices>>();
  events = new Map<string, RunEventView[]>();
  colors: Record<string, string> = {};
  readOnly = false;
  maxPointsPerSeries = 2000;
  initialised = false;
  /** The study diagnostics of the runs shown (undefined: the host sent none, e.g. no study runs). */
  diagnostics: DiagnosticView[] | undefined;
  /** Committed + tail of each series, concatenated once per change (charts ask for it many times). */
  private readonly pointCache = new Map<string, Points>();

  apply(message: HostToWebview): Changes {
    const changes: Changes = { reset: false, runs: false, series: new Set(), matrices: false, events: false };
    switch (message.type) {
      case 'init':
        this.runs = new Map(message.runs.map((r) => [r.id, r]));
        this.series = new Map();
        this.matrices = new Map();
        this.events = new Map();
        this.colors = { ...message.colors };
        this.readOnly = message.readOnly;
        this.maxPointsPerSeries = message.maxPointsPerSeries;
        this.initialised = true;
        this.diagnostics = undefined;
        this.pointCache.clear();
        changes.reset = true;
        this.applyData(message, changes);
        break;
      case 'append':
        this.applyData(message, changes);
        break;
      case 'runs':
        for (const r of message.runs) this.runs.set(r.id, r);
        for (const id of message.removed) {
          this.runs.delete(id);
          this.series.delete(id);
          this.matrices.delete(id);
          this.events.delete(id);
        }
        changes.runs = true;
        if (message.removed.length > 0) changes.reset = true;
        break;
      case 'diagnostics':
        this.diagnostics = message.findings;
        changes.diagnostics = true;
        break;
      case 'notice':
        break;
    }
    return changes;
  }

  private applyData(message: Extract<HostToWebview, { type: 'init' | 'append' }>, changes: Changes): void {
    for (const d of message.series) {
      let perRun = this.series.get(d.runId);
      if (perRun === undefined) {
        perRun = new Map();
        this.series.set(d.runId, perRun);
      }
      let held = perRun.get(d.key);
      if (held === undefined) {
        held = emptyHeldSeries();
        perRun.set(d.key, held);
      }
      applySeriesDelta(held, d);
      const id = seriesId(d.runId, d.key);
      this.pointCache.delete(id);
      changes.series.add(id);
    }
    for (const m of message.matrices) {
      let perRun = this.matrices.get(m.runId);
      if (perRun === undefined) {
        perRun = new Map();
        this.matrices.set(m.runId, perRun);
      }
      const held = perRun.get(m.kind);
      perRun.set(m.kind, {
        about: m.about,
        rowLabels: m.rowLabels,
        columnLabels: m.columnLabels,
        stride: m.stride,
        snapshots: applyMatrixDelta(held?.snapshots ?? [], m.stride, held?.stride ?? 1, m.snapshots),
      });
      changes.matrices = true;
    }
    for (const e of message.events) {
      const list = this.events.get(e.runId) ?? [];
      list.push(e);
      this.events.set(e.runId, list);
      changes.events = true;
    }
  }

  points(runId: string, key: string): Points | undefined {
    const held = this.series.get(runId)?.get(key);
    if (held === undefined) return undefined;
    const id = seriesId(runId, key);
    let points = this.pointCache.get(id);
    if (points === undefined) {
      points = heldPoints(held);
      this.pointCache.set(id, points);
    }
    return points;
  }

  /** The series keys of one run that start with `prefix`, in first-seen order. */
  runKeys(runId: string, prefix: string): string[] {
    return [...(this.series.get(runId)?.keys() ?? [])].filter((k) => k.startsWith(prefix));
  }

  /** Names of the matrices any run holds: each run's in the order it got them, runs in order. */
  matrixNames(): string[] {
    const out = new Set<string>();
    for (const id of this.runs.keys()) for (const name of this.matrices.get(id)?.keys() ?? []) out.add(name);
    return [...out];
  }

  /** Series keys present in any run, in first-seen order. */
  keys(prefix: string): string[] {
    const out = new Set<string>();
    for (const perRun of this.series.values()) for (const k of perRun.keys()) if (k.startsWith(prefix)) out.add(k);
    return [...out];
  }

  /** Latest steps per second of a run from its total-loss series (recent window), for throughput and ETA. */
  stepsPerSecond(runId: string): number | undefined {
    const p = this.points(runId, 'total');
    if (!p || p.steps.length < 2) return this.runs.get(runId)?.stepsPerSecond ?? undefined;
    const n = p.steps.length - 1;
    const k = Math.max(0, n - 20);
    const dt = (p.times[n] - p.times[k]) / 1000;
    return dt > 0 ? (p.steps[n] - p.steps[k]) / dt : undefined;
  }

  latest(runId: string, key: string): number | undefined {
    const p = this.points(runId, key);
    return p && p.values.length > 0 ? p.values[p.values.length - 1] : undefined;
  }
}
