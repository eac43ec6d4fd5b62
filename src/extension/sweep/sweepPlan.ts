/**
 * What Start Sweep will do with an experiment file: the runs of its `sweep` section, or why it cannot
 * start (problems in the file, no sweep, a combination that is not a valid config). Pure — the command
 * (startSweep.ts) adds the dialogs, and the CodeLens counts runs with `sweepRunCount`.
 */
import { parse as parseJsonc } from 'jsonc-parser/lib/esm/main.js';
import { formatDiagnostic } from '../../training/config/diagnostics';
import { analyseExperimentText, invalidSweepPoint } from '../../training/config/parse';
import { sweepPoints, sweepSize, type SweepPoint } from '../../training/config/sweep';
import type { ClusterConfig } from '../../training/config/schema';

export type SweepPlan = { ok: true; points: SweepPoint[]; cluster?: ClusterConfig } | { ok: false; reason: 'invalid' | 'no-sweep' | 'bad-combination'; message: string };

export function planSweep(text: string, file: string): SweepPlan {
  const analysis = analyseExperimentText(text, file);
  if (!analysis.config) {
    return { ok: false, reason: 'invalid', message: `${analysis.diagnostics.length} problem${analysis.diagnostics.length === 1 ? '' : 's'} in the file; the first: ${formatDiagnostic(analysis.diagnostics[0])}` };
  }
  const sweep = analysis.config.sweep;
  if (!sweep || Object.keys(sweep).length === 0) {
    return { ok: false, reason: 'no-sweep', message: 'this experiment has no "sweep" section (config path → values to try), e.g. "sweep": { "optimizer.learningRate": [0.01, 0.001] }' };
  }
  const points = sweepPoints(sweep);
  const invalid = invalidSweepPoint(text, file, points);
  if (invalid) {
    const [first] = invalid.diagnostics;
    return { ok: false, reason: 'bad-combination', message: `sweep run ${invalid.index + 1} of ${points.length} (${invalid.point.label}) is not a valid config: ${first.path ? `${first.path}: ` : ''}${first.message}` };
  }
  return { ok: true, points, cluster: analysis.config.cluster };
}

/** The number of runs the file's sweep section makes, from the JSON alone (for the CodeLens); 0 without one. */
export function sweepRunCount(text: string): number {
  try {
    const root = parseJsonc(text, [], { allowTrailingComma: true }) as { sweep?: unknown } | undefined;
    const sweep = root?.sweep;
    if (!sweep || typeof sweep !== 'object' || Array.isArray(sweep)) return 0;
    const arrays = Object.entries(sweep as Record<string, unknown>).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]));
    return arrays.length === 0 ? 0 : sweepSize(Object.fromEntries(arrays));
  } catch {
    return 0;
  }
}
