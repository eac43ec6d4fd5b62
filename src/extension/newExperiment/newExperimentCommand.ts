/**
 * `MTL Lab: New Experiment`: shows the questions of flow.ts one by one (with a Back button), then writes
 * the commented `*.mtl.json` (template.ts) and opens it. Built as dist/newExperiment.js, which the host loads on
 * the command's first use (scripts/lazyBundles.mjs): activation never pays for the template and its formatting.
 */
import * as vscode from 'vscode';
import { promises as fs, existsSync } from 'node:fs';
import path from 'node:path';
import { answer, back, nextStep, type FlowAnswers, type FlowContext, type Question } from './flow';
import { experimentFileName, experimentTemplate, previewCsv } from './template';
import { DisposableStore } from '../util/disposables';

const TITLE = 'MTL Lab: New Experiment';
const BACK = Symbol('back');
type Reply = string | string[] | typeof BACK | undefined;

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  if (folders.length === 0) {
    void vscode.window.showInformationMessage('MTL Lab: open a folder first; experiments and their runs live in the workspace.');
    return undefined;
  }
  if (folders.length === 1) return folders[0]!.uri;
  return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Where should the experiment go?' }))?.uri;
}

async function readCsvHead(file: string): Promise<string> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(256 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Shows one question; resolves with the answer, BACK, or undefined when dismissed. */
function ask(question: Question, totalSteps: number, previous: FlowAnswers): Promise<Reply> {
  return new Promise((resolve) => {
    const owned = new DisposableStore();
    let settled = false;
    const finish = (reply: Reply) => {
      // Settle before disposing: disposing hides the input, and its onDidHide must not turn an answer
      // into a cancellation.
      if (settled) return;
      settled = true;
      resolve(reply);
      owned.dispose();
    };
    if (question.kind === 'input') {
      const input = owned.add(vscode.window.createInputBox());
      Object.assign(input, { title: TITLE, step: question.step, totalSteps, prompt: question.prompt, value: (previous.name as string | undefined) ?? question.value, buttons: [vscode.QuickInputButtons.Back] });
      owned.addAll(
        input.onDidChangeValue((value) => (input.validationMessage = question.validate(value))),
        input.onDidAccept(() => {
          const problem = question.validate(input.value);
          if (problem) input.validationMessage = problem;
          else finish(input.value);
        }),
        input.onDidTriggerButton(() => finish(BACK)),
        input.onDidHide(() => finish(undefined)),
      );
      input.show();
      return;
    }
    const pick = owned.add(vscode.window.createQuickPick<vscode.QuickPickItem & { id: string }>());
    Object.assign(pick, {
      title: TITLE,
      step: question.step,
      totalSteps,
      placeholder: question.placeholder,
      canSelectMany: question.kind === 'pickMany',
      matchOnDescription: true,
      buttons: question.step > 1 ? [vscode.QuickInputButtons.Back] : [],
      items: question.items,
    });
    owned.addAll(
      pick.onDidAccept(() => {
        const chosen = question.kind === 'pickMany' ? pick.selectedItems : pick.activeItems;
        if (chosen.length === 0) return;
        finish(question.kind === 'pickMany' ? chosen.map((i) => i.id) : chosen[0]!.id);
      }),
      pick.onDidTriggerButton(() => finish(BACK)),
      pick.onDidHide(() => finish(undefined)),
    );
    pick.show();
  });
}

export async function newExperiment(): Promise<vscode.Uri | undefined> {
  const folder = await pickFolder();
  if (!folder) return undefined;
  const csvs = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.csv'), '**/node_modules/**', 500);
  const context: FlowContext = { folder: folder.fsPath, csvFiles: csvs.filter((u) => u.scheme === 'file').map((u) => u.fsPath) };
  let answers: FlowAnswers = {};
  let previewOf: string | undefined;
  for (;;) {
    if (answers.csvFile && previewOf !== answers.csvFile) {
      previewOf = answers.csvFile;
      try {
        context.preview = previewCsv(await readCsvHead(answers.csvFile), answers.csvFile);
      } catch (error) {
        context.preview = error instanceof Error ? error : new Error(String(error));
      }
    }
    const state = nextStep(answers, context);
    if (state.done) {
      const fileName = experimentFileName(state.choices.name, (f) => existsSync(path.join(folder.fsPath, f)));
      const file = path.join(folder.fsPath, fileName);
      await fs.writeFile(file, experimentTemplate(state.choices), { flag: 'wx' });
      const uri = vscode.Uri.file(file);
      await vscode.window.showTextDocument(uri);
      return uri;
    }
    if (!state.question) {
      void vscode.window.showWarningMessage(`MTL Lab: ${state.problem}`);
      return undefined;
    }
    const reply = await ask(state.question, state.totalSteps, answers);
    if (reply === undefined) return undefined;
    answers = reply === BACK ? back(answers, state.question.key) : answer(answers, state.question.key, reply);
  }
}
