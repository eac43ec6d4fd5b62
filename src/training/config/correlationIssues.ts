/**
 * `data.correlation` beyond its schema: a matrix has a row and column per declared task and could be a
 * correlation matrix; blocks name declared tasks, each at most once, and stand for such a matrix.
 */
import { blockCorrelationMatrix, correlationBlockProblems, correlationMatrixProblem } from '../data/correlation';
import { isPlainObject, quote, valueAt, type ConfigIssue } from './issues';
import type { ConfigView } from './method';
import { closestMatch } from './suggest';

const AT = ['data', 'correlation'];

export function correlationIssues(view: ConfigView): ConfigIssue[] {
  const R = valueAt(view.resolved, AT);
  if (Array.isArray(R)) return matrixIssues(R, view.tasks.length);
  if (isPlainObject(R)) return blockIssues(R, view);
  return [];
}

function matrixIssues(R: unknown[], K: number): ConfigIssue[] {
  if (!R.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'number'))) return [];
  const problem = correlationMatrixProblem(R as number[][], K);
  return problem ? [{ path: AT, message: `a task correlation matrix ${problem}` }] : [];
}

function blockIssues(spec: Record<string, unknown>, { tasks }: ConfigView): ConfigIssue[] {
  const { blocks, within, between } = spec;
  // Wrong shapes and ranges are the schema's to report.
  if (!Array.isArray(blocks) || !blocks.every((b) => Array.isArray(b) && b.length >= 2 && b.every((name) => typeof name === 'string'))) return [];
  const inRange = (v: unknown) => typeof v === 'number' && Math.abs(v) <= 1;
  if (!inRange(within) || !inRange(between)) return [];
  const names = tasks.map((t) => t.name).filter((n): n is string => n !== undefined);
  const nameIssues = correlationBlockProblems(blocks as string[][], names).map(({ path, name, problem, first }): ConfigIssue => {
    if (problem === 'repeated') return { path: [...AT, ...path], message: `task ${quote(name)} is already in ${first![0] === path[1] ? 'this block' : `block ${first![0] + 1}`}: a task belongs to at most one block` };
    const suggestion = closestMatch(name, names);
    return { path: [...AT, ...path], message: `no task is named ${quote(name)}${suggestion ? ` (did you mean ${quote(suggestion)}?)` : ''}; the tasks are ${names.map(quote).join(', ')}` };
  });
  if (nameIssues.length > 0 || names.length !== tasks.length) return nameIssues;
  const problem = correlationMatrixProblem(blockCorrelationMatrix({ blocks: blocks as string[][], within: within as number, between: between as number }, names), names.length);
  return problem ? [{ path: AT, message: `the blocks (within ${String(within)}, between ${String(between)}) give a task correlation matrix that ${problem}` }] : [];
}
