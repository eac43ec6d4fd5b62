/**
 * `MTL Lab: New Experiment`: data → (CSV file → target columns) → architecture → weighting → name, then
 * writes a commented `*.mtl.json` (template.ts) and opens it.
 */
import * as vscode from 'vscode';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import {
  ARCHITECTURE_CHOICES,
  DATA_CHOICES,
  WEIGHTING_CHOICES,
  experimentFileName,
  experimentTemplate,
  inferTasks,
  previewCsv,
  validateName,
  type DataChoice,
} from './template';

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  if (folders.length === 0) {
    void vscode.window.showInformationMessage('MTL Lab: open a folder first; experiments and their runs live in the workspace.');
    return undefined;
  }
  if (folders.length === 1) return folders[0]!.uri;
  return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Where should the experiment go?' }))?.uri;
}

async function chooseCsvData(folder: vscode.Uri, title: string): Promise<DataChoice | undefined> {
  const csvs = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.csv'), '**/node_modules/**', 500);
  if (csvs.length === 0) {
    void vscode.window.showWarningMessage('MTL Lab: no CSV file in this workspace folder.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    csvs.map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri, false), uri })),
    { title, placeHolder: 'Which CSV file?' },
  );
  if (!picked) return undefined;
  const handle = await fs.open(picked.uri.fsPath, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(256 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  let preview;
  try {
    preview = previewCsv(head, picked.uri.fsPath);
  } catch (error) {
    void vscode.window.showErrorMessage(`MTL Lab: ${(error as Error).message}`);
    return undefined;
  }
  const targets = await vscode.window.showQuickPick(
    preview.header.map((column) => ({ label: column, description: (preview.columns.get(column) ?? []).slice(0, 4).join(', ') })),
    { title, placeHolder: 'Which columns are the tasks\' targets? (the others become features)', canPickMany: true },
  );
  if (!targets || targets.length === 0) return undefined;
  const tasks = inferTasks(preview, targets.map((t) => t.label));
  return { kind: 'csv', path: picked.uri.fsPath, tasks };
}

export async function newExperiment(): Promise<vscode.Uri | undefined> {
  const title = 'MTL Lab: New Experiment';
  const folder = await pickFolder();
  if (!folder) return undefined;
  const dataPick = await vscode.window.showQuickPick(
    DATA_CHOICES.map((c) => ({ label: c.label, detail: c.detail, id: c.id })),
    { title, placeHolder: 'Data' },
  );
  if (!dataPick) return undefined;
  let data: DataChoice | undefined;
  if (dataPick.id === 'csv') data = await chooseCsvData(folder, title);
  else data = { kind: dataPick.id };
  if (!data) return undefined;
  const architecture = await vscode.window.showQuickPick(ARCHITECTURE_CHOICES.map((c) => ({ label: c.label, detail: c.detail, id: c.id })), { title, placeHolder: 'Architecture' });
  if (!architecture) return undefined;
  const weighting = await vscode.window.showQuickPick(WEIGHTING_CHOICES.map((c) => ({ label: c.label, description: c.detail, id: c.id })), { title, placeHolder: 'Loss weighting' });
  if (!weighting) return undefined;
  const suggested = data.kind === 'csv' ? path.basename(data.path).replace(/\.csv$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-') : `${data.kind}-${architecture.id}`;
  const name = await vscode.window.showInputBox({ title, prompt: 'Experiment name (run ids start with it)', value: suggested, validateInput: validateName });
  if (!name) return undefined;

  const directory = folder.fsPath;
  const fileName = experimentFileName(name, (f) => existsSync(path.join(directory, f)));
  const file = path.join(directory, fileName);
  // The CSV path is stored relative to the config file.
  const finalData: DataChoice = data.kind === 'csv' ? { ...data, path: path.relative(directory, data.path).split(path.sep).join('/') } : data;
  await fs.writeFile(file, experimentTemplate({ name, data: finalData, architecture: architecture.id, weighting: weighting.id }), { flag: 'wx' });
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(uri);
  return uri;
}
