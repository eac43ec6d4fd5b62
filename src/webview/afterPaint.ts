/**
 * Work the first paint of the charts need not wait for: the text cards below the charts (the comparison
 * table, the Pareto view, the diagnostics) and the long option lists of pickers. A study of 100 runs spent
 * about 150 ms of its first render building and laying out these before any chart could be drawn. Queued
 * work runs in a task of its own once every visible chart is drawn and a frame has gone by (so that frame,
 * with the charts, is painted first); `afterPaintSettled` tells when it has run (tests and the benchmark).
 */
import { chartsIdle } from './chart/scheduler';

/** Queued work by key: a later request for the same key replaces the earlier one (it renders the latest data). */
const queued = new Map<string, () => void>();
let due = false;
const settledWaiters: (() => void)[] = [];
const channel = new MessageChannel();

channel.port1.onmessage = () => {
  due = false;
  const work = [...queued.values()];
  queued.clear();
  for (const w of work) {
    try {
      w();
    } catch (error) {
      // Reported as an uncaught error, without keeping the rest of the queue from running.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
  // Work may have queued more (it runs after the charts it scheduled, in turn).
  if (queued.size === 0) for (const resolve of settledWaiters.splice(0)) resolve();
};

/** Run `work` after the charts' next drawing passes and their paint (replacing work queued under `key`). */
export function afterPaint(key: string, work: () => void): void {
  queued.set(key, work);
  if (due) return;
  due = true;
  void chartsIdle().then(() => requestAnimationFrame(() => channel.port2.postMessage(null)));
}

/** Resolves once no work is queued (at once when none is). */
export function afterPaintSettled(): Promise<void> {
  if (queued.size === 0) return Promise.resolve();
  return new Promise((resolve) => settledWaiters.push(resolve));
}
