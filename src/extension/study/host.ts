/**
 * Start Study and Show Study Diagnostics, in one module the host loads on their first use (dist/studyHost.js, see
 * scripts/lazyCsv.mjs): planning with the baseline cache, diagnostics over run records, remedies. Only the
 * command registrations (studyCommands.ts) and what the tree and CodeLens show are in the host bundle.
 */
export { startStudy } from './startStudy';
export { showStudyDiagnostics } from './studyDiagnostics';
