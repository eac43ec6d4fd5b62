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

export interface TTestResult {
  /** mean(d) / (sd(d) / √n). */
  t: number;
  /** n − 1. */
  df: number;
  /** Two-sided p value. */
  p: number;
}

/**
 * The paired t test, two-sided: is the mean of per-pair differences `d` zero? A study's runs and baselines
 * are pairs (same seed, same data), so the seed-to-seed spread of the data cancels; it works from two pairs
 * (three seeds give df = 2). Undefined for fewer than two pairs; constant differences give p = 0 (or 1 when 0).
 */
export function pairedTTest(d: readonly number[]): TTestResult | undefined {
  const ms = meanStd(d);
  if (!ms || ms.std === undefined) return undefined;
  const df = ms.n - 1;
  if (ms.std === 0) return { t: ms.mean === 0 ? 0 : Math.sign(ms.mean) * Infinity, df, p: ms.mean === 0 ? 1 : 0 };
  const t = ms.mean / (ms.std / Math.sqrt(ms.n));
  return { t, df, p: studentTwoSidedP(t, df) };
}

/** P(|T| ≥ |t|) for Student's t with df degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). */
export function studentTwoSidedP(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return regularizedBeta(df / (df + t * t), df / 2, 0.5);
}

/** ln Γ(x) (Lanczos, g = 7, n = 9; ~15 significant digits for x > 0). */
function logGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < 9; i++) sum += c[i] / (z + i);
  const w = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(w) - w + Math.log(sum);
}

/** The regularised incomplete beta function I_x(a, b), by its continued fraction (modified Lentz). */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - regularizedBeta(1 - x, b, a);
  const front = Math.exp(a * Math.log(x) + b * Math.log(1 - x) - (logGamma(a) + logGamma(b) - logGamma(a + b))) / a;
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = Math.floor(i / 2);
    let numerator: number;
    if (i === 0) numerator = 1;
    else if (i % 2 === 0) numerator = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    else numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + numerator * d;
    if (Math.abs(d) < tiny) d = tiny;
    d = 1 / d;
    c = 1 + numerator / c;
    if (Math.abs(c) < tiny) c = tiny;
    const step = c * d;
    f *= step;
    if (Math.abs(1 - step) < 1e-14) return front * (f - 1);
  }
  return front * (f - 1);
}
