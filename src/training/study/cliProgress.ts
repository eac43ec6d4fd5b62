/**
 * `mtl-lab study`'s output while it trains. On a terminal: the progress block of progressView.ts redrawn in place
 * (at most ten times a second), with event lines (a run started, ended) printed above it. Elsewhere (CI, logs,
 * --json): the event lines only, as plain lines.
 */
import type { StudyJob } from './plan';
import { progressLines, type ActiveRun, type StudyCounts } from './progressView';

export class StudyProgress {
  private readonly active = new Map<StudyJob, ActiveRun>();
  private drawn = 0;
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly counts: StudyCounts,
    private readonly enabled: boolean,
  ) {}

  private get live(): boolean {
    return this.enabled && Boolean(this.out.isTTY);
  }

  /** A line that stays (above the live block on a terminal). */
  say(line: string): void {
    if (!this.enabled) return;
    this.clear();
    this.out.write(line + '\n');
    this.draw(true);
  }

  started(job: StudyJob, label: string, total: number): void {
    this.active.set(job, { label, step: 0, total, startedAt: Date.now() });
    this.counts.queued = Math.max(0, this.counts.queued - 1);
    this.draw(true);
  }

  progress(job: StudyJob, step: number, total: number | undefined, losses?: Record<string, number>): void {
    const run = this.active.get(job);
    if (!run) return;
    run.step = step;
    if (total !== undefined) run.total = total;
    if (losses) run.losses = losses;
    this.draw(false);
  }

  finished(job: StudyJob, failed: boolean): void {
    if (!this.active.delete(job)) this.counts.queued = Math.max(0, this.counts.queued - 1);
    this.counts.done++;
    if (failed) this.counts.failed++;
    this.draw(true);
  }

  /** Removes the live block (before the summary). */
  close(): void {
    this.clear();
  }

  private clear(): void {
    if (!this.live || this.drawn === 0) return;
    this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(force: boolean): void {
    if (!this.live) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = (this.out as { columns?: number }).columns ?? 120;
    const lines = progressLines([...this.active.values()], this.counts, now).map((l) => (l.length > width - 1 ? `${l.slice(0, width - 2)}…` : l));
    this.clear();
    this.out.write(lines.join('\n') + '\n');
    this.drawn = lines.length;
  }
}
