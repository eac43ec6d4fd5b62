/**
 * A diagnostic's remedy written into the experiment file: its `sweep` keys set (added, or replaced when the key is
 * swept already), and a `study` section with three seeds if the file has none, so that Start Study runs it next.
 * The edit is the file's text with jsonc-parser's edits (configFields.computeConfigEdit): comments, order and
 * formatting stay. Pure.
 */
import { applyEdits } from 'jsonc-parser/lib/esm/main.js';
import { computeConfigEdit, readExperimentObject } from '../configEditing/configFields';

export const DEFAULT_STUDY = { seeds: [1, 2, 3], baselines: 'auto' };

export type RemedyText = { ok: true; text: string } | { ok: false; message: string };

export function withRemedy(text: string, sweep: Record<string, unknown[]>): RemedyText {
  let out = text;
  const steps: [(string | number)[], unknown][] = Object.entries(sweep).map(([key, values]) => [['sweep', key], values]);
  if (readExperimentObject(text)?.study === undefined) steps.push([['study'], DEFAULT_STUDY]);
  for (const [path, value] of steps) {
    const edit = computeConfigEdit(out, path, value);
    if (!edit.ok) return edit;
    out = applyEdits(out, edit.edits);
  }
  return { ok: true, text: out };
}
