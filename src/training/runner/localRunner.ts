/**
 * The local runner: the points train on this machine, in this process, one after another (what `mtl-lab sweep`
 * always did). Stopping asks the run in progress to checkpoint and skips the rest.
 */
import path from 'node:path';
import { isRunProcessAlive } from '../run/processIdentity';
import { RUN_FILES } from '../run/records';
import { runExperiment } from '../run/runExperiment';
import type { Runner, RunBatch, RunnerState, RunPoint, RunRef, SubmittedRun } from './runner';

export interface LocalRunnerHooks {
  /** A point is about to train (the CLI prints its label). */
  onPoint?(index: number, point: RunPoint, total: number): void;
  onStarted?(runDir: string, info: RunRef['info']): void;
  onStep?(step: number, total: number): void;
  onPointDone?(index: number): void;
}

export class LocalRunner implements Runner {
  readonly name = 'local' as const;
  private stopping = false;

  constructor(private readonly hooks: LocalRunnerHooks = {}) {}

  /** Stops the run in progress at its next step boundary (checkpointed) and skips the points after it. */
  stopAll(): void {
    this.stopping = true;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  async submit(batch: RunBatch): Promise<SubmittedRun[]> {
    const done: SubmittedRun[] = [];
    for (const [index, point] of batch.points.entries()) {
      if (this.stopping) break;
      this.hooks.onPoint?.(index, point, batch.points.length);
      try {
        const result = await runExperiment(
          { configPath: batch.configPath, runsDir: batch.runsDir, overrides: [...batch.sets, ...point.overrides], backend: batch.backend, python: batch.python },
          { onStarted: this.hooks.onStarted, onStep: this.hooks.onStep, shouldStop: () => this.stopping },
        );
        done.push({ index, ...result });
      } finally {
        this.hooks.onPointDone?.(index);
      }
    }
    return done;
  }

  async poll(runs: readonly RunRef[]): Promise<Map<string, RunnerState>> {
    const states = new Map<string, RunnerState>();
    for (const { runDir, info } of runs) {
      // A run.json that says running without its process is a worker that died without saying so.
      const dead = info.status === 'running' && info.pid !== null && !isRunProcessAlive(info.pid, info.processStartTicks);
      states.set(runDir, dead ? { status: 'failed', reason: 'the worker process is gone' } : { status: info.status });
    }
    return states;
  }

  async cancel(run: RunRef): Promise<void> {
    // Runs of this process stop through stopAll; a run of another process is told by signal, like Ctrl+C.
    if (run.info.pid === process.pid) this.stopAll();
    else if (run.info.status === 'running' && run.info.pid !== null && isRunProcessAlive(run.info.pid, run.info.processStartTicks)) process.kill(run.info.pid, 'SIGTERM');
  }

  async resume(run: RunRef): Promise<RunRef> {
    return runExperiment({ runsDir: path.dirname(run.runDir), resumeDir: run.runDir }, { onStarted: this.hooks.onStarted, onStep: this.hooks.onStep, shouldStop: () => this.stopping });
  }

  logs(run: RunRef): string[] {
    return [path.join(run.runDir, RUN_FILES.log)];
  }
}
