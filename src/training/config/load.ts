/**
 * Loading a `*.mtl.json` from disk: the one place in the config module that uses Node APIs. The pure
 * pieces (parsing, diagnostics, positions) are re-exported so that callers on Node need one import;
 * the extension host imports them from `./parse` and `./diagnostics` directly.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from './diagnostics';
import { parseExperimentText } from './parse';
import type { ExperimentConfig } from './schema';

export { ConfigError, formatDiagnostic, isConfigError, locateJsonPath, type ConfigDiagnostic } from './diagnostics';
export { diagnoseExperimentText, parseExperimentText } from './parse';

/** How a config file is named in messages: relative to the working directory when inside it. */
export function displayPath(filePath: string, cwd = process.cwd()): string {
  const absolute = path.resolve(cwd, filePath);
  const relative = path.relative(cwd, absolute);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : absolute;
}

function readProblem(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'file not found';
    case 'EISDIR':
      return 'is a directory, not a config file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot read the file: ${error.message}`;
  }
}

/**
 * Reads, parses, overrides, resolves and checks a config file. `text` is the file as read (for
 * locating later problems with `locateJsonPath`); `file` is the name used in messages.
 * Throws a ConfigError for every problem, including a file that cannot be read.
 */
export async function loadExperimentConfig(
  filePath: string,
  overrides: readonly string[] = [],
): Promise<{ config: ExperimentConfig; text: string; file: string }> {
  const file = displayPath(filePath);
  let text: string;
  try {
    text = await readFile(filePath, 'utf8');
  } catch (error) {
    throw new ConfigError([{ file, line: 0, column: 0, path: '', message: readProblem(error as NodeJS.ErrnoException) }]);
  }
  return { config: parseExperimentText(text, file, overrides), text, file };
}
