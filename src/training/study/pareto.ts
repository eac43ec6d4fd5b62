/**
 * The Pareto front of runs (or groups) over their task metrics: a point is on the front when no other point is
 * at least as good on every task and better on one. Equal points do not dominate each other, so ties stay on the
 * front together. Pure: the study report names the front (report.ts); a dashboard Pareto card would draw it.
 */
export interface ParetoPoint {
  id: string;
  /** One value per objective (task metric), in the same order for every point. */
  values: readonly number[];
}

/** Whether `a` dominates `b`; `higherIsBetter[k]` orients objective k. */
export function dominates(a: readonly number[], b: readonly number[], higherIsBetter: readonly boolean[]): boolean {
  let better = false;
  for (let k = 0; k < a.length; k++) {
    const d = higherIsBetter[k] ? a[k] - b[k] : b[k] - a[k];
    if (d < 0) return false;
    if (d > 0) better = true;
  }
  return better;
}

/** The ids of the non-dominated points, in input order. Points with a non-finite value take no part. */
export function paretoFront(points: readonly ParetoPoint[], higherIsBetter: readonly boolean[]): string[] {
  const finite = points.filter((p) => p.values.length === higherIsBetter.length && p.values.every(Number.isFinite));
  return finite.filter((p) => !finite.some((q) => q !== p && dominates(q.values, p.values, higherIsBetter))).map((p) => p.id);
}
