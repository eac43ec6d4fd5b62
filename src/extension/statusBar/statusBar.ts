/** `$(sync~spin) 2 runs · 45%` while runs are active; a click opens the dashboard of those runs. */
import * as vscode from 'vscode';
import type { RunManager } from '../runs/runManager';
import { statusBarText } from '../tree/runText';

export class RunsStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('mtlLab.runs', vscode.StatusBarAlignment.Left, 50);
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly manager: RunManager) {
    this.item.name = 'MTL Lab Runs';
    this.item.command = 'mtlLab.openDashboard';
    this.disposables.push(
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

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }
}
