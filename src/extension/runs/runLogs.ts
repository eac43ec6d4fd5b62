/**
 * One LogOutputChannel per run, created when first shown: the worker's own worker.log (followed while the
 * run is live) plus what the run manager did to it (signals, re-attachment, crash marking).
 */
import * as vscode from 'vscode';
import path from 'node:path';
import { RUN_FILES } from '../../training/run/records';
import type { RunManager } from './runManager';
import { readLinesFrom } from './metricsTail';
import { DisposableOwner, toDisposable } from '../util/disposables';

interface RunLog {
  channel: vscode.LogOutputChannel;
  offset: number;
  runDir: string;
}

export class RunLogs extends DisposableOwner {
  private readonly logs = new Map<string, RunLog>();
  private timer: NodeJS.Timeout | undefined;
  /** Manager events for runs whose channel is not open yet, kept briefly so Show Log has them. */
  private readonly pendingLines = new Map<string, string[]>();

  constructor(private readonly manager: RunManager) {
    super();
    this.ownAll(
      toDisposable(() => {
        if (this.timer) clearInterval(this.timer);
      }),
      manager.onDidLog(({ runId, message }) => {
        if (!runId) return;
        const log = this.logs.get(runId);
        if (log) log.channel.info(`[MTL Lab] ${message}`);
        else this.pendingLines.set(runId, [...(this.pendingLines.get(runId) ?? []).slice(-50), message]);
      }),
      manager.onDidChangeRuns((runs) => {
        const ids = new Set(runs.map((r) => r.info.id));
        for (const [runId, log] of this.logs) {
          if (!ids.has(runId)) {
            this.disown(log.channel);
            this.logs.delete(runId);
          }
        }
      }),
    );
  }

  async show(runId: string): Promise<void> {
    const run = this.manager.get(runId);
    if (!run) throw new Error(`Unknown run ${runId}`);
    let log = this.logs.get(runId);
    if (!log) {
      log = { channel: this.own(vscode.window.createOutputChannel(`MTL Lab: ${runId}`, { log: true })), offset: 0, runDir: run.runDir };
      this.logs.set(runId, log);
      for (const line of this.pendingLines.get(runId) ?? []) log.channel.info(`[MTL Lab] ${line}`);
      this.pendingLines.delete(runId);
    }
    await this.follow(log);
    log.channel.show(true);
    this.ensureTimer();
  }

  private async follow(log: RunLog): Promise<void> {
    const chunk = await readLinesFrom(path.join(log.runDir, RUN_FILES.log), log.offset);
    log.offset = chunk.nextOffset;
    // worker.log lines carry their own timestamps and levels; append them verbatim.
    for (const line of chunk.lines) log.channel.appendLine(line);
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      let live = false;
      for (const [runId, log] of this.logs) {
        if (this.manager.get(runId)?.info.status === 'running') {
          live = true;
          void this.follow(log);
        }
      }
      if (!live && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }, 1000);
  }
}
