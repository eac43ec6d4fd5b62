/**
 * The live progress block of `mtl-lab study` on a terminal: one line per active run (step / total, steps/s, ETA,
 * the latest loss per task) under one line for the study (runs done / running / queued / failed). Pure: the CLI
 * redraws it in place (cliProgress.ts); off a terminal it prints plain lines instead.
 */
import { formatDuration } from '../run/duration';

export interface ActiveRun {
  label: string;
  step: number;
  total: number;
  /** When the run started (ms), for its rate and ETA. */
  startedAt: number;
  losses?: Record<string, number>;
}

export interface StudyCounts {
  done: number;
  failed: number;
  queued: number;
  total: number;
}

const loss = (v: number) => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(2) : v.toPrecision(3));

export function runLine(run: ActiveRun, now: number): string {
  const seconds = Math.max((now - run.startedAt) / 1000, 1e-3);
  const rate = run.step / seconds;
  const eta = rate > 0 ? (run.total - run.step) / rate : Infinity;
  const pct = run.total ? Math.floor((100 * run.step) / run.total) : 0;
  const losses = run.losses ? Object.entries(run.losses).map(([t, v]) => `${t} ${loss(v)}`).join(', ') : '';
  return `  ${run.label}: step ${run.step}/${run.total} (${pct}%), ${rate.toFixed(rate < 10 ? 1 : 0)} steps/s, ETA ${formatDuration(eta)}${losses ? `, loss ${losses}` : ''}`;
}

export function progressLines(active: readonly ActiveRun[], counts: StudyCounts, now: number): string[] {
  const head = `study: ${counts.done}/${counts.total} done, ${active.length} running, ${counts.queued} queued${counts.failed ? `, ${counts.failed} failed` : ''}`;
  return [head, ...active.map((run) => runLine(run, now))];
}
