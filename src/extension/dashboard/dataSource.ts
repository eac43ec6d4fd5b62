/**
 * Contract between the run manager (src/extension/runs) and the dashboard panels
 * (src/extension/dashboard). The run manager implements it; dashboards only read through it and ask for
 * actions through it, so neither knows the other's internals.
 */
import type * as vscode from 'vscode';
import type { ExperimentConfig } from '../../training/config/schema';
import type { PositionedRecords, RunInfo } from '../../training/run/records';
import type { RecordsRead } from '../../training/run/metricsTail';
import type { RunnerState } from '../../training/runner/runner';

export type { RecordsRead };

export interface RunSnapshot {
  info: RunInfo;
  /** Absolute path of the run directory. */
  runDir: string;
  /** The resolved config (config.json), or undefined when it could not be read. */
  config: ExperimentConfig | undefined;
  /** A run submitted to a cluster: the scheduler's view, as last polled (status, Slurm's state and reason). */
  clusterState?: RunnerState;
}

/** Records appended since the last event for this run, in file order, with where each ends in metrics.jsonl. */
export interface RecordsAppended extends PositionedRecords {
  runId: string;
}

export interface DashboardDataSource {
  /** Every run known in the workspace's runs directories. */
  listRuns(): RunSnapshot[];
  getRun(runId: string): RunSnapshot | undefined;
  /** All records of a run as on disk now (a torn last line skipped), and the offset the read reached. */
  readRecords(runId: string): Promise<RecordsRead>;
  /** Live records: from a worker's IPC stream, or from tailing metrics.jsonl after a window reload. */
  readonly onDidAppendRecords: vscode.Event<RecordsAppended>;
  /** run.json changed (status, step, summary), a cluster run's scheduler state was polled, or a run appeared / was deleted. */
  readonly onDidChangeRuns: vscode.Event<RunSnapshot[]>;
  stopRun(runId: string): Promise<void>;
  resumeRun(runId: string): Promise<void>;
  /** Whether actions that start processes or write files are allowed (workspace trust). */
  isReadOnly(): boolean;
}
