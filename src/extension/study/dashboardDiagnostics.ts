/**
 * The dashboard's Diagnostics card, host side (in the lazily loaded dist/studyHost.js): the findings of the study
 * groups a panel shows, posted to its webview, and a remedy asked for by the webview. The webview names a finding
 * by the id this module gave it, never a sweep or a file: the sweep and the experiment file come from what this
 * module computed, so a forged message can at most apply a remedy that was offered.
 */
import type * as vscode from 'vscode';
import { readRecordsSync } from '../../training/run/metricsTail';
import { compareRuns } from '../../training/study/compare';
import type { Finding } from '../../training/study/diagnostics';
import { studyDiagnostics } from '../../training/study/summary';
import type { RunSnapshot } from '../dashboard/dataSource';
import type { DiagnosticView } from '../../webview/protocol';

/** What each webview was offered: finding id → the experiment file and the finding. */
const offered = new WeakMap<Pick<vscode.Webview, 'postMessage'>, Map<string, { configPath: string; finding: Finding }>>();
/** The runs of each webview that had ended when its findings were sent. */
const endedWhenSent = new WeakMap<Pick<vscode.Webview, 'postMessage'>, string>();

/** The findings of the study groups that hold one of `runIds` (baselines anywhere in `all`). */
export function findingsFor(all: readonly RunSnapshot[], runIds: readonly string[]): { configPath: string; finding: Finding }[] {
  const shown = new Set(runIds);
  const { groups } = compareRuns(all, (r) => r.config);
  const mine = groups.filter((g) => g.runs.some((r) => shown.has(r.listing.info.id) && r.listing.info.baselines));
  return studyDiagnostics(mine, (r) => readRecordsSync(r.runDir)).flatMap((d) => {
    const configPath = d.group.runs[0]?.listing.info.experimentFile ?? '';
    return d.findings.map((finding) => ({ configPath, finding }));
  });
}

/**
 * Posts the findings to the panel's webview (an empty list too: the card then says there are none): with `init`
 * (the webview starts without them), else only when another of its runs has ended since the last time.
 */
export function sendStudyDiagnostics(webview: Pick<vscode.Webview, 'postMessage'>, all: readonly RunSnapshot[], runIds: readonly string[], init?: boolean): void {
  if (!all.some((r) => runIds.includes(r.info.id) && r.info.baselines)) return;
  const ended = all.filter((r) => runIds.includes(r.info.id) && r.info.endedAt).map((r) => r.info.id).join();
  if (!init && endedWhenSent.get(webview) === ended) return;
  endedWhenSent.set(webview, ended);
  const map = new Map<string, { configPath: string; finding: Finding }>();
  const views: DiagnosticView[] = findingsFor(all, runIds).map((f, i) => {
    const id = `f${i}`;
    map.set(id, f);
    return { id, group: f.finding.group, message: f.finding.message, remedy: `"sweep": ${JSON.stringify(f.finding.remedy.sweep)}`, why: f.finding.remedy.why, file: f.configPath };
  });
  offered.set(webview, map);
  void webview.postMessage({ type: 'diagnostics', findings: views });
}

/** The experiment file and sweep of a finding offered to this webview; throws for any other id or when read-only. */
export function offeredRemedy(webview: Pick<vscode.Webview, 'postMessage'>, findingId: string, readOnly: boolean): { configPath: string; sweep: Record<string, unknown[]> } {
  const f = offered.get(webview)?.get(findingId);
  if (!f) throw new Error(`no finding ${findingId} was offered to this dashboard`);
  if (readOnly) throw new Error('the workspace is not trusted; the experiment file cannot be edited');
  if (!f.configPath) throw new Error(`the runs of "${f.finding.group}" name no experiment file`);
  return { configPath: f.configPath, sweep: f.finding.remedy.sweep };
}
