/**
 * The window's view of runs handed to a cluster (run.json's `cluster`): their scheduler state, polled while any
 * waits or trains, and the commands that go through the runner instead of the local run manager (submit a sweep,
 * stop = scancel, resume = a new job). No `vscode` here, so it is unit-tested under plain Node.
 */
import type { RunSnapshot } from '../dashboard/dataSource';
import type { ClusterConfig } from '../../training/config/schema';
import type { RunBatch, RunnerState, RunRef, SubmittedRun } from '../../training/runner/runner';
import { Emitter } from '../util/emitter';
import type { Disposable } from '../util/disposables';

/** What ClusterRuns needs of a runner (the Slurm runner; a fake in tests). */
export interface ClusterRunner {
  submit(batch: RunBatch): Promise<SubmittedRun[]>;
  poll(runs: readonly RunRef[]): Promise<Map<string, RunnerState>>;
  cancel(run: RunRef): Promise<void>;
  resume(run: RunRef, cluster?: ClusterConfig): Promise<RunRef>;
  logs(run: RunRef): string[];
}

export interface ClusterCounts {
  pending: number;
  running: number;
}

const isActive = (state: RunnerState | undefined, run: RunSnapshot) => (state?.status ?? run.info.status) === 'queued' || (state?.status ?? run.info.status) === 'running';

export class ClusterRuns implements Disposable {
  private readonly states = new Map<string, RunnerState>();
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** The last poll's error (Slurm unreachable), shown once rather than on every poll. */
  lastError: string | undefined;

  constructor(
    private readonly runs: () => readonly RunSnapshot[],
    private readonly runner: () => ClusterRunner,
    private readonly intervalMs = 5000,
  ) {}

  /** Runs this window knows that were submitted to a cluster. */
  clusterRuns(): RunSnapshot[] {
    return this.runs().filter((r) => r.info.cluster);
  }

  stateOf(runId: string): RunnerState | undefined {
    return this.states.get(runId);
  }

  counts(): ClusterCounts {
    const counts = { pending: 0, running: 0 };
    for (const run of this.clusterRuns()) {
      const status = this.states.get(run.info.id)?.status ?? run.info.status;
      if (status === 'queued') counts.pending++;
      else if (status === 'running') counts.running++;
    }
    return counts;
  }

  /** Asks the scheduler now (coalesced), then keeps asking every interval while a cluster run waits or trains. */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
      this.schedule();
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const runs = this.clusterRuns();
    if (!runs.length) return;
    try {
      const states = await this.runner().poll(runs.map((r) => ({ runDir: r.runDir, info: r.info })));
      this.lastError = undefined;
      for (const run of runs) {
        const state = states.get(run.runDir);
        if (state) this.states.set(run.info.id, state);
      }
    } catch (error) {
      this.lastError = (error as Error).message;
    }
    this.changed.fire();
  }

  private schedule(): void {
    if (this.timer || this.disposed) return;
    if (!this.clusterRuns().some((r) => isActive(this.states.get(r.info.id), r))) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, this.intervalMs);
  }

  async submit(batch: RunBatch): Promise<SubmittedRun[]> {
    return this.runner().submit(batch);
  }

  async cancel(run: RunSnapshot): Promise<void> {
    await this.runner().cancel({ runDir: run.runDir, info: run.info });
    void this.poll();
  }

  async resume(run: RunSnapshot): Promise<RunRef> {
    const resumed = await this.runner().resume({ runDir: run.runDir, info: run.info }, run.config?.cluster);
    this.states.delete(run.info.id);
    void this.poll();
    return resumed;
  }

  logs(run: RunSnapshot): string[] {
    return this.runner().logs({ runDir: run.runDir, info: run.info });
  }

  private disposed = false;

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}
