/**
 * Statistics over seeds, pure (the dashboard bundle uses them too): mean ± sample standard deviation.
 */
export interface MeanStd {
  mean: number;
  /** Sample standard deviation (n − 1); undefined for a single value. */
  std?: number;
  n: number;
}

export function meanStd(values: readonly number[]): MeanStd | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, n };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance), n };
}

/** "+3.21 ± 0.40 % (n = 3)", "+3.21 % (n = 1)". */
export function formatMeanStd(ms: MeanStd | undefined, options: { unit?: string; signed?: boolean; digits?: number } = {}): string {
  if (!ms) return '—';
  const { unit = '', signed = false, digits = 2 } = options;
  const sign = signed && ms.mean > 0 ? '+' : '';
  const std = ms.std !== undefined ? ` ± ${ms.std.toFixed(digits)}` : '';
  return `${sign}${ms.mean.toFixed(digits)}${std}${unit} (n = ${ms.n})`;
}
