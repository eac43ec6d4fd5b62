/**
 * What is handed to sbatch: the options (from the experiment's `cluster` section) and the batch script each
 * array task runs. Pure functions, so the exact command line is unit-tested; slurmRunner.ts runs it.
 */
import type { ClusterConfig } from '../../config/schema';
import { NO_REQUEUE_ENV } from './requeue';

/** A word for a POSIX shell: single-quoted, with embedded single quotes closed and escaped. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface SbatchRequest {
  cluster: ClusterConfig | undefined;
  jobName: string;
  /** Array tasks 0…count−1 (a sweep); undefined: one job (a resume). */
  arrayCount?: number;
  /** The scheduler's output file, with Slurm's %A / %a / %j patterns. */
  output: string;
  script: string;
}

/**
 * sbatch's arguments. Submitted held (`--hold`): the submitter records the job id in each run directory and
 * then releases it, so no task starts before its run directory knows its job. `--no-requeue`: a run whose node
 * fails is marked failed with the reason and Resume continues it (Slurm would requeue it on its own, two minutes
 * later; `cluster.extraArgs: ["--requeue"]` asks for that, and the requeued task resumes from its checkpoint). The
 * time-limit warning requeues the task all the same (requeue.ts allows it for that one requeue). `--open-mode=append`:
 * a requeued task adds to its output file instead of emptying it (Slurm's default), so each attempt's words stay.
 */
export function sbatchArgs(request: SbatchRequest): string[] {
  const c = request.cluster ?? {};
  const args = ['--parsable', '--hold', `--job-name=${request.jobName}`, `--output=${request.output}`, '--open-mode=append', '--no-requeue', `--signal=B:USR1@${c.signalSeconds ?? 60}`];
  if (request.arrayCount !== undefined) args.push(`--array=0-${request.arrayCount - 1}${c.maxParallel ? `%${c.maxParallel}` : ''}`);
  if (c.partition) args.push(`--partition=${c.partition}`);
  if (c.time) args.push(`--time=${c.time}`);
  args.push(`--cpus-per-task=${c.cpusPerTask ?? 1}`);
  if (c.gpus) args.push(`--gpus=${c.gpus}`);
  if (c.memory) args.push(`--mem=${c.memory}`);
  if (c.account) args.push(`--account=${c.account}`);
  if (c.qos) args.push(`--qos=${c.qos}`);
  args.push(...(c.extraArgs ?? []), request.script);
  return args;
}

/** Whether the job is submitted requeueable: only when its user asked for it (`cluster.extraArgs`). */
export function submittedRequeueable(cluster: ClusterConfig | undefined): boolean {
  return (cluster?.extraArgs ?? []).includes('--requeue');
}

/**
 * The batch script: `exec` makes Node the batch shell's process, so `--signal=B:USR1` and scancel's SIGTERM reach
 * the worker itself (it checkpoints on both; after the USR1 one it requeues its task and waits to be killed for it,
 * requeue.ts). It tells the worker whether the job was submitted `--no-requeue`.
 */
export function batchScript(node: string, cli: string, trainArgs: readonly string[], requeueable = false): string {
  const words = [node, cli, ...trainArgs].map((w) => (w === ARRAY_TASK_ID ? w : shellQuote(w)));
  return ['#!/bin/sh', '# Written by mtl-lab: one run of MTL Lab (in a job array, the task index is the sweep point).', ...(requeueable ? [] : [`export ${NO_REQUEUE_ENV}=1`]), `exec ${words.join(' ')}`, ''].join('\n');
}

/** The array task's index, expanded by the batch shell. */
export const ARRAY_TASK_ID = '"$SLURM_ARRAY_TASK_ID"';

export interface PointTrainOptions {
  backend?: string;
  /** The interpreter of a `"program"` experiment (`--python`), as the compute nodes name it. */
  python?: string;
  /** The points are the study's runs (baselines first), not the sweep's. */
  study?: boolean;
}

/** The `mtl-lab train` arguments of a sweep's (or study's) array task (its point index comes from Slurm at run time). */
export function pointTrainArgs(configPath: string, runsDir: string, sets: readonly string[], options: PointTrainOptions = {}): string[] {
  return [
    'train',
    configPath,
    '--point',
    ARRAY_TASK_ID,
    ...(options.study ? ['--study'] : []),
    '--runs-dir',
    runsDir,
    ...sets.flatMap((s) => ['--set', s]),
    ...(options.backend ? ['--backend', options.backend] : []),
    ...(options.python ? ['--python', options.python] : []),
  ];
}

/** sbatch --parsable prints `jobid` or `jobid;cluster`. */
export function parseJobId(stdout: string): string | undefined {
  const id = stdout.trim().split(';')[0];
  return /^\d+$/.test(id) ? id : undefined;
}

/** The output file of one array task, from the pattern given to sbatch (what Slurm itself will name it). */
export function outputFile(pattern: string, jobId: string, arrayTaskId: number | null): string {
  return pattern.replace(/%A/g, jobId).replace(/%a/g, String(arrayTaskId ?? '')).replace(/%j/g, jobId);
}
