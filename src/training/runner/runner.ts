/**
 * Runners: where the runs of a sweep (and later of a study: any set of points of one experiment) train.
 * `local` trains them on this machine, one after another; `slurm` hands them to a Slurm cluster as one job
 * array. A runner only starts, watches, stops and shows the logs of runs: what a run writes is the run
 * directory's contract (run/records.ts), the same wherever it trains. docs/runners.md says how Kubernetes
 * Indexed Jobs and Ray Jobs would map onto this interface.
 */
import type { BackendName, ClusterConfig } from '../config/schema';
import type { RunInfo, RunMarks, RunStatus } from '../run/records';

export const RUNNERS = ['local', 'slurm'] as const;
export type RunnerName = (typeof RUNNERS)[number];

/** One run to make: its overrides on top of the experiment file (a sweep point, a study's point). */
export interface RunPoint {
  overrides: string[];
  label: string;
  /** A study's marks for the run's run.json (a baseline, or the baselines a run is compared with). */
  marks?: RunMarks;
}

/** What a runner is asked to train: points of one experiment file, each one run. */
export interface RunBatch {
  configPath: string;
  runsDir: string;
  /** `--set` overrides of every point, applied before the point's own. */
  sets: string[];
  backend?: BackendName;
  /** The interpreter of a `"program"` experiment whose command starts with python (`--python`). */
  python?: string;
  points: RunPoint[];
  /** The experiment's `cluster` section (runners on this machine ignore it). */
  cluster?: ClusterConfig;
  /**
   * What the points are: the config's sweep (the default), or its study's runs, baselines first (`mtl-lab train
   * <config> --point N --study` trains the N-th, as study/plan.ts orders them).
   */
  of?: 'sweep' | 'study';
}

/** A run a runner accepted: its directory exists from now on. */
export interface SubmittedRun {
  index: number;
  runDir: string;
  info: RunInfo;
}

/** A run's state as its runner sees it now: run.json's status, corrected by what the scheduler knows. */
export interface RunnerState {
  status: RunStatus;
  /** Why it waits or ended (Slurm's reason: "Resources", "time limit reached"…). */
  reason?: string;
  /** The scheduler's own word for the state, e.g. "PENDING" (absent for local runs). */
  schedulerState?: string;
}

/** A run of a runs directory, as the listing gives it. */
export interface RunRef {
  runDir: string;
  info: RunInfo;
}

export interface Runner {
  readonly name: RunnerName;
  /** Starts (or queues) one run per point; resolves once every point has a run directory. */
  submit(batch: RunBatch): Promise<SubmittedRun[]>;
  /** The current state of each run (keyed by run directory). */
  poll(runs: readonly RunRef[]): Promise<Map<string, RunnerState>>;
  /** Asks a run to stop: it checkpoints at the next step boundary and ends `stopped`. */
  cancel(run: RunRef): Promise<void>;
  /** Continues a stopped or failed run from its checkpoint. */
  resume(run: RunRef): Promise<RunRef>;
  /** The files that log a run: the worker's own log first, then the scheduler's output, if any. */
  logs(run: RunRef): string[];
}

/** Runs that belong to a runner other than the local one (recorded in run.json when submitted). */
export function runnerOf(info: RunInfo): RunnerName {
  return info.cluster?.runner === 'slurm' ? 'slurm' : 'local';
}

export class SubmitError extends Error {
  override name = 'SubmitError';
}
