/**
 * Start Study's pure parts: the number of runs a file's study makes (for the CodeLens, from the JSON alone), and
 * what to tell the user about a plan and about jobs that could not start (which task's baseline, and why).
 */
import { parse as parseJsonc } from 'jsonc-parser/lib/esm/main.js';
import { sweepSize } from '../../training/config/sweep';
import type { StudyJob, StudyPlan } from '../../training/study/plan';

/** Multi-task runs of the file's study (sweep points × seeds); 0 without a study section. */
export function studyRunCount(text: string): number {
  try {
    const root = parseJsonc(text, [], { allowTrailingComma: true }) as { sweep?: unknown; study?: { seeds?: unknown } } | undefined;
    const seeds = root?.study?.seeds;
    if (!Array.isArray(seeds) || seeds.length === 0) return 0;
    const sweep = root?.sweep && typeof root.sweep === 'object' && !Array.isArray(root.sweep) ? (root.sweep as Record<string, unknown>) : {};
    const arrays = Object.fromEntries(Object.entries(sweep).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1])));
    return sweepSize(arrays) * seeds.length;
  } catch {
    return 0;
  }
}

export function planSummary(plan: StudyPlan): string {
  const baselines = plan.jobs.filter((j) => j.kind === 'baseline').length;
  const runs = plan.jobs.length - baselines;
  return `study of ${runs} run${runs === 1 ? '' : 's'} and ${baselines} single-task baseline${baselines === 1 ? '' : 's'} queued${plan.reused.length ? ` (${plan.reused.length} baseline${plan.reused.length === 1 ? '' : 's'} reused)` : ''}`;
}

/** "the baseline of task "b" (seed 1) could not start: …" or "loss.weighting = pcgrad, seed = 2 could not start: …". */
export function jobFailure(job: StudyJob, message: string): string {
  return `${job.kind === 'baseline' ? `the baseline of task "${job.task}" (seed ${job.seed})` : `run ${job.label}`} could not start: ${message}`;
}
