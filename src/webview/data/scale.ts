/** A plot axis: values onto pixels (pure; the Pareto card and the report's figures share it). */

/** A linear scale over the values, padded by 8 % (a flat range gets ± 5 %). */
export function linearScale(values: readonly number[], from: number, to: number): { at: (v: number) => number; lo: number; hi: number } {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) [lo, hi] = [lo - (Math.abs(lo) || 1) * 0.05, hi + (Math.abs(hi) || 1) * 0.05];
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  return { at: (v) => from + ((v - lo) / (hi - lo)) * (to - from), lo, hi };
}
