/**
 * `MTL Lab: Edit Config Value`: a quick pick for enums, an input box validated against the schema for
 * numbers; the change is a WorkspaceEdit (jsonc-parser edits), so comments survive and Ctrl+Z undoes it.
 */
import * as vscode from 'vscode';
import { computeConfigEdit, formatConfigValue, readConfigValues, validateFieldInput, type ConfigField } from './configFields';
import type { ConfigValueNode } from '../tree/treeModel';
import { ensureTrusted } from '../runs/runsService';
import { COMMANDS, type FeatureCommands } from '../commands/commandIds';
import { isTreeNode } from '../commands/runSelection';

export async function editConfigValue(node: ConfigValueNode | undefined): Promise<boolean> {
  let file: vscode.Uri;
  let field: ConfigField;
  let current: unknown;
  if (node) {
    file = vscode.Uri.file(node.file);
    field = node.field;
    // The tree already read the value: ask at once, open the document only to apply the answer.
    current = node.value;
  } else {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !/\.mtl\.json$/i.test(editor.document.uri.fsPath)) {
      void vscode.window.showInformationMessage('MTL Lab: open a *.mtl.json file, or use ✎ on a value under Config in the Experiments view.');
      return false;
    }
    file = editor.document.uri;
    const values = readConfigValues(editor.document.getText());
    const picked = await vscode.window.showQuickPick(
      values.map((v) => ({ label: v.field.label, description: `${formatConfigValue(v.value)}${v.isDefault ? ' (default)' : ''}`, detail: v.field.path.join('.'), field: v.field })),
      { title: 'MTL Lab: Edit Config Value', placeHolder: 'Which value?' },
    );
    if (!picked) return false;
    field = picked.field;
    current = values.find((v) => v.field.id === picked.field.id)?.value;
  }
  const value = await askValue(field, current);
  if (value === undefined) return false;
  const document = await vscode.workspace.openTextDocument(file);

  const text = document.getText();
  const result = computeConfigEdit(text, field.path, value);
  if (!result.ok) {
    void vscode.window.showErrorMessage(`MTL Lab: ${result.message}`);
    return false;
  }
  const edit = new vscode.WorkspaceEdit();
  for (const e of result.edits) edit.replace(file, new vscode.Range(document.positionAt(e.offset), document.positionAt(e.offset + e.length)), e.content);
  const applied = await vscode.workspace.applyEdit(edit);
  // Saved, so the tree, CodeLens and a run started next all see the new value.
  if (applied) await document.save();
  return applied;
}

async function askValue(field: ConfigField, current: unknown): Promise<string | number | undefined> {
  if (field.kind === 'enum') {
    const picked = await vscode.window.showQuickPick(
      (field.options ?? []).map((option) => ({ label: option, description: option === current ? 'current' : undefined, picked: option === current })),
      { title: `MTL Lab: ${field.label}`, placeHolder: `${field.path.join('.')} (now ${formatConfigValue(current)})` },
    );
    return picked?.label;
  }
  const input = await vscode.window.showInputBox({
    title: `MTL Lab: ${field.label}`,
    prompt: field.path.join('.'),
    value: current === undefined ? '' : String(current),
    validateInput: (text) => {
      const checked = validateFieldInput(field, text);
      return checked.ok ? undefined : checked.message;
    },
  });
  if (input === undefined) return undefined;
  const checked = validateFieldInput(field, input);
  return checked.ok ? checked.value : undefined;
}


export function configEditingCommands(): FeatureCommands<'editConfigValue'> {
  return {
    [COMMANDS.editConfigValue]: async (arg?: unknown) => {
      // The tree is read-only in an untrusted workspace; the editor itself stays editable as usual.
      if (!(await ensureTrusted('edit the experiment from the tree'))) return false;
      return editConfigValue(isTreeNode(arg) && arg.kind === 'configValue' ? arg : undefined);
    },
  };
}
