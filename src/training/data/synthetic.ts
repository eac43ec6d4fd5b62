/**
 * Synthetic tasks with controlled relatedness: the MMoE recipe (Ma et al. 2018, keras-mmoe), as
 * docs/methods.md states it, generalised to K tasks.
 *
 *   u_1 … u_K   orthonormal in R^d (Gram–Schmidt of Gaussian vectors)
 *   w_1 = c·u_1,   w_k = c·(ρ·u_1 + √(1−ρ²)·u_k)  for k ≥ 2,   c = 0.3
 *   x ~ N(0, I_d)
 *   y_k = w_kᵀx + Σ_{j=1..m} sin(α_j·w_kᵀx + β_j) + ε_k,   m = 5,  α_j, β_j ~ N(0, 1),  ε_k ~ N(0, noise²)
 *
 * Why this K-task generalisation ("a star around task 1"): for K = 2 it is exactly the published
 * recipe, and every task is a ρ-mixture of the same shared direction u_1, so corr(w_1ᵀx, w_kᵀx) = ρ and
 * corr(w_jᵀx, w_kᵀx) = ρ² for j ≠ k ≥ 2 (because x is isotropic, corr(aᵀx, bᵀx) = cos∠(a, b)). It works for
 * any ρ in [−1, 1] (an equicorrelated design, w_k = c·(√ρ·u_0 + √(1−ρ)·u_k), would need ρ ≥ 0) and ρ = 1
 * still makes all tasks identical up to noise. It needs K ≤ d basis vectors.
 *
 * α and β are shared by all tasks (as in the paper and keras-mmoe): the tasks differ only through w_k,
 * so ρ alone controls how related they are.
 *
 * Regression targets are left exactly as generated (no standardisation): their scale is part of the
 * recipe (Var(w_kᵀx) = c² = 0.09, so y is O(1) already) and experiments about loss scale, such as the
 * learned-softmax collapse, must see the scale they configured. Classification tasks bucket y_k into
 * `classes` equal-frequency classes, with thresholds at the quantiles of the *training* split so that
 * nothing about the validation rows leaks into the labels' definition.
 *
 * Every random stream has its own purpose (`mmoe-basis`, `mmoe-sin`, `mmoe-x`, `mmoe-noise`/k), so e.g.
 * asking for more samples keeps the first rows, the basis and the sine parameters unchanged.
 */
import type { ExperimentConfig } from '../config/schema';
import { rngFor } from '../random/rng';
import { DataError, type Dataset, type ResolvedTask, type Split, type TaskLabels } from './dataset';
import { splitIndices } from './split';
import { blockCorrelationMatrix, choleskyFactor } from './correlation';

/** The recipe's scale c of the task weight vectors. */
export const MMOE_SCALE = 0.3;
/** The recipe's number m of sine terms. */
export const MMOE_SIN_TERMS = 5;

export const SYNTHETIC_DEFAULTS = {
  samples: 12000,
  inputDim: 100,
  correlation: 0.8,
  noise: 0.1,
  validationSplit: 0.2,
} as const;

export interface MmoeOptions {
  samples: number;
  inputDim: number;
  /** Number of tasks K (≤ inputDim). */
  tasks: number;
  /** ρ in [−1, 1] (every task ρ with the first), or a K × K correlation matrix of the tasks' linear parts. */
  correlation: number | readonly (readonly number[])[];
  /** Standard deviation of ε. */
  noise: number;
  seed: number;
}

export interface MmoeData {
  /** `samples × inputDim`, row-major. */
  x: Float32Array;
  /** y_k per task, before any bucketing. */
  targets: Float64Array[];
  /** The linear parts w_kᵀx per task (computed from the float32 x the model sees). */
  linear: Float64Array[];
  /** w_k per task. */
  weights: Float64Array[];
  /** The orthonormal basis u_1 … u_K. */
  basis: Float64Array[];
  /** The shared sine parameters α_j, β_j. */
  alpha: Float64Array;
  beta: Float64Array;
}

/** K orthonormal vectors in R^d: modified Gram–Schmidt of standard normal draws. */
export function orthonormalBasis(count: number, dim: number, seed: number): Float64Array[] {
  if (count > dim) throw new RangeError(`cannot build ${count} orthonormal vectors in ${dim} dimensions`);
  const rng = rngFor(seed, 'mmoe-basis');
  const basis: Float64Array[] = [];
  while (basis.length < count) {
    const v = new Float64Array(dim);
    for (let j = 0; j < dim; j++) v[j] = rng.normal();
    for (const u of basis) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += v[j] * u[j];
      for (let j = 0; j < dim; j++) v[j] -= dot * u[j];
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += v[j] * v[j];
    norm = Math.sqrt(norm);
    // A draw (almost) inside the span of the previous vectors would amplify rounding error; draw again.
    // With Gaussian draws this has probability zero, but the loop costs nothing.
    if (norm < 1e-8) continue;
    for (let j = 0; j < dim; j++) v[j] /= norm;
    basis.push(v);
  }
  return basis;
}

export function generateMmoe(options: MmoeOptions): MmoeData {
  const { samples: n, inputDim: d, tasks: K, correlation: rho, noise, seed } = options;
  const basis = orthonormalBasis(K, d, seed);
  const weights = typeof rho === 'number' ? starWeights(basis, rho) : matrixWeights(basis, rho);

  const sinRng = rngFor(seed, 'mmoe-sin');
  const alpha = new Float64Array(MMOE_SIN_TERMS);
  const beta = new Float64Array(MMOE_SIN_TERMS);
  for (let j = 0; j < MMOE_SIN_TERMS; j++) {
    alpha[j] = sinRng.normal();
    beta[j] = sinRng.normal();
  }

  const x = new Float32Array(n * d);
  const linear = weights.map(() => new Float64Array(n));
  const xRng = rngFor(seed, 'mmoe-x');
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const offset = i * d;
    for (let j = 0; j < d; j++) {
      // Round to float32 first so that the linear part is exactly that of the inputs the model sees.
      const v = Math.fround(xRng.normal());
      x[offset + j] = v;
      row[j] = v;
    }
    for (let k = 0; k < K; k++) {
      const w = weights[k];
      let dot = 0;
      for (let j = 0; j < d; j++) dot += w[j] * row[j];
      linear[k][i] = dot;
    }
  }

  const targets = linear.map((lin, k) => {
    const noiseRng = rngFor(seed, 'mmoe-noise', k);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let v = lin[i];
      for (let j = 0; j < MMOE_SIN_TERMS; j++) v += Math.sin(alpha[j] * lin[i] + beta[j]);
      y[i] = v + noise * noiseRng.normal();
    }
    return y;
  });

  return { x, targets, linear, weights, basis, alpha, beta };
}

/** The recipe's directions: w_1 = c·u_1, w_k = c·(ρ·u_1 + √(1−ρ²)·u_k). */
function starWeights(basis: Float64Array[], rho: number): Float64Array[] {
  const sideScale = Math.sqrt(Math.max(0, 1 - rho * rho));
  return basis.map((u, k) => u.map((v, j) => (k === 0 ? MMOE_SCALE * v : MMOE_SCALE * (rho * basis[0][j] + sideScale * v))));
}

/**
 * Directions with a given correlation matrix R: w_k = c·Σ_j L_kj u_j with R = L·Lᵀ (Cholesky), so that
 * cos∠(w_i, w_j) = (L·Lᵀ)_ij = R_ij and, x being isotropic, corr(w_iᵀx, w_jᵀx) = R_ij.
 */
function matrixWeights(basis: Float64Array[], R: readonly (readonly number[])[]): Float64Array[] {
  const L = choleskyFactor(R);
  if (!L || R.length !== basis.length) throw new DataError(`data.correlation: not a ${basis.length} × ${basis.length} correlation matrix`, { configPath: ['data', 'correlation'] });
  return L.map((row) => {
    const w = new Float64Array(basis[0].length);
    row.forEach((l, j) => {
      if (l !== 0) for (let n = 0; n < w.length; n++) w[n] += MMOE_SCALE * l * basis[j][n];
    });
    return w;
  });
}

/**
 * Equal-frequency class thresholds from the values at `trainRows`: `classes − 1` ascending cut points
 * such that each class gets ⌊n/C⌋ or ⌈n/C⌉ of the training values (for distinct values).
 */
export function quantileThresholds(values: ArrayLike<number>, trainRows: ArrayLike<number>, classes: number): Float64Array {
  const sorted = new Float64Array(trainRows.length);
  for (let i = 0; i < trainRows.length; i++) sorted[i] = values[trainRows[i]];
  sorted.sort();
  const n = sorted.length;
  const thresholds = new Float64Array(classes - 1);
  for (let c = 1; c < classes; c++) thresholds[c - 1] = n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor((c * n) / classes))];
  return thresholds;
}

/** The class of `value`: the number of thresholds ≤ value (binary search). */
export function bucketOf(value: number, thresholds: Float64Array): number {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (thresholds[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The tasks of a synthetic data set as the trainer sees them. Classification needs `classes` here:
 * there is no data file to infer it from.
 */
export function resolveSyntheticTasks(config: ExperimentConfig): ResolvedTask[] {
  return config.tasks.map((task, i) => {
    if (task.type === 'classification') {
      if (task.classes === undefined) {
        throw new DataError(`tasks[${i}].classes: required for synthetic data (task "${task.name}" is a classification task; say how many classes it has)`, {
          configPath: ['tasks', i],
        });
      }
      return { name: task.name, type: task.type, outputs: task.classes, classes: task.classes };
    }
    if (task.type === 'multilabel') throw new DataError(`tasks[${i}].type: a "multilabel" task needs a data file (data.source "csv" or "jsonl")`, { configPath: ['tasks', i, 'type'] });
    return { name: task.name, type: task.type, outputs: 1 };
  });
}

/** Copies the given rows of a row-major matrix. */
export function gatherRows(x: Float32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) out.set(x.subarray(rows[i] * width, rows[i] * width + width), i * width);
  return out;
}

function fullMask(size: number): Uint8Array {
  return new Uint8Array(size).fill(1);
}

export function loadMmoeDataset(config: ExperimentConfig): Dataset {
  const data = config.data;
  const samples = data.samples ?? SYNTHETIC_DEFAULTS.samples;
  const inputDim = data.inputDim ?? SYNTHETIC_DEFAULTS.inputDim;
  const written = data.correlation ?? SYNTHETIC_DEFAULTS.correlation;
  const noise = data.noise ?? SYNTHETIC_DEFAULTS.noise;
  const validationSplit = data.validationSplit ?? SYNTHETIC_DEFAULTS.validationSplit;
  const tasks = resolveSyntheticTasks(config);
  if (tasks.length > inputDim) {
    throw new DataError(`data.inputDim: the mmoe generator needs at least one input dimension per task (${tasks.length} tasks, inputDim ${inputDim})`, {
      configPath: ['data', 'inputDim'],
    });
  }

  // Blocks are a shorthand: the generator sees the matrix they stand for, so the same matrix gives the same data.
  const correlation = typeof written === 'number' || Array.isArray(written) ? written : blockCorrelationMatrix(written, tasks.map((t) => t.name));
  const generated = generateMmoe({ samples, inputDim, tasks: tasks.length, correlation, noise, seed: config.seed });
  const rows = splitIndices(samples, validationSplit, config.seed);

  const makeSplit = (indices: Int32Array): Split => ({ size: indices.length, x: gatherRows(generated.x, inputDim, indices), labels: {} });
  const train = makeSplit(rows.train);
  const validation = makeSplit(rows.validation);
  tasks.forEach((task, k) => {
    const y = generated.targets[k];
    const thresholds = task.type === 'classification' ? quantileThresholds(y, rows.train, task.outputs) : null;
    const labelsFor = (indices: Int32Array): TaskLabels => {
      const values = new Float32Array(indices.length);
      for (let i = 0; i < indices.length; i++) values[i] = thresholds ? bucketOf(y[indices[i]], thresholds) : y[indices[i]];
      return { values, mask: fullMask(indices.length) };
    };
    train.labels[task.name] = labelsFor(rows.train);
    validation.labels[task.name] = labelsFor(rows.validation);
  });

  return {
    inputDim,
    featureNames: Array.from({ length: inputDim }, (_, j) => `x${j + 1}`),
    tasks,
    train,
    validation,
    trainForEpoch: () => train,
    describe: `synthetic mmoe ρ=${typeof written === 'number' ? written : JSON.stringify(written)}, noise ${noise}, ${samples} samples × ${inputDim} inputs (${train.size} train, ${validation.size} validation)`,
  };
}
