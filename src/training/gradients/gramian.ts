/**
 * Gradient-combination methods work on the K×K Gramian G_ij = g_i · g_j of the per-task gradients of
 * the shared parameters. Each returns coefficients β with the update direction d = Σ_j β_j g_j, so the
 * choice happens in plain JS on G and the engine forms d once, whatever the number of parameters.
 */

export type Gramian = number[][];

export function gramOf(vectors: readonly (readonly number[])[]): Gramian {
  return vectors.map((a) => vectors.map((b) => dot(a, b)));
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** (G·x)_i */
export function gramTimes(G: Gramian, x: readonly number[]): number[] {
  return G.map((row) => dot(row, x));
}

/** xᵀ G y */
export function quadratic(G: Gramian, x: readonly number[], y: readonly number[] = x): number {
  return dot(x, gramTimes(G, y));
}

/** Σ_j β_j v_j for explicit vectors (tests and small problems). */
export function combine(beta: readonly number[], vectors: readonly (readonly number[])[]): number[] {
  const out = new Array(vectors[0].length).fill(0);
  beta.forEach((b, j) => vectors[j].forEach((v, k) => (out[k] += b * v)));
  return out;
}

/** Euclidean projection onto the probability simplex (sort-based, exact). */
export function projectToSimplex(v: readonly number[]): number[] {
  const u = [...v].sort((a, b) => b - a);
  let cumulative = 0;
  let theta = 0;
  for (let i = 0; i < u.length; i++) {
    cumulative += u[i];
    const t = (cumulative - 1) / (i + 1);
    if (u[i] - t > 0) theta = t;
  }
  return v.map((x) => Math.max(x - theta, 0));
}

/** Cosine matrix C_ij = G_ij / √(G_ii G_jj); 0 where a gradient vanishes. */
export function cosineFromGram(gram: Gramian): number[][] {
  return gram.map((row, i) =>
    row.map((v, j) => {
      const d = Math.sqrt(gram[i][i] * gram[j][j]);
      return d > 0 ? Math.max(-1, Math.min(1, v / d)) : 0;
    }),
  );
}

/**
 * Minimises a convex function over the probability simplex: projected gradient descent with
 * backtracking and a growing step (K is small, so this is cheap and converges tightly).
 */
export function minimizeOnSimplex(f: (w: number[]) => number, gradient: (w: number[]) => number[], start: number[], iterations = 2000): number[] {
  let w = projectToSimplex(start);
  let fw = f(w);
  let step = 1;
  for (let it = 0; it < iterations; it++) {
    const g = gradient(w);
    let improved = false;
    for (let tries = 0; tries < 60; tries++) {
      const candidate = projectToSimplex(w.map((x, i) => x - step * g[i]));
      const fc = f(candidate);
      if (fc < fw) {
        const moved = candidate.reduce((s, x, i) => s + Math.abs(x - w[i]), 0);
        w = candidate;
        fw = fc;
        improved = true;
        step *= 2;
        if (moved < 1e-14) return w;
        break;
      }
      step /= 2;
    }
    if (!improved) break;
  }
  return w;
}
