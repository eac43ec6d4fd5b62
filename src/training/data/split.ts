/**
 * Train / validation splits shared by every data source.
 *
 * The rows are shuffled with `rngFor(seed, 'split')` and the last `validationSplit` fraction goes to
 * validation, so the split depends only on the seed and the row count: the same config always gives
 * the same split, and changing the model or the training settings never moves a row between splits.
 */
import { rngFor } from '../random/rng';

/**
 * Number of validation rows for `n` rows: `round(n · validationSplit)`, but always leaving at least one
 * training row. A single row therefore always trains (with an empty validation split) instead of
 * failing: a tiny file is a legitimate smoke test, and an empty validation split is already a normal
 * case (`validationSplit: 0`) that the trainer has to handle.
 */
export function validationCount(n: number, validationSplit: number): number {
  if (n <= 1 || !(validationSplit > 0)) return 0;
  return Math.min(Math.round(n * validationSplit), n - 1);
}

export interface SplitIndices {
  /** Row indices of the training split, in shuffled order. */
  train: Int32Array;
  /** Row indices of the validation split, in shuffled order. */
  validation: Int32Array;
}

/** Shuffles `0 … n−1` with the seed's `split` stream and cuts off the validation rows at the end. */
export function splitIndices(n: number, validationSplit: number, seed: number): SplitIndices {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  rngFor(seed, 'split').shuffle(order);
  const nTrain = n - validationCount(n, validationSplit);
  return { train: order.slice(0, nTrain), validation: order.slice(nTrain) };
}
