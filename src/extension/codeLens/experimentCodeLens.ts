/** `▶ Start Run · Start Sweep (N runs) · Start Study (N runs + baselines) · N runs · Compare` at the top of every `*.mtl.json`. */
import * as vscode from 'vscode';
import { sweepRunCount } from '../sweep/sweepPlan';
import { studyRunCount } from '../study/studyPlan';
import type { RunManager } from '../runs/runManager';
import { runsOfExperiment } from '../tree/treeModel';
import { COMMANDS } from '../commands/commandIds';
import { DisposableOwner } from '../util/disposables';

export class ExperimentCodeLens extends DisposableOwner implements vscode.CodeLensProvider {
  private readonly changeEmitter = this.own(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changeEmitter.event;
  private lastCounts = '';

  constructor(private readonly manager: RunManager) {
    super();
    // Only when a run count changes, not on every status or step.
    this.own(manager.onDidChangeRuns((runs) => {
      const counts = runs.map((r) => r.info.experimentFile ?? '').sort().join('\n');
      if (counts !== this.lastCounts) {
        this.lastCounts = counts;
        this.changeEmitter.fire();
      }
    }));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (document.uri.scheme !== 'file') return [];
    const range = new vscode.Range(0, 0, 0, 0);
    const runs = runsOfExperiment(this.manager.list(), document.uri.fsPath);
    const lenses = [new vscode.CodeLens(range, { title: '$(play) Start Run', command: COMMANDS.startRun, arguments: [document.uri], tooltip: 'Train this experiment' })];
    const sweepRuns = sweepRunCount(document.getText());
    if (sweepRuns > 0) {
      lenses.push(new vscode.CodeLens(range, { title: `$(run-all) Start Sweep (${sweepRuns} ${sweepRuns === 1 ? 'run' : 'runs'})`, command: COMMANDS.startSweep, arguments: [document.uri], tooltip: 'One run per combination of the "sweep" section, gathered in one comparison dashboard' }));
    }
    const studyRuns = studyRunCount(document.getText());
    if (studyRuns > 0) {
      lenses.push(new vscode.CodeLens(range, { title: `$(beaker) Start Study (${studyRuns} ${studyRuns === 1 ? 'run' : 'runs'} + baselines)`, command: COMMANDS.startStudy, arguments: [document.uri], tooltip: 'Each sweep point × each seed of the "study" section, plus single-task baselines (reused when already trained); Δm and groups in one comparison dashboard' }));
    }
    lenses.push(
      new vscode.CodeLens(range, {
        title: `${runs.length} ${runs.length === 1 ? 'run' : 'runs'}`,
        command: runs.length > 0 ? COMMANDS.openDashboard : '',
        arguments: [document.uri],
        tooltip: runs.length > 0 ? 'Open the dashboard of the newest run' : 'No runs yet',
      }),
    );
    if (runs.length > 1) lenses.push(new vscode.CodeLens(range, { title: 'Compare', command: COMMANDS.compareRuns, arguments: [document.uri], tooltip: 'Compare runs of this experiment' }));
    return lenses;
  }
}
