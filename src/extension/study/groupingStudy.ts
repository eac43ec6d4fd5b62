/**
 * The Suggested groupings card's "Study this grouping": writes the study config of the picked grouping (all tasks
 * together, each group alone, × seeds, single-task baselines; training/study/groupingStudy.ts) beside the run's
 * experiment file (data paths stay relative to the same folder), never over an existing file, and opens it.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { groupingStudyText } from '../../training/study/groupingStudy';
import type { RunSnapshot } from '../dashboard/dataSource';

/** A file name in `dir` that does not exist yet: `<base>.mtl.json`, else `<base>-2.mtl.json`, … */
export function freeStudyPath(dir: string, base: string): string {
  for (let n = 1; ; n++) {
    const file = path.join(dir, `${base}${n === 1 ? '' : `-${n}`}.mtl.json`);
    if (!existsSync(file)) return file;
  }
}

export async function writeGroupingStudy(run: RunSnapshot, groups: readonly (readonly string[])[], readOnly: boolean): Promise<string> {
  if (readOnly) throw new Error('the workspace is not trusted; no study config is written');
  if (!run.config) throw new Error(`run ${run.info.id}: its config.json cannot be read`);
  if (run.config.program) throw new Error(`run ${run.info.id} is a program run: a study of its tasks needs the built-in engine`);
  const text = groupingStudyText(run.config, groups, run.info.id);
  const dir = run.info.experimentFile ? path.dirname(run.info.experimentFile) : path.dirname(run.runDir);
  const file = freeStudyPath(dir, `${run.config.name}-grouping`);
  writeFileSync(file, text);
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  void vscode.window.showInformationMessage(`MTL Lab: wrote ${path.basename(file)}: all tasks together, ${groups.map((g) => `{${g.join(', ')}}`).join(' ')}, and single-task baselines over 3 seeds. Start Study trains it.`);
  return file;
}
