/**
 * Task correlation matrices for the synthetic generator: checks, the blocks shorthand, and the Cholesky factor R = L·Lᵀ that turns
 * orthonormal directions u_1 … u_K into task directions w_k = c · Σ_j L_kj u_j with cos∠(w_i, w_j) = R_ij.
 * Pure (no tfjs): config checks in the extension host use it.
 */

/** What is wrong with `R` as a K × K correlation matrix (symmetric, unit diagonal, entries in [−1, 1], positive semidefinite), or undefined. */
export function correlationMatrixProblem(R: readonly (readonly number[])[], K: number): string | undefined {
  if (R.length !== K || R.some((row) => row.length !== K)) return `must be ${K} × ${K} (one row and column per task, in the order of tasks)`;
  for (let i = 0; i < K; i++) {
    if (R[i][i] !== 1) return `the diagonal must be 1 (row ${i + 1} has ${R[i][i]})`;
    for (let j = 0; j < K; j++) {
      if (!(Math.abs(R[i][j]) <= 1)) return `entries must lie in [−1, 1] (row ${i + 1}, column ${j + 1} is ${R[i][j]})`;
      if (R[i][j] !== R[j][i]) return `must be symmetric (row ${i + 1}, column ${j + 1} is ${R[i][j]}, row ${j + 1}, column ${i + 1} is ${R[j][i]})`;
    }
  }
  return choleskyFactor(R) ? undefined : 'is not positive semidefinite (no set of task directions has these correlations)';
}

/** Lower-triangular L with L·Lᵀ = R, or null when R is not positive semidefinite (zero pivots allowed: ρ = 1 rows). */
export function choleskyFactor(R: readonly (readonly number[])[]): number[][] | null {
  const K = R.length;
  const L = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let j = 0; j < K; j++) {
    let d = R[j][j];
    for (let k = 0; k < j; k++) d -= L[j][k] ** 2;
    if (d < -1e-9) return null;
    const pivot = Math.sqrt(Math.max(0, d));
    L[j][j] = pivot;
    for (let i = j + 1; i < K; i++) {
      let s = R[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (pivot > 1e-9) L[i][j] = s / pivot;
      else if (Math.abs(s) > 1e-6) return null;
    }
  }
  return L;
}

/**
 * Blocks of related tasks, the shorthand for a block-structured correlation matrix: tasks (named) in the same
 * block correlate `within`, every other pair (different blocks, or a task in no block) `between`.
 */
export interface CorrelationBlocks {
  blocks: readonly (readonly string[])[];
  within?: number;
  between?: number;
}

/** The defaults of `within` and `between`: related pairs as in the example, everything else unrelated. */
export const CORRELATION_BLOCK_DEFAULTS = { within: 0.9, between: 0 } as const;

/** Where each named task sits in `blocks`: the problems (unknown or repeated names, by their JSON path below `blocks`). */
export function correlationBlockProblems(blocks: readonly (readonly string[])[], taskNames: readonly string[]): { path: (string | number)[]; name: string; problem: 'unknown' | 'repeated'; first?: [number, number] }[] {
  const seen = new Map<string, [number, number]>();
  const problems: ReturnType<typeof correlationBlockProblems> = [];
  blocks.forEach((block, b) =>
    block.forEach((name, i) => {
      const path = ['blocks', b, i];
      if (!taskNames.includes(name)) problems.push({ path, name, problem: 'unknown' });
      else if (seen.has(name)) problems.push({ path, name, problem: 'repeated', first: seen.get(name) });
      else seen.set(name, [b, i]);
    }),
  );
  return problems;
}

/** The K × K matrix the blocks stand for, rows and columns in the order of `taskNames` (names assumed valid). */
export function blockCorrelationMatrix(spec: CorrelationBlocks, taskNames: readonly string[]): number[][] {
  const within = spec.within ?? CORRELATION_BLOCK_DEFAULTS.within;
  const between = spec.between ?? CORRELATION_BLOCK_DEFAULTS.between;
  const blockOf = new Map<string, number>();
  spec.blocks.forEach((block, b) => block.forEach((name) => blockOf.set(name, b)));
  return taskNames.map((a, i) =>
    taskNames.map((c, j) => {
      if (i === j) return 1;
      const ba = blockOf.get(a);
      return ba !== undefined && ba === blockOf.get(c) ? within : between;
    }),
  );
}
