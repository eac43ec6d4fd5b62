/**
 * Suggested task groupings from an inter-task affinity matrix, as Task Affinity Grouping's network selection
 * (Fifty et al. 2021): choose at most B groups of tasks (one network each); each task is served by the chosen group
 * that helps it most, and a grouping's predicted score is the sum over tasks of that help:
 *
 *   aff(G → j) = (1 / (|G| − 1)) · Σ_{i ∈ G, i ≠ j} Z(i→j)     (0 for a group of j alone: a single-task network)
 *   score(S) = Σ_j max_{G ∈ S, j ∈ G} aff(G → j)
 *
 * Groups may overlap, as in TAG: a task can be trained in a second group because it helps that group's other
 * tasks, while its own predictions come from the group that helps it most; forbidding overlap would lose such
 * groupings, and with overlap allowed a larger budget B never scores lower.
 *
 * Exact for up to 12 tasks. Every selection is a set of "serving" blocks (the tasks each chosen group serves)
 * that partition the tasks, each served by its best superset group, so the search is a dynamic programme over
 * subsets: h(T) = max_{G ⊇ T} Σ_{j ∈ T} aff(G → j), then f_b(S) = max over blocks T ∋ min(S) of h(T) + f_{b−1}(S \ T):
 * O(K · 3^K). Ties go to fewer groups, then smaller groups, then the first in task order.
 *
 * Pure and free of tfjs: the CLI, the extension host and the dashboard import it.
 */

export const MAX_GROUPING_TASKS = 12;

export interface Grouping {
  /** The budget B this grouping was searched for (it may use fewer groups). */
  budget: number;
  /** The chosen groups, task names in the matrix's order; groups in order of their first task. */
  groups: string[][];
  /** Predicted score: Σ_j aff(serving group → j). */
  score: number;
  /** For each task, the index in `groups` of the group that serves it. */
  servedBy: Record<string, number>;
}

const EPS = 1e-12;

function popcount(mask: number): number {
  let n = 0;
  for (let m = mask; m; m &= m - 1) n++;
  return n;
}

const lowBit = (mask: number) => 31 - Math.clz32(mask & -mask);

/** aff(G → j) for every group mask G and task j (row-major, K per group). */
function groupAffinities(Z: readonly (readonly number[])[]): Float64Array {
  const K = Z.length;
  const sums = new Float64Array((1 << K) * K);
  const out = new Float64Array((1 << K) * K);
  for (let G = 1; G < 1 << K; G++) {
    const low = lowBit(G);
    const rest = G & (G - 1);
    const size = popcount(G);
    for (let j = 0; j < K; j++) {
      sums[G * K + j] = sums[rest * K + j] + (low !== j ? Z[low][j] : 0);
      out[G * K + j] = size > 1 ? sums[G * K + j] / (size - 1) : 0;
    }
  }
  return out;
}

/** aff(G → j) of a group given as task indices. */
export function groupAffinity(Z: readonly (readonly number[])[], group: readonly number[], j: number): number {
  const others = group.filter((i) => i !== j);
  return others.length ? others.reduce((s, i) => s + Z[i][j], 0) / others.length : 0;
}

/** score(S) of a selection of groups (task indices); −∞ when a task is in no group. */
export function selectionScore(Z: readonly (readonly number[])[], groups: readonly (readonly number[])[]): number {
  let total = 0;
  for (let j = 0; j < Z.length; j++) {
    const serving = groups.filter((g) => g.includes(j)).map((g) => groupAffinity(Z, g, j));
    if (!serving.length) return -Infinity;
    total += Math.max(...serving);
  }
  return total;
}

/** The best grouping for every budget B = 1 … K. Throws for more than 12 tasks or a matrix that is not K × K and finite. */
export function suggestGroupings(tasks: readonly string[], Z: readonly (readonly number[])[]): Grouping[] {
  const K = tasks.length;
  if (K < 1 || K > MAX_GROUPING_TASKS) throw new RangeError(`grouping search: ${K} tasks (exhaustive search handles 1 to ${MAX_GROUPING_TASKS})`);
  if (Z.length !== K || Z.some((r) => r.length !== K || r.some((v) => !Number.isFinite(v)))) throw new RangeError(`grouping search: the affinity matrix must be ${K} × ${K} and finite`);
  const full = (1 << K) - 1;
  const aff = groupAffinities(Z);
  // h(T) and the group G ⊇ T that achieves it.
  const h = new Float64Array(1 << K).fill(-Infinity);
  const hGroup = new Int32Array(1 << K);
  const partial = new Float64Array(1 << K);
  for (let G = 1; G <= full; G++) {
    const size = popcount(G);
    // Submasks T of G in increasing order, so T without its lowest task is already summed.
    for (let T = G & -G; T; T = ((T | ~G) + 1) & G) {
      partial[T] = partial[T & (T - 1)] + aff[G * K + lowBit(T)];
      const better = partial[T] > h[T] + EPS || (Math.abs(partial[T] - h[T]) <= EPS && size < popcount(hGroup[T]));
      if (better) {
        h[T] = partial[T];
        hGroup[T] = G;
      }
    }
  }
  // f_b(S): the best score serving S with at most b blocks; choice = the block holding min(S) (0: fewer blocks).
  let previous = Float64Array.from(h);
  const choices: Int32Array[] = [Int32Array.from({ length: 1 << K }, (_, S) => S)];
  const results: Grouping[] = [toGrouping(1, full, choices, hGroup, tasks, previous[full])];
  for (let b = 2; b <= K; b++) {
    const f = Float64Array.from(previous);
    const choice = new Int32Array(1 << K);
    for (let S = 1; S <= full; S++) {
      const low = S & -S;
      const rest = S ^ low;
      // Blocks T = low ∪ (a proper submask of rest), T ≠ S.
      for (let R = (rest - 1) & rest; ; R = (R - 1) & rest) {
        const T = low | R;
        if (T !== S) {
          const value = h[T] + previous[S ^ T];
          if (value > f[S] + EPS) {
            f[S] = value;
            choice[S] = T;
          }
        }
        if (R === 0) break;
      }
    }
    choices.push(choice);
    previous = f;
    results.push(toGrouping(b, full, choices, hGroup, tasks, f[full]));
  }
  return results;
}

/** Unwinds the blocks of the budget-`budget` optimum into distinct groups. */
function toGrouping(budget: number, full: number, choices: Int32Array[], hGroup: Int32Array, tasks: readonly string[], score: number): Grouping {
  const blocks: number[] = [];
  let S = full;
  for (let b = budget; S && b >= 1; b--) {
    const T = b === 1 ? S : choices[b - 1][S];
    if (T === 0) continue;
    blocks.push(T);
    S ^= T;
  }
  const groupMasks = [...new Set(blocks.map((T) => hGroup[T]))].sort((a, b) => lowBit(a) - lowBit(b) || a - b);
  const members = (mask: number) => tasks.filter((_, i) => mask & (1 << i));
  const servedBy: Record<string, number> = {};
  for (const T of blocks) for (const name of members(T)) servedBy[name] = groupMasks.indexOf(hGroup[T]);
  return { budget, groups: groupMasks.map(members), score, servedBy };
}
