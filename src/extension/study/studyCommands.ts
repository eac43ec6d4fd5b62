/** The study commands' registrations; their work is in dist/studyHost.js, loaded on first use (host.ts). */
import { COMMANDS, type FeatureCommands } from '../commands/commandIds';
import { experimentOrPick, type CommandDeps } from '../commands/commandContext';
import { showStudyDiagnostics, startStudy } from './host';

export function studyCommands(deps: CommandDeps): FeatureCommands<'startStudy' | 'showStudyDiagnostics'> {
  return {
    [COMMANDS.startStudy]: async (arg?: unknown) => {
      const configPath = await experimentOrPick(deps, arg);
      if (configPath) await startStudy(deps, configPath);
    },
    [COMMANDS.showStudyDiagnostics]: async (arg?: unknown) => {
      const configPath = await experimentOrPick(deps, arg);
      if (configPath) await showStudyDiagnostics(deps, configPath);
    },
  };
}
