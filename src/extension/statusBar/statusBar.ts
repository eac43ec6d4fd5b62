/** `$(sync~spin) 2 runs · 45%` while runs are active; a click opens the dashboard of those runs. */
import * as vscode from 'vscode';
import type { RunManager } from '../runs/runManager';
import { statusBarText } from '../tree/runText';
import { COMMANDS } from '../commands/commandIds';
import { DisposableOwner, toDisposable } from '../util/disposables';

export class RunsStatusBar extends DisposableOwner {
  private readonly item = this.own(vscode.window.createStatusBarItem('mtlLab.runs', vscode.StatusBarAlignment.Left, 50));
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly manager: RunManager) {
    super();
    this.item.name = 'MTL Lab Runs';
    this.item.command = COMMANDS.openDashboard;
    this.ownAll(
      toDisposable(() => {
        if (this.timer) clearTimeout(this.timer);
      }),
      manager.onDidChangeRuns(() => this.schedule()),
      manager.onDidChangeQueue(() => this.schedule()),
      manager.onDidAppendRecords(() => this.schedule()),
    );
    this.update();
  }

  /** At most two updates a second, however fast records arrive. */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, 500);
  }

  private hadActive: boolean | undefined;

  private update(): void {
    const active = this.manager.activeRuns();
    if (this.hadActive !== active.length > 0) {
      this.hadActive = active.length > 0;
      // Shows "Stop All Runs" in the view title only while something trains.
      void vscode.commands.executeCommand('setContext', 'mtlLab.hasActiveRuns', this.hadActive);
    }
    const text = statusBarText(
      active.map((run) => ({ step: this.manager.liveStep(run.info.id) ?? run.info.step, totalSteps: run.info.totalSteps })),
      this.manager.queue().length,
    );
    if (!text) {
      this.item.hide();
      return;
    }
    this.item.text = text;
    this.item.tooltip = active.length > 0 ? `MTL Lab: ${active.map((r) => r.info.id).join(', ')} — click to open the dashboard` : 'MTL Lab: runs waiting for a free slot';
    this.item.show();
  }
}
