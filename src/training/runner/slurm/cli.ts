/**
 * The command line's Slurm parts: `mtl-lab sweep --runner slurm` (submit and print the job), the train request of
 * a job's own run (`train <config> --point N` / `train --resume DIR` inside Slurm), and the cluster column of
 * `mtl-lab runs`.
 */
import path from 'node:path';
import type { Args } from '../../cliArgs';
import { table } from '../../textTable';
import type { RunStatus } from '../../run/records';
import { readRunInfoSync, type RunListing } from '../../run/runDirectory';
import type { RunRequest } from '../../run/runInputs';
import type { RunBatch, RunnerState, RunRef, SubmittedRun } from '../runner';
import { claimJobRun, findJobRun, slurmJobOfProcess } from './inJob';
import { SlurmRunner } from './slurmRunner';

/** The runner for this command line: Node from --node (the compute nodes' Node.js), this very CLI script. */
export function slurmRunnerFor(args: Args): SlurmRunner {
  return new SlurmRunner({ node: args.node ?? process.execPath, cli: path.resolve(process.argv[1] ?? 'mtl-lab') });
}

export async function submitToSlurm(batch: RunBatch, args: Args): Promise<number> {
  if (!args.json) {
    await submitBatch(batch, args, (text) => process.stdout.write(text));
    process.stdout.write(`\nwatch them with: mtl-lab runs --runs-dir ${batch.runsDir}\n`);
    return 0;
  }
  const submitted = await slurmRunnerFor(args).submit(batch);
  process.stdout.write(JSON.stringify(submitted.map((r) => ({ runDir: r.runDir, ...r.info })), null, 2) + '\n');
  return 0;
}

/** Submits the batch and says what was submitted: the job, and each run's array task, values and output file. */
export async function submitBatch(batch: RunBatch, args: Args, write: (text: string) => void): Promise<SubmittedRun[]> {
  const submitted = await slurmRunnerFor(args).submit(batch);
  const jobId = submitted[0]?.info.cluster?.jobId ?? '?';
  write(`submitted Slurm job ${jobId}: ${submitted.length} runs (array tasks 0-${submitted.length - 1})\n\n`);
  write(table(['run', 'job', 'values', 'Slurm output'], submitted.map((r) => [r.info.id, `${jobId}_${r.index}`, batch.points[r.index].label, path.relative(process.cwd(), r.info.cluster?.output ?? '')])) + '\n');
  return submitted;
}

const ACTIVE: readonly RunStatus[] = ['queued', 'running'];

/**
 * Polls Slurm (every `intervalMs`) until none of the runs is queued or running, saying each change of the counts;
 * the runs as they ended (run.json, corrected by Slurm: a job killed without its worker saying so is marked).
 */
export async function waitForSlurmRuns(args: Args, runs: readonly RunRef[], say: (line: string) => void, intervalMs = 3000): Promise<RunRef[]> {
  const runner = slurmRunnerFor(args);
  let last = '';
  for (;;) {
    const states = await runner.poll(runs);
    const statuses = runs.map((r) => states.get(r.runDir)?.status ?? r.info.status);
    const counts = [...new Set(statuses)].map((s) => `${statuses.filter((x) => x === s).length} ${s}`).join(', ');
    if (counts !== last) say(`${new Date().toISOString().slice(11, 19)} ${counts}`);
    last = counts;
    if (!statuses.some((s) => ACTIVE.includes(s))) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return runs.map((r) => {
    const read = readRunInfoSync(r.runDir);
    return { runDir: r.runDir, info: read.ok ? read.info : r.info };
  });
}

/**
 * The run request of `mtl-lab train` inside a Slurm job: the run directory its submitter made, started fresh or
 * resumed from its checkpoint. Outside Slurm (or for a run nobody submitted) the request is as given.
 */
export function jobRunRequest(request: RunRequest, env: NodeJS.ProcessEnv = process.env): RunRequest {
  const job = slurmJobOfProcess(env);
  if (!job) return request;
  const run = request.resumeDir ? findJobRun(path.dirname(path.resolve(request.resumeDir)), job) : findJobRun(request.runsDir, job);
  if (!run) return request;
  if (claimJobRun(run, job) === 'resume') return { runsDir: request.runsDir, backend: request.backend, resumeDir: run.runDir };
  const configPath = request.configPath ?? run.info.experimentFile ?? undefined;
  // The overrides (and a study's marks) recorded at submission are the run's: a re-planned point could differ.
  return { ...request, configPath, overrides: run.info.overrides, resumeDir: undefined, claimDir: run.runDir };
}

/** `mtl-lab runs` rows get the cluster's view: job, Slurm state and reason (queued: why it waits). */
export function clusterCells(listing: RunListing, state: RunnerState | undefined): string[] {
  const cluster = listing.info.cluster;
  if (!cluster) return ['—', '—'];
  const job = cluster.arrayTaskId === null ? cluster.jobId : `${cluster.jobId}_${cluster.arrayTaskId}`;
  const said = state ? [state.schedulerState ?? 'gone', state.reason].filter(Boolean).join(': ') : '?';
  return [job, said];
}
