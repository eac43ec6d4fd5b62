/**
 * Every `MTL Lab:` command id, in one place: the feature modules register them, the tree, status bar
 * and CodeLens refer to them, and the manifest test compares them with package.json. No `vscode`
 * import, so the test reads the same constant the code does.
 */
export const COMMANDS = {
  newExperiment: 'mtlLab.newExperiment',
  openExamples: 'mtlLab.openExamples',
  startRun: 'mtlLab.startRun',
  stopRun: 'mtlLab.stopRun',
  stopAllRuns: 'mtlLab.stopAllRuns',
  resumeRun: 'mtlLab.resumeRun',
  startSweep: 'mtlLab.startSweep',
  startStudy: 'mtlLab.startStudy',
  showStudyDiagnostics: 'mtlLab.showStudyDiagnostics',
  openDashboard: 'mtlLab.openDashboard',
  compareRuns: 'mtlLab.compareRuns',
  deleteRun: 'mtlLab.deleteRun',
  exportRunCsv: 'mtlLab.exportRunCsv',
  revealRunFolder: 'mtlLab.revealRunFolder',
  showRunLog: 'mtlLab.showRunLog',
  editConfigValue: 'mtlLab.editConfigValue',
  revealOffset: 'mtlLab.revealOffset',
  checkBackends: 'mtlLab.checkBackends',
  installGpuBackend: 'mtlLab.installGpuBackend',
  refresh: 'mtlLab.refresh',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

export const COMMAND_IDS: readonly CommandId[] = Object.values(COMMANDS);

/** What VS Code calls a command with (a tree node and the selection, a Uri, or nothing from the palette). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each command declares its own arguments
export type CommandHandler = (...args: any[]) => Promise<unknown>;

/**
 * The handlers of a feature's commands, keyed by id. `registerCommands` joins the features' tables into
 * one `CommandHandlers<CommandId>`, so a command id without a handler, or a handler under an unknown id,
 * does not compile.
 */
export type CommandHandlers<Ids extends CommandId> = { readonly [Id in Ids]: CommandHandler };

/** A feature's handler table by the commands' names in COMMANDS: `FeatureCommands<'startRun' | 'stopRun'>`. */
export type FeatureCommands<Names extends keyof typeof COMMANDS> = CommandHandlers<(typeof COMMANDS)[Names]>;
