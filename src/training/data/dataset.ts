/**
 * What the data layer hands to the trainer: dense float features and, per task, labels with a mask.
 * A sample without a label for task k (mask 0) contributes nothing to task k's loss or metrics.
 */
import type { TaskConfig } from '../config/schema';
import type { TextTokenizer } from './textTokenizer';

export interface TaskLabels {
  /** Regression: the target. Classification: the class index (0 … classes−1) stored as a float. Multilabel: the number of labels. */
  values: Float32Array;
  /** 1 where the sample has a label for this task, 0 where it is missing. */
  mask: Uint8Array;
  /** Multilabel only: row-major `samples × classes` of 0/1, 1 where the sample carries that label. */
  sets?: Uint8Array;
}

export interface Split {
  size: number;
  /** Row-major `size × inputDim` features, already standardised / one-hot encoded; text data: token ids (0 = padding). */
  x: Float32Array | Int32Array;
  /** Labels per task name. */
  labels: Record<string, TaskLabels>;
}

/** One text as token ids (no padding) and their tokens, for displays. */
export interface TextSample {
  ids: number[];
  tokens: string[];
}

/** A task as the trainer sees it: classes resolved (inferred from the data where not given). */
export interface ResolvedTask {
  name: string;
  type: TaskConfig['type'];
  /** Number of output units: classes for classification, labels for multilabel, 1 for regression. */
  outputs: number;
  classes?: number;
  /** Class labels in index order (tabular data), for display. */
  classLabels?: string[];
}

export interface Dataset {
  inputDim: number;
  /** Names of the input columns after encoding (e.g. "color=red"), for display. */
  featureNames: string[];
  tasks: ResolvedTask[];
  train: Split;
  validation: Split;
  /**
   * The training split for a given epoch. Usually `train`; the article's random data draws fresh
   * inputs and labels every epoch (deterministically from the seed and the epoch, so resume is exact).
   */
  trainForEpoch(epoch: number): Split;
  /** Text data: the vocabulary size (token ids are below it) and the tokenizer (kept as the run's tokenizer.json). */
  vocabSize?: number;
  tokenizer?: TextTokenizer;
  /** Text data: a few fixed validation texts that models report on at logged steps (MultiTaskModel.probe). */
  samples?: TextSample[];
  /** Where the data came from, for logs ("synthetic mmoe ρ=0.8, 12000 samples", "data/x.csv, 300 rows"). */
  describe: string;
}

/** A JSON path into the experiment config, e.g. `['tasks', 1, 'target']`. */
export type ConfigPath = (string | number)[];

/** Where a data problem is, for tools that want to point at it (all optional). */
export interface DataErrorDetails {
  /**
   * The config key whose value caused the problem (a target column that does not exist, a data file
   * that cannot be read), so the CLI and the editor can point at `config.mtl.json:line:col`.
   */
  configPath?: ConfigPath;
  /** The data file as written in the config (`data/x.csv`). */
  file?: string;
  /** 1-based line in the data file where the offending row starts (what an editor shows). */
  line?: number;
  /** The offending column's name. */
  column?: string;
}

/** A problem in the data itself (not the config): names the file, row and column where it can. */
export class DataError extends Error {
  readonly configPath?: ConfigPath;
  readonly file?: string;
  readonly line?: number;
  readonly column?: string;

  constructor(message: string, details: DataErrorDetails = {}) {
    super(message);
    this.name = 'DataError';
    if (details.configPath) this.configPath = details.configPath;
    if (details.file !== undefined) this.file = details.file;
    if (details.line !== undefined) this.line = details.line;
    if (details.column !== undefined) this.column = details.column;
  }
}
