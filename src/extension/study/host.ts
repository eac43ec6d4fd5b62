/**
 * Start Study and Show Study Diagnostics, in one module the host loads on their first use (dist/studyHost.js, see
 * scripts/lazyBundles.mjs): planning with the baseline cache, diagnostics over run records, remedies. Only the
 * command registrations (studyCommands.ts) and what the tree and CodeLens show are in the host bundle.
 */
export { startStudy } from './startStudy';
export { showStudyDiagnostics } from './studyDiagnostics';
export { sendStudyDiagnostics } from './dashboardDiagnostics';
export { writeGroupingStudy } from './groupingStudy';
import type * as vscode from 'vscode';
import { offeredRemedy } from './dashboardDiagnostics';
import { writeRemedy } from './studyDiagnostics';

/** The dashboard's remedy button: the offered finding's sweep written into its experiment file (comments kept). */
export function applyStudyRemedy(webview: vscode.Webview, findingId: string, readOnly: boolean): Promise<boolean> {
  const { configPath, sweep } = offeredRemedy(webview, findingId, readOnly);
  return writeRemedy(configPath, sweep);
}
