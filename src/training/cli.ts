/**
 * `mtl-lab`: the training engine on the command line, for machines without an editor. Same code and
 * same run directory as the extension's worker.
 *
 * Exit codes: 0 completed, 1 failed, 2 bad input, 130 stopped by SIGINT (after the clean stop).
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { probeBackends } from './backend/select';
import { formatDiagnostic, isConfigError, locateJsonPath } from './config/diagnostics';
import { loadExperimentConfig } from './config/load';
import { DataError } from './data/dataset';
import { loadDataset } from './data/load';
import { formatDuration } from './run/duration';
import { recordsToCsv } from './run/exportCsv';
import type { RunInfo, RunMarks, TaskMetrics } from './run/records';
import { readRecordsSync } from './run/metricsTail';
import { listRunsSync, readRunConfigSync, readRunInfoSync, writeRunInfoSync, type RunListing } from './run/runDirectory';
import { runnerOf, SubmitError, type RunnerState } from './runner/runner';
import { compareRuns, formatMeanStd } from './study/compare';
import { planStudy } from './study/plan';
import { studyCommand } from './study/command';
import { tabularColumns } from './data/tabular';
import { runExperiment } from './run/runExperiment';
import { InputError, loadPretrained } from './run/runInputs';
import { invalidSweepPoint } from './config/parse';
import { sweepPoints } from './config/sweep';
import { LocalRunner } from './runner/localRunner';
import { clusterCells, jobRunRequest, slurmRunnerFor, submitToSlurm } from './runner/slurm/cli';
import { slurmJobOfProcess, type SlurmJobOfProcess } from './runner/slurm/inJob';
import { requeueThisTask, restoreNoRequeue, scontrolJobId } from './runner/slurm/requeue';
import { parseArgs, USAGE, UsageError, type Args } from './cliArgs';
import { table } from './textTable';
import { DELTA_M_CONVENTION } from './evaluation/deltaM';
import { affinityFromRecords, affinityText } from './analysis/affinityReport';

export { table };

function formatNumber(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1000 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
}

export function metricsTable(metrics: Record<string, TaskMetrics>): string {
  const percent = (v: number | undefined) => (v !== undefined ? (v * 100).toFixed(2) + ' %' : '—');
  const f1 = Object.values(metrics).some((m) => m.microF1 !== undefined);
  const rows = Object.entries(metrics).map(([task, m]) => [task, formatNumber(m.loss), percent(m.accuracy), formatNumber(m.rmse), formatNumber(m.mae), ...(f1 ? [percent(m.microF1), percent(m.macroF1)] : [])]);
  return table(['task', 'val loss', 'accuracy', 'RMSE', 'MAE', ...(f1 ? ['micro-F1', 'macro-F1'] : [])], rows);
}

class Progress {
  private lastDraw = 0;
  private lastPlain = -1;
  private readonly started = Date.now();

  constructor(private readonly tty: boolean) {}

  update(step: number, total: number): void {
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastDraw < 100 && step < total) return;
      this.lastDraw = now;
      const width = 30;
      const frac = total ? step / total : 0;
      const filled = Math.round(frac * width);
      const rate = step / Math.max((now - this.started) / 1000, 1e-3);
      const eta = rate > 0 ? Math.max(0, (total - step) / rate) : 0;
      process.stderr.write(`\r[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  step ${step}/${total}  ${rate.toFixed(0)} steps/s  ETA ${formatDuration(eta)} `);
    } else {
      const decile = total ? Math.floor((step / total) * 10) : 0;
      if (decile !== this.lastPlain) {
        this.lastPlain = decile;
        process.stderr.write(`step ${step}/${total} (${decile * 10}%)\n`);
      }
    }
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}

async function train(args: Args): Promise<number> {
  const configPath = args.positional[0];
  if (!args.resume && !configPath) throw new UsageError('train: which config? mtl-lab train <config.mtl.json>');
  if (args.point !== undefined && (args.resume || !configPath)) throw new UsageError('train: --point needs a config (and no --resume): mtl-lab train <config.mtl.json> --point N');
  if (args.study && args.point === undefined) throw new UsageError('train: --study goes with --point N (the study\'s N-th run): mtl-lab train <config.mtl.json> --point N --study');
  const point = args.point !== undefined ? await pointRun(configPath, args, args.point) : { overrides: args.sets };
  const request = jobRunRequest({ configPath, runsDir: args.runsDir, ...point, backend: args.backend, resumeDir: args.resume, python: args.python });
  const job = slurmJobOfProcess();
  const notRestored = job && restoreNoRequeue(job);
  if (notRestored) process.stderr.write(`warning: could not mark Slurm job ${scontrolJobId(job)} --no-requeue again after its requeue: ${notRestored}\n`);
  let signal: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => {
    if (signal) process.exit(s === 'SIGINT' ? 130 : 143); // a second Ctrl+C does not wait
    signal = s;
    process.stderr.write(`\n${s}: stopping at the next step boundary (press Ctrl+C again to abort without a checkpoint)…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Slurm's warning before the time limit (sbatch --signal=B:USR1@N): checkpoint now, then requeue this task.
  process.on('SIGUSR1', onSignal);
  const progress = new Progress(Boolean(process.stderr.isTTY) && !args.json);
  let result;
  try {
    result = await runExperiment(
      request,
      {
        onStarted: (runDir, info) => {
          if (!args.json) process.stderr.write(`run ${info.id} → ${path.relative(process.cwd(), runDir) || runDir}\n`);
        },
        onRecords: ({ records }) => {
          if (args.json) return;
          for (const r of records) {
            if (r.kind === 'event' && (r.level !== 'info' || r.code === 'backend-selected')) {
              progress.done();
              process.stderr.write(`${r.level === 'info' ? '' : r.level + ': '}${r.message}\n`);
            }
          }
        },
        onStep: (step, total) => {
          if (!args.json) progress.update(step, total);
        },
        shouldStop: () => signal !== undefined,
      },
    );
  } finally {
    progress.done();
  }
  const info = result.info;
  // Only a run this job was submitted for is requeued (not the job of someone's own batch script around `train`).
  const requeue = info.status === 'stopped' && signal === 'SIGUSR1' && job && info.cluster?.jobId === job.jobId && info.cluster.arrayTaskId === job.arrayTaskId ? job : undefined;
  if (args.json) process.stdout.write(JSON.stringify({ runDir: result.runDir, ...info }, null, 2) + '\n');
  else if (requeue) process.stdout.write(`\n${info.id}: checkpointed at step ${info.step} of ${info.totalSteps} before the time limit\n`);
  else printOutcome(info, result.runDir);
  if (info.status === 'failed') return 1;
  if (requeue) return requeueBeforeTimeLimit(requeue, result.runDir);
  if (info.status === 'stopped') return signal === 'SIGTERM' ? 143 : 130;
  return 0;
}

/**
 * Point N of the config's sweep, or with --study the study's N-th run (baselines first, as `mtl-lab study` plans
 * them): its overrides after the --set ones, and a study's marks. What a Slurm array task trains.
 */
async function pointRun(configPath: string, args: Args, index: number): Promise<{ overrides: string[]; marks?: RunMarks }> {
  if (args.study) {
    // Inside a Slurm array the study's own baselines complete while its other tasks start: they are not "reused".
    const job = slurmJobOfProcess();
    const plan = await planStudy(configPath, args.sets, args.runsDir, tabularColumns, (r) => !job || r.info.cluster?.jobId !== job.jobId);
    if (index >= plan.jobs.length) throw new InputError(`${plan.file}: --point ${index}: the study has ${plan.jobs.length} runs to train (0-${plan.jobs.length - 1})`);
    const { overrides, marks } = plan.jobs[index];
    return { overrides, marks };
  }
  const { config, file } = await loadExperimentConfig(configPath, args.sets);
  const points = sweepPoints(config.sweep ?? {});
  if (index >= points.length) throw new InputError(`${file}: --point ${index}: the sweep has ${points.length} points (0-${points.length - 1})`);
  return { overrides: [...args.sets, ...points[index].overrides] };
}

/**
 * Checkpointed on Slurm's time-limit warning: requeue this task and wait, without exiting, for Slurm to kill this
 * job for the requeue (its SIGTERM: a clean exit); the task starts again and resumes from the checkpoint
 * (requeue.ts). Should Slurm refuse, the run stays stopped and Resume Run continues it as a new job.
 */
async function requeueBeforeTimeLimit(job: SlurmJobOfProcess, runDir: string): Promise<number> {
  const id = scontrolJobId(job);
  // The requeue's SIGTERM may come while scontrol still runs: from now on it is the expected end, not a stop.
  process.removeAllListeners('SIGTERM');
  process.on('SIGTERM', () => process.exit(0));
  const refused = requeueThisTask(job);
  if (refused) {
    process.stderr.write(`checkpoint written before the time limit; Slurm did not requeue job ${id} (${refused}); resume with: mtl-lab resume ${path.relative(process.cwd(), runDir) || runDir}\n`);
    return 0;
  }
  // Queued again, as Slurm now says: Resume and Delete refuse it, and the restarted task takes it over (claimJobRun).
  const read = readRunInfoSync(runDir);
  if (read.ok) writeRunInfoSync(runDir, { ...read.info, status: 'queued', pid: null, processStartTicks: null, endedAt: null });
  process.stderr.write(`checkpoint written before the time limit; Slurm job ${id} requeued: waiting to be ended for the requeue\n`);
  // Slurm ends the job with SIGTERM (then SIGKILL); the time limit itself is the backstop.
  return new Promise<number>(() => setInterval(() => undefined, 60_000));
}

function printOutcome(info: RunInfo, runDir: string): void {
  const rel = path.relative(process.cwd(), runDir) || runDir;
  if (info.status === 'completed' && info.summary) {
    process.stdout.write(`\n${info.id}: completed ${info.summary.steps} steps on ${info.summary.backend}, ${info.summary.stepsPerSecond} steps/s\n\n`);
    process.stdout.write(metricsTable(info.summary.metrics) + '\n');
    if (info.summary.bestStep !== null) process.stdout.write(`\nbest mean validation loss at step ${info.summary.bestStep}\n`);
    if (info.summary.affinity) process.stdout.write(`\n${affinityText(info.summary.affinity)}\n`);
  } else if (info.status === 'stopped') {
    process.stdout.write(`\n${info.id}: stopped at step ${info.step} of ${info.totalSteps}. Resume with: mtl-lab train --resume ${rel}\n`);
  } else if (info.status === 'failed') {
    process.stderr.write(`\n${info.id}: failed: ${info.error?.message ?? 'unknown error'}\n`);
  }
}

/** Final validation metrics in one cell: accuracy for classification, RMSE for regression. */
function finalMetricsCell(info: RunInfo): string {
  if (!info.summary) return '';
  return Object.entries(info.summary.metrics)
    .filter(([t]) => !info.baseline || info.baseline.task === t)
    .map(([t, m]) => `${t} ${m.accuracy !== undefined ? `acc ${(m.accuracy * 100).toFixed(1)}%` : m.microF1 !== undefined ? `micro-F1 ${(m.microF1 * 100).toFixed(1)}%` : `rmse ${formatNumber(m.rmse)}`}`)
    .join(', ');
}

/**
 * One run per combination of the config's `sweep` section, in order. Every combination is checked before
 * the first one trains (each value can be fine alone and a combination still invalid). Ctrl+C stops the
 * run in progress (checkpointed) and skips the rest.
 */
async function sweep(args: Args): Promise<number> {
  const configPath = args.positional[0];
  if (!configPath) throw new UsageError('sweep: which config? mtl-lab sweep <config.mtl.json>');
  const { config, text, file } = await loadExperimentConfig(configPath, args.sets);
  if (!config.sweep || Object.keys(config.sweep).length === 0) throw new InputError(`${file}: no "sweep" section to run (e.g. "sweep": { "optimizer.learningRate": [0.01, 0.001] })`);
  const points = sweepPoints(config.sweep);
  const invalid = invalidSweepPoint(text, file, points, args.sets);
  if (invalid) throw new InputError(`sweep run ${invalid.index + 1} of ${points.length} (${invalid.point.label}) is not a valid config:\n${invalid.diagnostics.map(formatDiagnostic).join('\n')}`);
  const batch = { configPath, runsDir: args.runsDir, sets: args.sets, backend: args.backend, python: args.python, points, cluster: config.cluster };
  if (args.runner === 'slurm') return submitToSlurm(batch, args);
  let signal: NodeJS.Signals | undefined;
  let progress = new Progress(false);
  const runner = new LocalRunner({
    onPoint: (i, point, total) => {
      if (!args.json) process.stderr.write(`\n[${i + 1}/${total}] ${point.label}\n`);
      progress = new Progress(Boolean(process.stderr.isTTY) && !args.json);
    },
    onStarted: (runDir, info) => {
      if (!args.json) process.stderr.write(`run ${info.id} → ${path.relative(process.cwd(), runDir) || runDir}\n`);
    },
    onStep: (step, total) => {
      if (!args.json) progress.update(step, total);
    },
    onPointDone: () => progress.done(),
  });
  const onSignal = (s: NodeJS.Signals) => {
    if (signal) process.exit(s === 'SIGINT' ? 130 : 143);
    signal = s;
    runner.stopAll();
    process.stderr.write(`\n${s}: stopping this run at the next step boundary and skipping the rest (press Ctrl+C again to abort without a checkpoint)…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results = (await runner.submit(batch)).map((r) => ({ point: points[r.index], ...r }));
  if (args.json) {
    process.stdout.write(JSON.stringify(results.map((r) => ({ runDir: r.runDir, ...r.info })), null, 2) + '\n');
  } else {
    process.stdout.write(`\nsweep of ${points.length} runs${results.length < points.length ? ` (${points.length - results.length} skipped)` : ''}\n\n`);
    process.stdout.write(table(['run', 'values', 'status', 'final validation', 'steps/s'], results.map((r) => [r.info.id, r.point.label, r.info.status, finalMetricsCell(r.info), r.info.summary ? String(r.info.summary.stepsPerSecond) : '—'])) + '\n');
  }
  if (signal) return signal === 'SIGTERM' ? 143 : 130;
  return results.some((r) => r.info.status === 'failed') ? 1 : 0;
}

/** The study of the config's `study` section: baselines, then runs, then each group's mean ± std and Δm. */
async function study(args: Args): Promise<number> {
  const configPath = args.positional[0];
  if (!configPath) throw new UsageError('study: which config? mtl-lab study <config.mtl.json>');
  return studyCommand(configPath, args);
}

async function validate(args: Args): Promise<number> {
  const configPath = args.positional[0];
  if (!configPath) throw new UsageError('validate: which config? mtl-lab validate <config.mtl.json>');
  const { config, text, file } = await loadExperimentConfig(configPath, args.sets);
  if (config.program) {
    // The program brings its own data: there is nothing of MTL Lab's to load.
    process.stdout.write(`${file}: ok — program ${JSON.stringify(config.program.command)}; tasks ${config.tasks.map((t) => t.name).join(', ')}\n`);
    return 0;
  }
  try {
    const configDir = path.dirname(path.resolve(configPath));
    const dataset = await loadDataset(config, configDir);
    const pretrained = loadPretrained({ config, configDir, source: { file, text } }, dataset);
    const tasks = dataset.tasks.map((t) => `${t.name} (${t.type}${t.classes ? `, ${t.classes} classes` : ''})`).join(', ');
    const init = pretrained ? `; model.init ${pretrained.file}: ${pretrained.loaded.length} tensors fit the trunk, ${pretrained.ignored.length} ignored` : '';
    process.stdout.write(`${file}: ok — ${dataset.describe}; ${dataset.train.size} train / ${dataset.validation.size} validation rows, ${dataset.inputDim} inputs; tasks ${tasks}${init}\n`);
    return 0;
  } catch (error) {
    if (error instanceof DataError) {
      const pos = error.configPath ? locateJsonPath(text, error.configPath) : undefined;
      throw new InputError(pos ? `${file}:${pos.line}:${pos.column}: ${error.message}` : error.message);
    }
    throw error;
  }
}

/** The cluster's view of the runs that were submitted to one (Slurm down or missing: said once, runs still listed). */
async function clusterStates(list: RunListing[]): Promise<Map<string, RunnerState>> {
  const submitted = list.filter((r) => runnerOf(r.info) === 'slurm');
  if (!submitted.length) return new Map();
  try {
    return await slurmRunnerFor(parseArgs([])).poll(submitted);
  } catch (error) {
    process.stderr.write(`cannot ask Slurm about ${submitted.length} cluster runs: ${(error as Error).message}\n`);
    return new Map();
  }
}

async function runs(args: Args): Promise<number> {
  if (args.affinity !== undefined) return runAffinity(args.affinity, args.json);
  const states = await clusterStates(listRunsSync(path.resolve(args.runsDir)).runs);
  // Listed after Slurm was asked (and run.json re-read by the poll): each run.json is at least as new as its state,
  // so a run that completed meanwhile does not show `completed` beside a step count from before.
  const list = listRunsSync(path.resolve(args.runsDir)).runs;
  const { runs: compared, groups } = compareRuns(list, (r) => readRunConfigSync(r.runDir));
  if (args.json) {
    process.stdout.write(JSON.stringify(compared.map(({ listing: { runDir, info }, group, deltaM }) => ({ runDir, ...info, group, deltaM, ...(states.has(runDir) ? { clusterState: states.get(runDir) } : {}) })), null, 2) + '\n');
    return 0;
  }
  if (!list.length) {
    process.stdout.write(`no runs in ${args.runsDir}\n`);
    return 0;
  }
  const groupOf = new Map(groups.flatMap((g) => g.runs.map((r) => [r.listing.info.id, g] as const)));
  const rows = compared.map(({ listing, deltaM }) => {
    const { info, runDir } = listing;
    const state = states.get(runDir);
    const group = groupOf.get(info.id);
    const kind = info.baseline ? `baseline ${info.baseline.task}` : deltaM?.value !== undefined ? `Δm ${deltaM.value > 0 ? '+' : ''}${deltaM.value.toFixed(2)} %` : '';
    const groupCell = group && group.runs.length > 1 ? `${group.key.slice(0, 6)}${group.deltaM ? ` Δm ${formatMeanStd(group.deltaM, { unit: ' %', signed: true })}` : ''}` : '';
    return [info.id, state?.status ?? info.status, `${info.step}/${info.totalSteps}`, info.backend ?? '—', ...clusterCells(listing, state), finalMetricsCell(info), kind, groupCell];
  });
  process.stdout.write(table(['run', 'status', 'step', 'backend', 'job', 'cluster', 'final validation', 'Δm / baseline', 'group (Δm mean ± std over seeds)'], rows) + '\n');
  if (compared.some((r) => r.deltaM?.value !== undefined)) process.stdout.write(`\n${DELTA_M_CONVENTION}\n`);
  return 0;
}

/** `mtl-lab runs --affinity <runDir>`: the run's average affinity so far (it may still be training) and the suggested groupings. */
function runAffinity(runDir: string, json: boolean): number {
  const read = readRunInfoSync(runDir);
  if (!read.ok) throw new InputError(`${runDir}: not a run directory (${read.reason})`);
  const summary = affinityFromRecords(readRecordsSync(runDir));
  if (!summary) throw new InputError(`${runDir}: no inter-task affinity recorded (set training.affinityEvery to measure it, e.g. 10)`);
  if (json) process.stdout.write(JSON.stringify({ run: read.info.id, ...summary }, null, 2) + '\n');
  else process.stdout.write(`${read.info.id}, step ${summary.step}\n\n${affinityText(summary)}\n`);
  return 0;
}

function runRef(args: Args, command: string): RunListing {
  const runDir = args.positional[0];
  if (!runDir) throw new UsageError(`${command}: which run? mtl-lab ${command} <runDir>`);
  const read = readRunInfoSync(runDir);
  if (!read.ok) throw new InputError(`${runDir}: not a run directory (${read.reason})`);
  return { runId: read.info.id, runDir: path.resolve(runDir), info: read.info };
}

/** Stops a run wherever it trains: scancel for a cluster run, SIGTERM to the worker for a local one. */
async function stop(args: Args): Promise<number> {
  const run = runRef(args, 'stop');
  if (runnerOf(run.info) === 'slurm') await slurmRunnerFor(args).cancel(run);
  else await new LocalRunner().cancel(run);
  process.stderr.write(`${run.info.id}: asked to stop (it checkpoints at its next step)\n`);
  return 0;
}

/** Resumes a cluster run as a new Slurm job; a local run trains here (as train --resume). */
async function resume(args: Args): Promise<number> {
  const run = runRef(args, 'resume');
  if (runnerOf(run.info) !== 'slurm') return train({ ...args, positional: [], resume: run.runDir });
  const resumed = await slurmRunnerFor(args).resume(run, readRunConfigSync(run.runDir)?.cluster);
  process.stdout.write(`${run.info.id}: resumed as Slurm job ${resumed.info.cluster?.jobId}\n`);
  return 0;
}

function exportRun(args: Args): number {
  const runDir = args.positional[0];
  if (!runDir) throw new UsageError('export: which run? mtl-lab export <runDir> --csv');
  if (!args.csv) throw new UsageError('export: choose a format: --csv');
  const read = readRunInfoSync(runDir);
  if (!read.ok) throw new InputError(`${runDir}: not a run directory (${read.reason})`);
  const csv = recordsToCsv(readRecordsSync(runDir));
  if (args.out) {
    writeFileSync(args.out, csv);
    process.stderr.write(`wrote ${args.out}\n`);
  } else process.stdout.write(csv);
  return 0;
}

async function backends(args: Args): Promise<number> {
  const results = await probeBackends();
  if (args.json) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
  else process.stdout.write(table(['backend', 'loads', 'detail'], results.map((r) => [r.name, r.ok ? 'yes' : 'no', r.detail])) + '\n');
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    if (args.help || !args.command) {
      process.stdout.write(USAGE + '\n');
      return args.command || args.help ? 0 : 2;
    }
    switch (args.command) {
      case 'train':
        return await train(args);
      case 'sweep':
        return await sweep(args);
      case 'study':
        return await study(args);
      case 'validate':
        return await validate(args);
      case 'runs':
        return await runs(args);
      case 'stop':
        return await stop(args);
      case 'resume':
        return await resume(args);
      case 'export':
        return exportRun(args);
      case 'backends':
        return await backends(args);
      default:
        throw new UsageError(`unknown command "${args.command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`mtl-lab: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof InputError || isConfigError(error) || error instanceof DataError || error instanceof SubmitError) {
      process.stderr.write(`${(error as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`mtl-lab: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

if (require.main === module || process.argv[1]?.endsWith(`${path.sep}cli.js`)) {
  if (existsSync(process.argv[1] ?? '')) {
    void main(process.argv.slice(2)).then((code) => process.exit(code));
  }
}
