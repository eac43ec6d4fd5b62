/**
 * Which runs a tree command acts on. VS Code calls a tree command with the clicked node and the
 * multi-selection; Stop, Resume, Open Dashboard, Compare and Delete act on the whole selection when the
 * clicked row is part of it. No `vscode` import, so the rules are unit-tested.
 */
import type { RunInfo } from '../../training/run/records';
import type { RunNode, TreeNode } from '../tree/treeModel';

export function isTreeNode(value: unknown): value is TreeNode {
  return typeof value === 'object' && value !== null && 'kind' in value && 'id' in value;
}

/**
 * Run ids from a tree invocation: the multi-selection when the clicked node is part of it. VS Code
 * passes the selection as elements it maps from handles; a tree refresh between the click and the
 * command can drop them, so the view's own selection (kept from the last selection event) is the
 * fallback when the command came from the tree.
 */
export function selectedRunIds(arg: unknown, selection: unknown, viewSelection: readonly TreeNode[] = []): string[] {
  const runIds = (nodes: readonly unknown[]) => nodes.filter((n): n is RunNode => isTreeNode(n) && n.kind === 'run').map((n) => n.runId);
  const given = runIds(Array.isArray(selection) && selection.length > 0 ? selection : [arg]);
  if (!isTreeNode(arg)) return given;
  const selected = runIds(viewSelection);
  const clicked = arg.kind === 'run' ? arg.runId : undefined;
  // The view's selection counts only if the clicked row belongs to it (a right-click outside the
  // selection acts on that row alone, as everywhere in VS Code).
  if (selected.length > given.length && (clicked === undefined || selected.includes(clicked))) return selected;
  return given;
}

/** A run Resume Run can continue: it stopped, or failed, before the end (its checkpoint is the start). */
export function isResumable(info: Pick<RunInfo, 'status'>): boolean {
  return info.status === 'stopped' || info.status === 'failed';
}

/**
 * What Resume Run resumes from a tree invocation: every resumable run of the selection (as Stop Run
 * stops every run of it); running or completed runs in the selection are left alone. Empty when the
 * command came from the palette (it then asks).
 */
export function runsToResume(arg: unknown, selection: unknown, viewSelection: readonly TreeNode[], infoOf: (runId: string) => Pick<RunInfo, 'status'> | undefined): string[] {
  return selectedRunIds(arg, selection, viewSelection).filter((id) => {
    const info = infoOf(id);
    return info !== undefined && isResumable(info);
  });
}
