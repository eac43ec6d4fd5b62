/**
 * The `mtl-lab` command line as data: node:util's parseArgs splits it (long and short options, `--opt=value`,
 * `--` before positionals that start with a dash); this module checks what it found against the options it knows
 * and says what is wrong in MTL Lab's words (a UsageError: exit code 2 and the usage text).
 */
import { parseArgs as parseArgv, type ParseArgsConfig } from 'node:util';
import { BACKENDS, type BackendName } from './config/schema';
import { RUNNERS, type RunnerName } from './runner/runner';

export const USAGE = `mtl-lab — multi-task learning experiments with TensorFlow.js

Usage:
  mtl-lab train <config.mtl.json> [--runs-dir DIR] [--backend B] [--python PATH] [--set path=value]... [--json]
  mtl-lab train --resume <runDir> [--backend B] [--json]
  mtl-lab train <config.mtl.json> --point N [--study] [--runs-dir DIR] [--backend B] [--python PATH] [--set path=value]... [--json]
  mtl-lab sweep <config.mtl.json> [--runner local|slurm] [--node PATH] [--runs-dir DIR] [--backend B] [--python PATH] [--set path=value]... [--json]
  mtl-lab study <config.mtl.json> [--runner local|slurm [--wait]] [--node PATH] [--runs-dir DIR] [--jobs N] [--report DIR] [--backend B] [--python PATH] [--set path=value]... [--json]
  mtl-lab validate <config.mtl.json> [--set path=value]...
  mtl-lab runs [--runs-dir DIR] [--json]
  mtl-lab runs --affinity <runDir> [--json]
  mtl-lab stop <runDir>
  mtl-lab resume <runDir> [--node PATH]
  mtl-lab export <runDir> --csv [--out FILE]
  mtl-lab backends [--json]

Options:
  --runs-dir DIR   where run directories live (default: ./mtl-runs)
  --backend B      one of ${BACKENDS.join(', ')} (overrides the config)
  --python PATH    the interpreter for a "program" experiment whose command starts with python (default: $MTL_LAB_PYTHON, else as written)
  --set path=value override a config value, e.g. --set optimizer.learningRate=0.01 (JSON values)
  --jobs N         study: runs trained at once, each in its own worker (default: the cores free memory has room for)
  --report DIR     study: also write its tables to DIR/study.md (Markdown) and DIR/study.tex (LaTeX, booktabs)
  --json           machine-readable output on stdout
  --runner R       local (default: one run after another here) or slurm (one sbatch job array; see the "cluster" section)
  --node PATH      the Node.js that runs training on the cluster's nodes (default: this one)
  --point N        train point N (from 0) of the config's "sweep" section (what each task of a Slurm job array runs)
  --study          with --point: the N-th run of the config's study instead, baselines first (as mtl-lab study orders them)
  --wait           study --runner slurm: wait for the submitted runs to end, then print the study's summary
  --affinity RUN   runs: the run's average inter-task affinity (training.affinityEvery) and the groupings suggested from it
sweep trains one run per combination of the config's "sweep" section (path → values).
stop and resume act on a run wherever it trains (scancel / a new Slurm job for cluster runs).
study trains the config's "study" section: each sweep point × each seed, plus single-task baselines (reused when
one with the same settings exists), then prints each group's mean ± std and Δm. With --runner slurm it submits them
as one job array and returns (like sweep); --wait waits for them and prints the summary (mtl-lab runs shows Δm too).
Exit codes: 0 completed, 1 failed, 2 bad input, 130 stopped by Ctrl+C (checkpoint written; resume with --resume).`;

export class UsageError extends Error {}

export interface Args {
  command: string | undefined;
  positional: string[];
  runsDir: string;
  backend?: BackendName;
  python?: string;
  sets: string[];
  json: boolean;
  resume?: string;
  csv: boolean;
  out?: string;
  jobs?: number;
  report?: string;
  help: boolean;
  runner: RunnerName;
  node?: string;
  point?: number;
  study: boolean;
  wait: boolean;
  affinity?: string;
}

const OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  'runs-dir': { type: 'string', default: 'mtl-runs' },
  backend: { type: 'string' },
  python: { type: 'string' },
  set: { type: 'string', multiple: true, default: [] },
  json: { type: 'boolean', default: false },
  resume: { type: 'string' },
  csv: { type: 'boolean', default: false },
  out: { type: 'string' },
  jobs: { type: 'string' },
  report: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
  runner: { type: 'string', default: 'local' },
  node: { type: 'string' },
  point: { type: 'string' },
  study: { type: 'boolean', default: false },
  wait: { type: 'boolean', default: false },
  affinity: { type: 'string' },
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
  const runner = values.runner as string;
  if (!(RUNNERS as readonly string[]).includes(runner)) throw new UsageError(`--runner: expected one of ${RUNNERS.join(', ')}, got "${runner}"`);
  const point = values.point as string | undefined;
  if (point !== undefined && !/^\d+$/.test(point)) throw new UsageError(`--point: expected a point index (0, 1, …), got "${point}"`);
  const [command, ...positional] = positionals;
  const args: Args = {
    command,
    positional,
    runsDir: values['runs-dir'] as string,
    sets: [...(values.set as string[])],
    json: values.json as boolean,
    csv: values.csv as boolean,
    help: values.help as boolean,
    runner: runner as RunnerName,
    study: values.study as boolean,
    wait: values.wait as boolean,
  };
  if (point !== undefined) args.point = Number(point);
  if (values.node !== undefined) args.node = values.node as string;
  if (backend !== undefined) args.backend = backend as BackendName;
  const python = (values.python as string | undefined) ?? process.env.MTL_LAB_PYTHON;
  if (python) args.python = python;
  if (values.resume !== undefined) args.resume = values.resume as string;
  if (values.out !== undefined) args.out = values.out as string;
  if (values.affinity !== undefined) args.affinity = values.affinity as string;
  if (values.report !== undefined) args.report = values.report as string;
  if (values.jobs !== undefined) {
    const jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs: expected a whole number from 1 to 64, got "${String(values.jobs)}"`);
    args.jobs = jobs;
  }
  return args;
}
