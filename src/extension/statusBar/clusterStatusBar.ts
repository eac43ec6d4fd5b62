/** `$(server) Slurm: 2 running · 2 pending` while cluster runs wait or train; a click shows the Experiments view. */
import * as vscode from 'vscode';
import type { ClusterCounts, ClusterRuns } from '../cluster/clusterRuns';
import { DisposableOwner } from '../util/disposables';

/** The item's text, or undefined when no cluster run waits or trains. */
export function clusterStatusText(counts: ClusterCounts): string | undefined {
  if (counts.running === 0 && counts.pending === 0) return undefined;
  return `$(server) Slurm: ${counts.running} running · ${counts.pending} pending`;
}

export class ClusterStatusBar extends DisposableOwner {
  private readonly item = this.own(vscode.window.createStatusBarItem('mtlLab.cluster', vscode.StatusBarAlignment.Left, 49));

  constructor(private readonly cluster: ClusterRuns) {
    super();
    this.item.name = 'MTL Lab Cluster Jobs';
    this.item.command = 'mtlLab.experiments.focus';
    this.own(cluster.onDidChange(() => this.update()));
    this.update();
  }

  private update(): void {
    const text = clusterStatusText(this.cluster.counts());
    if (!text) {
      this.item.hide();
      return;
    }
    this.item.text = text;
    this.item.tooltip = this.cluster.lastError ? `MTL Lab: cannot ask Slurm: ${this.cluster.lastError}` : 'MTL Lab: runs on the Slurm cluster (squeue, every 5 s)';
    this.item.show();
  }
}
