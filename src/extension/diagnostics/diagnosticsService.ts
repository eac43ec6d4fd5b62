/**
 * Problems for `*.mtl.json` files that the JSON Schema cannot find (configDiagnostics.ts), refreshed when
 * an experiment is opened or saved, and when a data file it may reference is saved.
 */
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { configProblems } from './configDiagnostics';
import { DisposableOwner } from '../util/disposables';

const HEAD_BYTES = 64 * 1024;

async function readHead(file: string): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

export function isExperimentDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' && /\.mtl\.json$/i.test(document.uri.fsPath);
}

export class ConfigDiagnostics extends DisposableOwner {
  private readonly collection = this.own(vscode.languages.createDiagnosticCollection('mtlLab'));
  private readonly versions = new Map<string, number>();

  constructor() {
    super();
    this.ownAll(
      vscode.workspace.onDidOpenTextDocument((d) => this.check(d)),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (isExperimentDocument(d)) void this.check(d);
        else if (/\.(csv|jsonl)$/i.test(d.uri.fsPath)) this.checkAll();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
    );
    this.checkAll();
  }

  checkAll(): void {
    for (const document of vscode.workspace.textDocuments) void this.check(document);
  }

  async check(document: vscode.TextDocument): Promise<void> {
    if (!isExperimentDocument(document)) return;
    const key = document.uri.toString();
    const version = document.version;
    this.versions.set(key, version);
    const problems = await configProblems(document.getText(), document.uri.fsPath, readHead);
    if (this.versions.get(key) !== version || document.isClosed) return; // a newer check is under way
    this.collection.set(
      document.uri,
      problems.map((p) => {
        const range = new vscode.Range(document.positionAt(p.offset), document.positionAt(p.offset + p.length));
        const diagnostic = new vscode.Diagnostic(range, `${p.path ? `${p.path}: ` : ''}${p.message}`, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
        diagnostic.source = 'MTL Lab';
        return diagnostic;
      }),
    );
  }
}
