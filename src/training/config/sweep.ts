/**
 * Sweeps: an experiment's optional `sweep` section maps config paths (the `--set` syntax) to the values
 * to try; the sweep is every combination (a grid), each trained as an ordinary run with those values
 * as overrides. The first key varies slowest, so runs come out grouped by it.
 *
 *   "sweep": { "loss.weighting": ["equal", "gradnorm"], "seed": [1, 2, 3] }   → 6 runs
 */
import { parseOverridePath } from './overrides';

/** More combinations than this is almost certainly a typo, and would flood the runs list. */
export const MAX_SWEEP_RUNS = 256;

export interface SweepPoint {
  /** `path=value` overrides (JSON values), in the section's key order. */
  overrides: string[];
  /** The same as `path = value` pairs for people: "loss.weighting = gradnorm, seed = 2". */
  label: string;
  /** Which value of each key (in the section's key order). */
  indices: number[];
}

export type SweepSection = Record<string, readonly unknown[]>;

/** How many runs a sweep section makes. */
export function sweepSize(sweep: SweepSection): number {
  return Object.values(sweep).reduce((n, values) => n * values.length, 1);
}

/** Every combination of the section's values, the first key varying slowest. */
export function sweepPoints(sweep: SweepSection): SweepPoint[] {
  const keys = Object.keys(sweep);
  if (keys.length === 0) return [];
  const points: SweepPoint[] = [];
  const index = new Array<number>(keys.length).fill(0);
  const total = sweepSize(sweep);
  for (let n = 0; n < total; n++) {
    const values = keys.map((k, i) => sweep[k][index[i]]);
    points.push({
      indices: [...index],
      overrides: keys.map((k, i) => `${k}=${JSON.stringify(values[i])}`),
      label: keys.map((k, i) => `${k} = ${typeof values[i] === 'string' ? values[i] : JSON.stringify(values[i])}`).join(', '),
    });
    // Odometer: the last key turns fastest.
    for (let i = keys.length - 1; i >= 0; i--) {
      index[i]++;
      if (index[i] < sweep[keys[i]].length) break;
      index[i] = 0;
    }
  }
  return points;
}

/** Why a sweep key is not a usable path, or undefined when it is. */
export function sweepKeyProblem(key: string): string | undefined {
  if (key === 'sweep' || key.startsWith('sweep.') || key.startsWith('sweep[')) return 'a sweep cannot sweep itself';
  const parsed = parseOverridePath(key);
  return typeof parsed === 'string' ? `not a config path: ${parsed}` : undefined;
}
