/**
 * Coalesces bursts of work into at most one run per interval: the first request after a quiet period
 * runs at once (the first live point shows without delay), later ones within the interval run together
 * at its end. Pure (no `vscode`), so the ≤ 4 updates a second promise is unit-tested.
 */
/** Live dashboard updates: ≤ 4 a second, however fast training logs. */
export const FLUSH_INTERVAL_MS = 250;

export class Throttle {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private last = -Infinity;
  private disposed = false;

  constructor(
    readonly intervalMs: number,
    private readonly run: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  request(): void {
    if (this.timer !== undefined || this.disposed) return;
    const wait = Math.max(0, this.last + this.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.last = this.now();
      this.run();
    }, wait);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
