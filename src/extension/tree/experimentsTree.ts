/**
 * The Experiments view: finds `*.mtl.json` files (mtlLab.experimentGlob), keeps their text current
 * (open editors win over disk), and renders the tree model of treeModel.ts.
 */
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { readSettings, SECTION } from '../settings';
import type { RunsService } from '../runs/runsService';
import { childNodes, rootNodes, type ExperimentFile, type TreeNode, type TreeState } from './treeModel';
import type { RunIcon } from './runText';

const ICONS: Record<RunIcon, [string, string | undefined]> = {
  running: ['sync~spin', undefined],
  queued: ['clock', undefined],
  completed: ['pass', 'testing.iconPassed'],
  stopped: ['debug-stop', 'charts.yellow'],
  failed: ['error', 'testing.iconFailed'],
};

export class ExperimentsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changeEmitter = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changeEmitter.event;
  private readonly experimentsEmitter = new vscode.EventEmitter<readonly ExperimentFile[]>();
  /** The set of experiment files changed (for the CodeLens and the welcome view). */
  readonly onDidChangeExperiments = this.experimentsEmitter.event;

  private experiments: ExperimentFile[] = [];
  private readonly texts = new Map<string, string>();
  private readonly disposables: vscode.Disposable[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  readonly view: vscode.TreeView<TreeNode>;

  constructor(private readonly runs: RunsService) {
    this.view = vscode.window.createTreeView('mtlLab.experiments', { treeDataProvider: this, canSelectMany: true, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.changeEmitter,
      this.experimentsEmitter,
      runs.manager.onDidChangeRuns(() => this.fire()),
      runs.manager.onDidChangeQueue(() => this.fire()),
      // Live steps in descriptions: once a second is enough for a progress figure.
      runs.manager.onDidAppendRecords(() => this.fire(1000)),
      vscode.workspace.onDidChangeTextDocument((e) => this.onText(e.document)),
      vscode.workspace.onDidOpenTextDocument((d) => this.onText(d)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rescan()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.experimentGlob`)) this.rescan();
      }),
    );
    this.rescan();
  }

  get experimentFiles(): readonly ExperimentFile[] {
    return this.experiments;
  }

  textOf(file: string): string | undefined {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
    return open ? open.getText() : this.texts.get(file);
  }

  private onText(document: vscode.TextDocument): void {
    if (document.uri.scheme !== 'file' || !this.experiments.some((e) => e.file === document.uri.fsPath)) return;
    this.texts.set(document.uri.fsPath, document.getText());
    this.fire();
  }

  /** Finds the experiment files again and re-watches the glob. */
  rescan(): void {
    const glob = readSettings().experimentGlob;
    this.watcher?.dispose();
    this.watcher = vscode.workspace.createFileSystemWatcher(glob);
    this.watcher.onDidCreate(() => this.scheduleRescan());
    this.watcher.onDidDelete(() => this.scheduleRescan());
    this.watcher.onDidChange(async (uri) => {
      await this.loadText(uri.fsPath);
      this.fire();
    });
    this.scanning = this.scan(glob);
  }

  private scanning: Promise<void> = Promise.resolve();

  /** Resolves once the experiment files have been found (commands wait for it right after activation). */
  whenScanned(): Promise<void> {
    return this.scanning;
  }

  private scheduleRescan(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => (this.scanning = this.scan(readSettings().experimentGlob)), 200);
  }

  private async scan(glob: string): Promise<void> {
    const uris = await vscode.workspace.findFiles(glob, '**/node_modules/**');
    const files = uris.filter((u) => u.scheme === 'file');
    this.experiments = files.map((uri) => ({ file: uri.fsPath, relativePath: vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1) }));
    await Promise.all(files.map((uri) => this.loadText(uri.fsPath)));
    void vscode.commands.executeCommand('setContext', 'mtlLab.hasExperiments', this.experiments.length > 0);
    this.experimentsEmitter.fire(this.experiments);
    this.fire();
  }

  private async loadText(file: string): Promise<void> {
    try {
      this.texts.set(file, await fs.readFile(file, 'utf8'));
    } catch {
      this.texts.delete(file);
    }
  }

  private fireTimer: NodeJS.Timeout | undefined;
  /** Coalesces bursts (every IPC batch, every keystroke) into at most a few refreshes a second. */
  private fire(delayMs = 250): void {
    if (this.fireTimer) return;
    this.fireTimer = setTimeout(() => {
      this.fireTimer = undefined;
      this.changeEmitter.fire(undefined);
    }, delayMs);
  }

  private state(): TreeState {
    return {
      experiments: this.experiments,
      runs: this.runs.manager.list(),
      queue: this.runs.manager.queue(),
      liveStep: (runId) => this.runs.manager.liveStep(runId),
      readText: (file) => this.textOf(file),
    };
  }

  getChildren(element?: TreeNode): TreeNode[] {
    const state = this.state();
    return element ? childNodes(element, state) : rootNodes(state);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const collapsible = { none: vscode.TreeItemCollapsibleState.None, collapsed: vscode.TreeItemCollapsibleState.Collapsed, expanded: vscode.TreeItemCollapsibleState.Expanded }[node.collapsible];
    const item = new vscode.TreeItem(node.label, collapsible);
    item.id = node.id;
    item.description = node.description;
    item.contextValue = node.contextValue;
    if (node.markdownTooltip) item.tooltip = new vscode.MarkdownString(node.markdownTooltip);
    else if (node.tooltip) item.tooltip = node.tooltip;
    switch (node.kind) {
      case 'experiment':
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.resourceUri = vscode.Uri.file(node.file);
        item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.file)] };
        break;
      case 'config':
        item.iconPath = new vscode.ThemeIcon('settings-gear');
        break;
      case 'configValue':
        item.iconPath = new vscode.ThemeIcon('symbol-property');
        item.command = { command: 'mtlLab.editConfigValue', title: 'Edit Config Value', arguments: [node] };
        break;
      case 'tasks':
        item.iconPath = new vscode.ThemeIcon('checklist');
        break;
      case 'task':
        item.iconPath = new vscode.ThemeIcon('target');
        item.command = { command: 'mtlLab.revealOffset', title: 'Reveal', arguments: [node.file, node.offset] };
        break;
      case 'run': {
        const [icon, color] = ICONS[node.icon];
        item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
        item.command = { command: 'mtlLab.openDashboard', title: 'Open Dashboard', arguments: [node] };
        item.accessibilityInformation = { label: node.accessibilityLabel };
        break;
      }
      case 'queued':
        item.iconPath = new vscode.ThemeIcon('clock');
        break;
      case 'otherRuns':
        item.iconPath = new vscode.ThemeIcon('folder');
        break;
    }
    return item;
  }

  /** For `reveal`: the parent of a run is its experiment (or Other runs). */
  getParent(node: TreeNode): TreeNode | undefined {
    if (node.kind !== 'run') return undefined;
    const state = this.state();
    for (const root of rootNodes(state)) {
      if (childNodes(root, state).some((child) => child.id === node.id)) return root;
    }
    return undefined;
  }

  /** Shows a run in the tree (expanding its experiment) when the view is open, without taking focus. */
  async revealRun(runId: string): Promise<void> {
    if (!this.view.visible) return;
    const state = this.state();
    for (const root of rootNodes(state)) {
      const node = childNodes(root, state).find((child) => child.id === `run:${runId}`);
      if (node) {
        await this.view.reveal(node, { select: false, focus: false, expand: false });
        return;
      }
    }
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    if (this.fireTimer) clearTimeout(this.fireTimer);
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
