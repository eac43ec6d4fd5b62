/**
 * The `mtl-lab` command line as data: node:util's parseArgs splits it (long and short options, `--opt=value`,
 * `--` before positionals that start with a dash); this module checks what it found against the options it knows
 * and says what is wrong in MTL Lab's words (a UsageError: exit code 2 and the usage text).
 */
import { parseArgs as parseArgv, type ParseArgsConfig } from 'node:util';
import { BACKENDS, type BackendName } from './config/schema';

export const USAGE = `mtl-lab — multi-task learning experiments with TensorFlow.js

Usage:
  mtl-lab train <config.mtl.json> [--runs-dir DIR] [--backend B] [--set path=value]... [--json]
  mtl-lab train --resume <runDir> [--backend B] [--json]
  mtl-lab sweep <config.mtl.json> [--runs-dir DIR] [--backend B] [--set path=value]... [--json]
  mtl-lab study <config.mtl.json> [--runs-dir DIR] [--jobs N] [--report DIR] [--backend B] [--set path=value]... [--json]
  mtl-lab validate <config.mtl.json> [--set path=value]...
  mtl-lab runs [--runs-dir DIR] [--json]
  mtl-lab export <runDir> --csv [--out FILE]
  mtl-lab backends [--json]

Options:
  --runs-dir DIR   where run directories live (default: ./mtl-runs)
  --backend B      one of ${BACKENDS.join(', ')} (overrides the config)
  --set path=value override a config value, e.g. --set optimizer.learningRate=0.01 (JSON values)
  --jobs N         study: runs trained at once, each in its own worker (default: the cores free memory has room for)
  --report DIR     study: also write its tables to DIR/study.md (Markdown) and DIR/study.tex (LaTeX, booktabs)
  --json           machine-readable output on stdout
study trains the config's "study" section: each sweep point × each seed, plus single-task baselines (reused when
one with the same settings exists), then prints each group's mean ± std and Δm.
sweep trains one run per combination of the config's "sweep" section (path → values), one after another.
Exit codes: 0 completed, 1 failed, 2 bad input, 130 stopped by Ctrl+C (checkpoint written; resume with --resume).`;

export class UsageError extends Error {}

export interface Args {
  command: string | undefined;
  positional: string[];
  runsDir: string;
  backend?: BackendName;
  sets: string[];
  json: boolean;
  resume?: string;
  csv: boolean;
  out?: string;
  jobs?: number;
  report?: string;
  help: boolean;
}

const OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  'runs-dir': { type: 'string', default: 'mtl-runs' },
  backend: { type: 'string' },
  set: { type: 'string', multiple: true, default: [] },
  json: { type: 'boolean', default: false },
  resume: { type: 'string' },
  csv: { type: 'boolean', default: false },
  out: { type: 'string' },
  jobs: { type: 'string' },
  report: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

export function parseArgs(argv: readonly string[]): Args {
  // Not strict: parseArgs would throw its own messages; the tokens let this module word them (and name the option).
  const { values, positionals, tokens } = parseArgv({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(OPTIONS, token.name) ? OPTIONS[token.name] : undefined;
    if (!option) throw new UsageError(`unknown option ${token.rawName}`);
    if (option.type === 'string' && token.value === undefined) throw new UsageError(`${token.rawName} needs a value`);
    if (option.type === 'boolean' && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
  }
  const backend = values.backend as string | undefined;
  if (backend !== undefined && !(BACKENDS as readonly string[]).includes(backend)) {
    throw new UsageError(`--backend: expected one of ${BACKENDS.join(', ')}, got "${backend}"`);
  }
  const [command, ...positional] = positionals;
  const args: Args = {
    command,
    positional,
    runsDir: values['runs-dir'] as string,
    sets: [...(values.set as string[])],
    json: values.json as boolean,
    csv: values.csv as boolean,
    help: values.help as boolean,
  };
  if (backend !== undefined) args.backend = backend as BackendName;
  if (values.resume !== undefined) args.resume = values.resume as string;
  if (values.out !== undefined) args.out = values.out as string;
  if (values.report !== undefined) args.report = values.report as string;
  if (values.jobs !== undefined) {
    const jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs: expected a whole number from 1 to 64, got "${String(values.jobs)}"`);
    args.jobs = jobs;
  }
  return args;
}
