/**
 * Coalesces bursts of work into at most one run per interval: the first request after a quiet period
 * runs at once (the first live point shows without delay), later ones within the interval run together
 * at its end. Pure (no `vscode`), with the clock and timer injectable, so the "≤ 4 updates a second"
 * promise is unit-tested deterministically.
 */

/** Live dashboard updates: ≤ 4 a second, however fast training logs. */
export const FLUSH_INTERVAL_MS = 250;

export interface Clock {
  now(): number;
  /** Run `fn` after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export class Throttle {
  private cancel: (() => void) | undefined;
  private last = -Infinity;
  private disposed = false;

  constructor(
    readonly intervalMs: number,
    private readonly run: () => void,
    private readonly clock: Clock = realClock,
  ) {}

  request(): void {
    if (this.cancel !== undefined || this.disposed) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.clock.now());
    this.cancel = this.clock.after(wait, () => {
      this.cancel = undefined;
      this.last = this.clock.now();
      this.run();
    });
  }

  dispose(): void {
    this.disposed = true;
    this.cancel?.();
    this.cancel = undefined;
  }
}
