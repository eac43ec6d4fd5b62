/**
 * The command line's Slurm parts: `mtl-lab sweep --runner slurm` (submit and print the job), the train request of
 * a job's own run (`train <config> --point N` / `train --resume DIR` inside Slurm), and the cluster column of
 * `mtl-lab runs`.
 */
import path from 'node:path';
import type { Args } from '../../cliArgs';
import { table } from '../../textTable';
import type { RunListing } from '../../run/runDirectory';
import type { RunRequest } from '../../run/runInputs';
import type { RunBatch, RunnerState } from '../runner';
import { claimJobRun, findJobRun, slurmJobOfProcess } from './inJob';
import { SlurmRunner } from './slurmRunner';

/** The runner for this command line: Node from --node (the compute nodes' Node.js), this very CLI script. */
export function slurmRunnerFor(args: Args): SlurmRunner {
  return new SlurmRunner({ node: args.node ?? process.execPath, cli: path.resolve(process.argv[1] ?? 'mtl-lab') });
}

export async function submitToSlurm(batch: RunBatch, args: Args): Promise<number> {
  const submitted = await slurmRunnerFor(args).submit(batch);
  const jobId = submitted[0]?.info.cluster?.jobId ?? '?';
  if (args.json) {
    process.stdout.write(JSON.stringify(submitted.map((r) => ({ runDir: r.runDir, ...r.info })), null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`submitted Slurm job ${jobId}: ${submitted.length} runs (array tasks 0-${submitted.length - 1})\n\n`);
  process.stdout.write(table(['run', 'job', 'values', 'Slurm output'], submitted.map((r) => [r.info.id, `${jobId}_${r.index}`, batch.points[r.index].label, path.relative(process.cwd(), r.info.cluster?.output ?? '')])) + '\n');
  process.stdout.write(`\nwatch them with: mtl-lab runs --runs-dir ${batch.runsDir}\n`);
  return 0;
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
  return { ...request, configPath, overrides: request.resumeDir ? run.info.overrides : request.overrides, resumeDir: undefined, claimDir: run.runDir };
}

/** `mtl-lab runs` rows get the cluster's view: job, Slurm state and reason (queued: why it waits). */
export function clusterCells(listing: RunListing, state: RunnerState | undefined): string[] {
  const cluster = listing.info.cluster;
  if (!cluster) return ['—', '—'];
  const job = cluster.arrayTaskId === null ? cluster.jobId : `${cluster.jobId}_${cluster.arrayTaskId}`;
  const said = state ? [state.schedulerState ?? 'gone', state.reason].filter(Boolean).join(': ') : '?';
  return [job, said];
}
