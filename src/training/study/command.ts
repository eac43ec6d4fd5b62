/**
 * `mtl-lab study <config>`: plan the study (baselines, then each point × seed), train it here (`--jobs` at a time)
 * or submit it to Slurm as one job array (`--runner slurm`, like a sweep; `--wait` waits for it), then print each
 * group's mean ± std, Δm and diagnostics from the finished runs.
 */
import path from 'node:path';
import type { Args } from '../cliArgs';
import { tabularColumns } from '../data/tabular';
import { defaultConcurrency } from '../run/concurrency';
import { readRecordsSync } from '../run/metricsTail';
import { listRunsSync, readRunConfigSync } from '../run/runDirectory';
import { submitBatch, submitToSlurm, waitForSlurmRuns } from '../runner/slurm/cli';
import { StudyProgress } from './cliProgress';
import { compareRuns } from './compare';
import { planStudy, studyBatch, type StudyPlan } from './plan';
import { writeReport } from './reportFiles';
import { runStudy, type JobResult } from './runStudy';
import { diagnosticsText, groupsTable, studyDiagnostics } from './summary';

export async function studyCommand(configPath: string, args: Args): Promise<number> {
  const plan = await planStudy(configPath, args.sets, args.runsDir, tabularColumns);
  if (args.runner === 'slurm') return studyOnSlurm(plan, args);
  const jobs = args.jobs ?? defaultConcurrency();
  const baselines = plan.jobs.filter((j) => j.kind === 'baseline').length;
  const progress = new StudyProgress(process.stderr, { done: 0, failed: 0, queued: plan.jobs.length, total: plan.jobs.length }, !args.json);
  const say = (line: string) => progress.say(line);
  say(`study ${plan.config.name}: ${plan.jobs.length - baselines} runs, ${baselines} baselines to train, ${plan.reused.length} reused; ${jobs} at a time`);
  for (const r of plan.reused) say(`  reusing baseline ${r.listing.info.id} (task ${r.task}, seed ${r.seed})`);
  let signal: NodeJS.Signals | undefined;
  const onSignal = (s: NodeJS.Signals) => {
    if (signal) process.exit(s === 'SIGINT' ? 130 : 143);
    signal = s;
    say(`\n${s}: stopping the runs in progress at the next step boundary and skipping the rest…`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results = await runStudy(plan, {
    runsDir: args.runsDir,
    backend: args.backend,
    python: args.python,
    jobs,
    shouldStop: () => signal !== undefined,
    onJobStarted: (job, _runDir, info) => {
      say(`started ${info.id} (${job.label})`);
      progress.started(job, job.label, info.totalSteps);
    },
    onProgress: (job, step, total, losses) => progress.progress(job, step, total, losses),
    onJobDone: (r, done, total) => {
      progress.finished(r.job, Boolean(r.error) || r.info?.status === 'failed');
      say(`[${done}/${total}] ${r.job.label}: ${r.error ? `could not start: ${r.error}` : (r.info?.status ?? '?')}${r.info?.error ? ` — ${r.info.error.message}` : ''}`);
    },
  });
  progress.close();
  const failed = await printSummary(plan, results, args);
  if (signal) return signal === 'SIGTERM' ? 143 : 130;
  return failed ? 1 : 0;
}

/**
 * The study's runs as one Slurm job array, task i the plan's job i (`train <config> --point i --study`). Without
 * --wait it returns once they are queued; with it, it polls Slurm until every run ended and prints the summary.
 */
async function studyOnSlurm(plan: StudyPlan, args: Args): Promise<number> {
  if (plan.jobs.length === 0) {
    process.stderr.write(`study ${plan.config.name}: nothing to train\n`);
    return (await printSummary(plan, [], args)) ? 1 : 0;
  }
  for (const r of plan.reused) process.stderr.write(`reusing baseline ${r.listing.info.id} (task ${r.task}, seed ${r.seed})\n`);
  const batch = studyBatch(plan, args);
  if (!args.wait) return submitToSlurm(batch, args);
  const submitted = await submitBatch(batch, args, (text) => process.stderr.write(text));
  const ended = await waitForSlurmRuns(args, submitted, (line) => process.stderr.write(`${line}\n`));
  const results: JobResult[] = ended.map((run, i) => ({ job: plan.jobs[i], runDir: run.runDir, info: run.info }));
  return (await printSummary(plan, results, args)) ? 1 : 0;
}

/** The groups of the study's runs (and the baselines it reused): a table or JSON; true when a run failed. */
async function printSummary(plan: StudyPlan, results: JobResult[], args: Args): Promise<boolean> {
  const ids = new Set([...results.flatMap((r) => (r.info ? [r.info.id] : [])), ...plan.reused.map((r) => r.listing.info.id)]);
  const listed = listRunsSync(path.resolve(args.runsDir)).runs;
  const compared = compareRuns(listed, (r) => readRunConfigSync(r.runDir));
  const groups = compared.groups.filter((g) => g.runs.some((r) => ids.has(r.listing.info.id)));
  const failures = results.filter((r) => r.error || r.info?.status === 'failed');
  const reason = (f: JobResult) => f.error ?? f.info?.error?.message;
  const diagnostics = studyDiagnostics(groups, (r) => readRecordsSync(r.runDir));
  if (args.json) {
    process.stdout.write(JSON.stringify({ groups: groups.map(({ runs: members, ...g }) => ({ ...g, runs: members.map((m) => ({ id: m.listing.info.id, seed: m.seed, status: m.listing.info.status, deltaM: m.deltaM })) })), diagnostics: diagnostics.map((d) => ({ group: d.group.label, findings: d.findings, conflictShares: d.conflictShares })), failures: failures.map((f) => ({ label: f.job.label, task: f.job.task, error: reason(f) })) }, null, 2) + '\n');
  } else {
    process.stdout.write(`\n${groupsTable(groups, plan.config.tasks)}\n\n${diagnosticsText(diagnostics)}\n`);
    for (const f of failures) process.stdout.write(`\n${f.job.kind === 'baseline' ? `the baseline of task "${f.job.task}" (seed ${f.job.seed})` : f.job.label} could not be trained: ${reason(f)}`);
    if (failures.length) process.stdout.write('\n');
  }
  if (args.report) await writeReport(args.report, groups, plan.config, diagnostics);
  return failures.length > 0;
}
