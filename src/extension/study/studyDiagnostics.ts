/**
 * MTL Lab: Show Study Diagnostics — the findings of an experiment's study runs (training/study/diagnostics.ts:
 * negative transfer, gradient conflict, weight collapse, loss imbalance) in a quick pick; picking one writes its
 * remedy sweep into the experiment file (remedy.ts, comments kept, undoable) ready for Start Study.
 */
import * as vscode from 'vscode';
import { readRecordsSync } from '../../training/run/metricsTail';
import { compareRuns } from '../../training/study/compare';
import type { Finding } from '../../training/study/diagnostics';
import { studyDiagnostics } from '../../training/study/summary';
import type { CommandDeps } from '../commands/commandContext';
import { runsOfExperiment } from '../tree/treeModel';
import { withRemedy } from './remedy';

/** The sweep a remedy adds, as the file will hold it. */
function remedyText(finding: Finding): string {
  return `"sweep": ${JSON.stringify(finding.remedy.sweep)}`;
}

export async function showStudyDiagnostics(deps: CommandDeps, configPath: string): Promise<boolean> {
  const all = deps.runs.listRuns();
  const own = new Set(runsOfExperiment(all, configPath).map((r) => r.info.id));
  const { groups } = compareRuns(all, (r) => r.config);
  const diagnostics = studyDiagnostics(groups.filter((g) => g.runs.some((r) => own.has(r.listing.info.id) && r.listing.info.baselines)), (r) => readRecordsSync(r.runDir));
  const findings = diagnostics.flatMap((d) => d.findings);
  if (findings.length === 0) {
    const shares = diagnostics.flatMap((d) => Object.entries(d.conflictShares).map(([pair, s]) => `${pair} ${(100 * s.share).toFixed(0)} %`));
    void vscode.window.showInformationMessage(`MTL Lab: ${diagnostics.length ? `no findings in ${diagnostics.length} study group${diagnostics.length === 1 ? '' : 's'}${shares.length ? ` (gradient conflict: ${shares.join(', ')})` : ''}` : 'no finished study runs of this experiment yet (Start Study)'}.`);
    return false;
  }
  const picked = await vscode.window.showQuickPick(
    findings.map((f) => ({ label: `$(warning) ${f.message}`, description: f.group, detail: `Remedy: add ${remedyText(f)} — ${f.remedy.why}`, finding: f })),
    { title: 'MTL Lab: Study Diagnostics', placeHolder: 'Pick a finding to write its remedy sweep into the experiment file', matchOnDetail: true },
  );
  if (!picked) return false;
  return writeRemedy(configPath, picked.finding.remedy.sweep);
}

/** Writes a remedy sweep (and a study section if missing) into the experiment file with a comment-preserving edit. */
export async function writeRemedy(configPath: string, sweep: Record<string, unknown[]>): Promise<boolean> {
  const document = await vscode.workspace.openTextDocument(configPath);
  const result = withRemedy(document.getText(), sweep);
  if (!result.ok) {
    void vscode.window.showErrorMessage(`MTL Lab: ${result.message}`);
    return false;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), result.text);
  const applied = await vscode.workspace.applyEdit(edit);
  if (applied) {
    await document.save();
    await vscode.window.showTextDocument(document);
    void vscode.window.showInformationMessage('MTL Lab: the remedy sweep is in the file; Start Study runs it.');
  }
  return applied;
}
