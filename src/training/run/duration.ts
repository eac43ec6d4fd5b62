/**
 * How MTL Lab writes a duration (a run's time in the tree, ETAs in the dashboard and the CLI, relative-time
 * ticks): "42s", "3m 05s", "1h 02m". Pure (no Node modules): the webview bundle uses it too.
 */

/** Seconds → "42s", "3m 05s", "1h 02m"; "—" for a negative or non-finite value. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}
