/**
 * Draws dirty, visible charts, top of the page first, starting in the next animation frame. Every width
 * is read first (one layout), then charts are drawn at a fixed size (Chart.js's responsive mode would read
 * the layout again after each chart's writes, forcing one reflow per chart). A pass draws charts only
 * until its budget is spent and leaves the rest to a task of its own, so a live update of many charts
 * never holds the page for much longer than a frame: input and due frames are handled in between.
 * Charts off screen stay dirty and are drawn when they scroll into view (an IntersectionObserver).
 */

/** What the scheduler needs of a chart. */
export interface ScheduledChart {
  readonly isVisible: boolean;
  /** Milliseconds its last drawing took: a pass plans with it. */
  readonly lastRenderMs: number;
  /** The drawing width (a layout read; the scheduler does all reads before any chart draws). */
  measure(): number;
  render(width: number): void;
  /** Writes what the last render left for the DOM, once the pass is over. */
  commitText(): void;
  setVisible(visible: boolean): void;
  onResize(width: number): void;
}

export const FRAME_BUDGET_MS = 8;

/**
 * The latest drawing passes: charts drawn, time spent before the last one started, when the pass expected
 * to end (that time plus the last chart's previous drawing time), total, charts left over.
 */
export const recentPasses: { charts: number; beforeLastMs: number; plannedMs: number; ms: number; left: number }[] = [];

const idleWaiters: (() => void)[] = [];

/** `frame` is the requested animation frame, -1 while a continuation task is queued, 0 when idle. */
const scheduler = {
  pending: new Set<ScheduledChart>(),
  frame: 0,
  schedule(chart: ScheduledChart): void {
    this.pending.add(chart);
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.flush());
  },
  flush(): void {
    if (this.frame > 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
    // Charts off screen stay dirty and are drawn when they scroll into view (see setVisible).
    const charts = [...this.pending].filter((c) => c.isVisible);
    this.pending.clear();
    const widths = charts.map((c) => c.measure());
    const started = performance.now();
    let drawn = 0;
    let beforeLast = 0;
    let planned = 0;
    for (; drawn < charts.length; drawn++) {
      const elapsed = performance.now() - started;
      // A chart is not started when its last drawing time would carry the pass past the budget (starting
      // any chart before the budget ran out let passes reach 12–18 ms); the first one always is.
      if (drawn > 0 && elapsed + charts[drawn].lastRenderMs > FRAME_BUDGET_MS) break;
      beforeLast = elapsed;
      planned = elapsed + charts[drawn].lastRenderMs;
      charts[drawn].render(widths[drawn]);
    }
    for (const chart of charts.slice(0, drawn)) chart.commitText();
    if (drawn > 0) recentPasses.push({ charts: drawn, beforeLastMs: beforeLast, plannedMs: planned, ms: performance.now() - started, left: charts.length - drawn });
    if (recentPasses.length > 50) recentPasses.shift();
    for (const c of charts.slice(drawn)) this.pending.add(c);
    // The rest in a task of its own right away (not a frame later: that would idle until the next vsync);
    // input and frames that fall due are handled in between.
    if (this.pending.size > 0) {
      this.frame = -1;
      continuation.port2.postMessage(null);
    }
    resolveIfIdle();
  },
};
const continuation = new MessageChannel();
continuation.port1.onmessage = () => {
  if (scheduler.frame === -1) scheduler.flush();
};

/** Charts created whose first visibility report has not come yet (they may be about to draw). */
const unseen = new Set<ScheduledChart>();

function isIdle(): boolean {
  return scheduler.pending.size === 0 && scheduler.frame === 0 && unseen.size === 0;
}

function resolveIfIdle(): void {
  if (isIdle()) for (const resolve of idleWaiters.splice(0)) resolve();
}

/** Resolves once every visible chart is drawn (tests and benchmarks wait for it). */
export function chartsIdle(): Promise<void> {
  if (isIdle()) return Promise.resolve();
  return new Promise((resolve) => idleWaiters.push(resolve));
}

const byElement = new WeakMap<Element, ScheduledChart>();
const visibility = new IntersectionObserver((entries) => {
  let any = false;
  for (const e of entries) {
    const chart = byElement.get(e.target);
    if (!chart) continue;
    unseen.delete(chart);
    chart.setVisible(e.isIntersecting);
    any ||= e.isIntersecting;
  }
  // Draw right away (this runs before paint) rather than a frame later.
  if (any) scheduler.flush();
  else resolveIfIdle();
});
const resizes = new ResizeObserver((entries) => {
  for (const e of entries) {
    const chart = byElement.get(e.target.parentElement ?? e.target);
    if (chart) chart.onResize(Math.round(e.contentRect.width));
  }
});

/** Draw `chart` in the next pass (starting one in the next animation frame when none is due). */
export function scheduleDraw(chart: ScheduledChart): void {
  scheduler.schedule(chart);
}

/** Draw `chart` in the pass about to run (a chart that just scrolled into view: the observer flushes next). */
export function drawInComingPass(chart: ScheduledChart): void {
  scheduler.pending.add(chart);
}

/** Watch a chart's visibility (`element`) and width (`area`, a child of `element`). */
export function observeChart(chart: ScheduledChart, element: HTMLElement, area: HTMLElement): void {
  byElement.set(element, chart);
  unseen.add(chart);
  visibility.observe(element);
  resizes.observe(area);
}

export function forgetChart(chart: ScheduledChart, element: HTMLElement, area: HTMLElement): void {
  visibility.unobserve(element);
  unseen.delete(chart);
  resizes.unobserve(area);
  scheduler.pending.delete(chart);
  resolveIfIdle();
}
