/**
 * The VS Code side of the run manager: wires settings, workspace folders, file watchers and trust into
 * the vscode-free RunManager, and implements the dashboard's DashboardDataSource on top of it.
 */
import * as vscode from 'vscode';
import path from 'node:path';
import type { DashboardDataSource, RecordsAppended, RunSnapshot } from '../dashboard/dataSource';
import { readRunConfigSync, readRunInfoSync } from '../../training/run/runDirectory';
import type { RecordsRead } from '../../training/run/metricsTail';
import type { RunMarks } from '../../training/run/records';
import { allRunsDirectories, readSettings, runsDirectoryForConfig, SECTION, workerModulePaths, type Settings } from '../settings';
import { RunManager, type QueuedRun } from './runManager';
import { pythonInterpreter } from './pythonInterpreter';
import { ClusterRuns } from '../cluster/clusterRuns';
import { SlurmRunner } from '../../training/runner/slurm/slurmRunner';
import { createWorkerLauncher } from './workerProcess';
import { DisposableOwner, DisposableSlot, DisposableStore, toDisposable } from '../util/disposables';

export class RunsService extends DisposableOwner implements DashboardDataSource {
  readonly manager: RunManager;
  /** Runs submitted to a Slurm cluster: their scheduler state, stop, resume. */
  readonly cluster: ClusterRuns;
  /** The watchers of the current runs directories (replaced by rewatch). */
  private readonly watchers = new DisposableSlot<DisposableStore>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;

  readonly onDidAppendRecords: vscode.Event<RecordsAppended>;
  readonly onDidChangeRuns: vscode.Event<RunSnapshot[]>;

  constructor(private readonly context: vscode.ExtensionContext) {
    super();
    const workerPath = path.join(context.extensionPath, 'dist', 'worker.js');
    this.manager = new RunManager({
      launch: createWorkerLauncher(() => {
        const settings = readSettings();
        const folder = vscode.workspace.workspaceFolders?.[0];
        return { workerPath, nodePath: settings.nodePath, cwd: folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined };
      }),
      runsDirectories: () => allRunsDirectories(),
      maxConcurrentRuns: () => readSettings().maxConcurrentRuns,
    });
    // The compute nodes run dist/cli.js with mtlLab.nodePath, or the `node` on their PATH (not VS Code's own).
    const cliPath = path.join(context.extensionPath, 'dist', 'cli.js');
    this.cluster = new ClusterRuns(
      () => this.manager.list(),
      () => new SlurmRunner({ node: readSettings().nodePath || 'node', cli: cliPath }),
    );
    this.onDidAppendRecords = this.manager.onDidAppendRecords;
    // Dashboards hear of run.json changes and of each poll of the cluster (a queued run's reason can change alone).
    const runsChanged = new vscode.EventEmitter<RunSnapshot[]>();
    this.onDidChangeRuns = runsChanged.event;
    this.own(runsChanged);
    this.own(this.manager.onDidChangeRuns(() => runsChanged.fire(this.listRuns())));
    this.own(this.cluster.onDidChange(() => runsChanged.fire(this.listRuns())));
    this.ownAll(
      // Workers keep training when the manager goes; the next window re-attaches.
      this.manager,
      this.cluster,
      this.watchers,
      this.manager.onDidChangeRuns((list) => {
        if (list.some((r) => r.info.cluster && !this.cluster.stateOf(r.info.id))) void this.cluster.poll();
      }),
      toDisposable(() => {
        if (this.refreshTimer) clearTimeout(this.refreshTimer);
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rewatch()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.runsDirectory`)) this.rewatch();
      }),
      // Runs started from a terminal with the CLI appear when the window regains focus, at the latest.
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused) this.scheduleRefresh(0);
      }),
    );
    this.rewatch();
    this.initialScan = this.refresh().then(() => {
      this.initialScanDone = true;
    });
  }

  /** The first scan of the runs directories (started at activation, not awaited by it). */
  private readonly initialScan: Promise<void>;
  private initialScanDone = false;

  /** Resolves once every run on disk is known (and running ones are followed). */
  whenReady(): Promise<void> {
    return this.initialScan;
  }

  /** Watches each runs directory for new, changed or deleted run.json files. */
  private rewatch(): void {
    const watchers = (this.watchers.value = new DisposableStore());
    for (const runsDir of allRunsDirectories()) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(runsDir), '*/run.json'));
      const changed = () => this.scheduleRefresh(200);
      watchers.addAll(watcher, watcher.onDidCreate(changed), watcher.onDidChange(changed), watcher.onDidDelete(changed));
    }
    this.scheduleRefresh(0);
  }

  scheduleRefresh(delayMs: number): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      void this.refresh();
    }, delayMs);
  }

  /** Rescans the runs directories; concurrent calls coalesce into one more scan. */
  async refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        try {
          await this.manager.refresh();
        } catch (error) {
          console.error('MTL Lab: refreshing runs failed', error);
        }
      } while (this.refreshAgain);
    })();
    try {
      await this.refreshing;
    } finally {
      this.refreshing = undefined;
    }
  }

  // DashboardDataSource

  listRuns(): RunSnapshot[] {
    return this.manager.list().map((r) => this.withClusterState(r));
  }

  getRun(runId: string): RunSnapshot | undefined {
    const known = this.manager.get(runId);
    if (known) return this.withClusterState(known);
    if (this.initialScanDone) return undefined;
    // A dashboard restored with the window asks before the first scan has finished: answer from disk,
    // synchronously (one small file), rather than closing the panel as if the run were gone.
    return peekRun(allRunsDirectories(), runId);
  }

  private withClusterState(run: RunSnapshot): RunSnapshot {
    const state = run.info.cluster ? this.cluster.stateOf(run.info.id) : undefined;
    return state ? { ...run, clusterState: state } : run;
  }

  async readRecords(runId: string): Promise<RecordsRead> {
    await this.whenReady();
    return this.manager.readRecords(runId);
  }

  async stopRun(runId: string): Promise<void> {
    await this.whenReady();
    return this.manager.stop(runId);
  }

  async resumeRun(runId: string): Promise<void> {
    await this.whenReady();
    if (!(await ensureTrusted('resume a run'))) return;
    const queued: QueuedRun = this.manager.resume(runId, this.workerOptions(readSettings()));
    await queued.started;
  }

  /** Queues a run of `configPath` with `overrides`, in its workspace folder's runs directory (Start Run, Start Sweep). */
  start(configPath: string, overrides: string[] = [], settings: Settings = readSettings(), marks?: RunMarks): QueuedRun {
    return this.manager.start({ configPath, runsDir: runsDirectoryForConfig(configPath, settings), overrides, ...this.workerOptions(settings), ...(marks && { marks }) });
  }

  /** What every worker this window starts is given: the backend setting, where native backends may be installed, the Python interpreter for programs. */
  private workerOptions(settings: Settings): { backend?: string; modulePaths: string[]; python?: string } {
    return { backend: settings.backend === 'config' ? undefined : settings.backend, modulePaths: workerModulePaths(this.context), python: pythonInterpreter(settings) };
  }

  isReadOnly(): boolean {
    return !vscode.workspace.isTrusted;
  }

  get extensionPath(): string {
    return this.context.extensionPath;
  }
}

/** A run read straight from disk, for the moments before the first scan finished. */
function peekRun(runsDirectories: readonly string[], runId: string): RunSnapshot | undefined {
  if (runId.includes('/') || runId.includes('\\') || runId.startsWith('.')) return undefined;
  for (const runsDir of runsDirectories) {
    const runDir = path.join(runsDir, runId);
    const read = readRunInfoSync(runDir);
    if (read.ok) return { info: read.info, runDir, config: readRunConfigSync(runDir) };
  }
  return undefined;
}

/** The worker reads the experiment from disk: an open editor's unsaved edits are saved first, so what the user sees is what trains. */
export async function saveIfDirty(configPath: string): Promise<void> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === configPath);
  if (open?.isDirty) await open.save();
}

/** Starting processes needs a trusted workspace; asks for trust (through VS Code's own dialog) otherwise. */
export async function ensureTrusted(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const answer = await vscode.window.showWarningMessage(
    `MTL Lab: to ${action}, trust this workspace. A run executes the training worker on this workspace's files.`,
    { modal: true },
    manage,
  );
  if (answer === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return vscode.workspace.isTrusted;
}
