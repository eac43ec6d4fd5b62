/**
 * Which training rows go into which batch.
 *
 * Every epoch's batches are a pure function of (seed, epoch): they come from `rngFor(seed, 'order',
 * epoch)` alone, so a resumed run only needs the epoch and the index of the next batch to continue
 * exactly where it stopped.
 *
 * - "proportional": a shuffled permutation of all training rows, cut into batches. Every row once per
 *   epoch, so each task is seen in proportion to how many labels it has.
 * - "temperature": each slot of a batch first draws a task k with probability p_k ∝ n_k^(1/T) (n_k =
 *   training rows labelled for k), then a uniformly random row labelled for k, with replacement. T = 1
 *   is proportional in expectation, larger T flattens towards uniform.
 * - "uniform": the limit T → ∞, p_k = 1/K.
 * Both task-sampled modes take as many steps per epoch as proportional, so epochs mean the same
 * amount of training whatever the sampling. The drawn row still carries its labels for the other
 * tasks it is labelled for; the draw only decides which task's labels the row was picked for.
 */
import type { TrainingConfig } from '../config/schema';
import { rngFor } from '../random/rng';
import type { ResolvedTask, Split } from './dataset';

export const DEFAULT_SAMPLING_TEMPERATURE = 2;

export class BatchSampler {
  readonly size: number;
  readonly batchSize: number;
  readonly stepsPerEpoch: number;
  readonly sampling: TrainingConfig['sampling'];
  /** Tasks in `tasks` order and their sampling probabilities (proportional: labelled share, for display). */
  readonly taskNames: string[];
  readonly taskProbabilities: number[];
  /** Training rows labelled for each task. */
  private readonly labelledRows: Int32Array[];
  /** Cumulative task probabilities, for drawing a task with one uniform number. */
  private readonly cumulative: Float64Array;
  /** The last task with a non-zero probability (where a draw ends if rounding leaves Σp a hair below 1). */
  private readonly lastDrawable: number;

  constructor(
    train: Split,
    tasks: readonly ResolvedTask[],
    training: Pick<TrainingConfig, 'batchSize' | 'sampling' | 'samplingTemperature'>,
    private readonly seed: number,
  ) {
    if (!Number.isInteger(training.batchSize) || training.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${training.batchSize}`);
    this.size = train.size;
    this.batchSize = training.batchSize;
    this.sampling = training.sampling;
    this.stepsPerEpoch = Math.ceil(train.size / training.batchSize);
    this.taskNames = tasks.map((t) => t.name);

    this.labelledRows = tasks.map((task) => {
      const labels = train.labels[task.name];
      if (!labels) throw new Error(`the training split has no labels for task "${task.name}"`);
      const rows: number[] = [];
      for (let r = 0; r < train.size; r++) if (labels.mask[r]) rows.push(r);
      return Int32Array.from(rows);
    });
    const counts = this.labelledRows.map((rows) => rows.length);

    let exponent: number;
    if (training.sampling === 'uniform') exponent = 0;
    else if (training.sampling === 'temperature') {
      const temperature = training.samplingTemperature ?? DEFAULT_SAMPLING_TEMPERATURE;
      if (!(temperature > 0)) throw new RangeError(`samplingTemperature must be > 0, got ${temperature}`);
      exponent = 1 / temperature;
    } else exponent = 1;
    // A task without labelled rows cannot be drawn (its weight is 0 even for "uniform").
    const weights = counts.map((n) => (n > 0 ? n ** exponent : 0));
    const total = weights.reduce((a, b) => a + b, 0);
    this.taskProbabilities = weights.map((w) => (total > 0 ? w / total : 0));
    this.cumulative = new Float64Array(weights.length);
    let acc = 0;
    this.taskProbabilities.forEach((p, k) => {
      acc += p;
      this.cumulative[k] = acc;
    });
    this.lastDrawable = this.taskProbabilities.reduce((last, p, k) => (p > 0 ? k : last), 0);
    if (training.sampling !== 'proportional' && train.size > 0 && total === 0) {
      throw new Error('no task has a labelled training row to sample from');
    }
  }

  /** The row-index batches of one epoch (each `batchSize` long, the last possibly shorter). */
  batchesForEpoch(epoch: number): Int32Array[] {
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be a non-negative integer, got ${epoch}`);
    const rng = rngFor(this.seed, 'order', epoch);
    const order = new Int32Array(this.size);
    if (this.sampling === 'proportional') {
      for (let i = 0; i < this.size; i++) order[i] = i;
      rng.shuffle(order);
    } else {
      const last = this.lastDrawable;
      for (let i = 0; i < this.size; i++) {
        const u = rng.uniform();
        let k = 0;
        // K is small (≤ 64): a linear scan beats a binary search. Zero-probability tasks are skipped.
        while (k < last && (u >= this.cumulative[k] || this.taskProbabilities[k] === 0)) k++;
        const rows = this.labelledRows[k];
        order[i] = rows[rng.int(rows.length)];
      }
    }
    const batches: Int32Array[] = [];
    for (let start = 0; start < this.size; start += this.batchSize) batches.push(order.subarray(start, Math.min(start + this.batchSize, this.size)));
    return batches;
  }
}
