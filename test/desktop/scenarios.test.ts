/**
 * The end-to-end scenarios of test/e2e/, as a @vscode/test-electron + @vscode/test-cli (mocha) suite
 * for desktop VS Code where it can be downloaded: `npm run test:desktop`. It runs inside the
 * extension host, so it drives VS Code through its API and its own workbench commands (quick picks
 * are answered with `workbench.action.acceptSelectedQuickOpenItem`) and checks the run directory on
 * disk. What only a user's eyes can check (pixels of charts, tree rows) is in the code-server suite.
 * Bundled by scripts/vscode-test/build-desktop-tests.mjs into out/desktop/.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { loadExperimentConfig } from '../../src/training/config';
import type { MetricRecord, RunInfo } from '../../src/training/run/records';

const EXTENSION_ID = 'mtl-lab.mtl-lab';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open (.vscode-test.mjs opens a copy of examples/)');
  return folder.uri.fsPath;
}

function manifest(): { contributes: { commands: { command: string; title: string; category?: string }[]; viewsContainers: { activitybar: { id: string; title: string }[] }; views: Record<string, { id: string; name: string }[]> } } {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `the extension ${EXTENSION_ID} is installed`);
  return extension.packageJSON;
}

/** A command's id from its fixed title ("MTL Lab: Start Run"), as the palette finds it. */
function commandId(title: string): string {
  const [category, name] = title.split(': ');
  const command = manifest().contributes.commands.find((c) => c.category === category && c.title === name);
  assert.ok(command, `a command titled "${title}" is contributed`);
  return command.command;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '.git') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else out.push(full);
  }
  return out;
}

function experiments(): string[] {
  return walk(workspaceRoot()).filter((file) => file.endsWith('.mtl.json') && !file.includes(`${path.sep}mtl-runs${path.sep}`));
}

function runs(): { dir: string; info: RunInfo }[] {
  return walk(workspaceRoot())
    .filter((file) => path.basename(file) === 'run.json')
    .flatMap((file) => {
      try {
        return [{ dir: path.dirname(file), info: JSON.parse(readFileSync(file, 'utf8')) as RunInfo }];
      } catch {
        return [];
      }
    });
}

function status(id: string): string | undefined {
  return runs().find((run) => run.info.id === id)?.info.status;
}

/** The records of a run's metrics.jsonl (a torn last line left out). */
function metricRecords(dir: string): MetricRecord[] {
  const file = path.join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    try {
      return line.trim() ? [JSON.parse(line) as MetricRecord] : [];
    } catch {
      return [];
    }
  });
}

function trainSteps(dir: string): number {
  const file = path.join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.includes('"kind":"train"')).length;
}

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Accepts the focused item of whatever quick input the command shows, until `done` or the time runs out. */
async function acceptQuickInputsUntil(done: () => boolean, timeoutMs: number, toggleFirst = false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (toggleFirst) await vscode.commands.executeCommand('workbench.action.quickPickManyToggle');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
}

function exampleWithArchitecture(architecture: string): string {
  const file = experiments().find((f) => new RegExp(`"architecture"\\s*:\\s*"${architecture}"`).test(readFileSync(f, 'utf8')));
  assert.ok(file, `examples/ has an experiment with model.architecture "${architecture}"`);
  return file;
}

async function startRun(file: string): Promise<{ dir: string; info: RunInfo }> {
  const known = new Set(runs().map((run) => run.info.id));
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  await vscode.commands.executeCommand(commandId('MTL Lab: Start Run'));
  return waitFor(`a new run of ${path.basename(file)}`, () => runs().find((run) => !known.has(run.info.id) && run.info.status === 'running' && trainSteps(run.dir) > 0), 60_000);
}

function dashboardTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && /mtl/i.test(`${tab.input.viewType} ${tab.label}`));
}

describe('MTL Lab in desktop VS Code', function (this: Mocha.Suite) {
  this.timeout(180_000);

  before(async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension, `the extension ${EXTENSION_ID} is installed`);
    await extension.activate();
  });

  it('1 the MTL Lab activity bar shows the Experiments view over the examples', async () => {
    const container = manifest().contributes.viewsContainers.activitybar.find((c) => c.title === 'MTL Lab');
    assert.ok(container, 'an activity-bar container titled "MTL Lab" is contributed');
    const view = manifest().contributes.views[container.id]?.find((v) => v.name === 'Experiments');
    assert.ok(view, 'the container has a view named "Experiments"');
    await vscode.commands.executeCommand(`workbench.view.extension.${container.id}`);
    await vscode.commands.executeCommand(`${view.id}.focus`);
    assert.ok(experiments().length > 0, 'the workspace holds the examples');
  });

  it('2 New Experiment creates a valid file', async () => {
    const before = new Set(experiments());
    void vscode.commands.executeCommand(commandId('MTL Lab: New Experiment'));
    await acceptQuickInputsUntil(() => experiments().some((file) => !before.has(file)), 30_000);
    const created = experiments().find((file) => !before.has(file));
    assert.ok(created, 'a new *.mtl.json was written');
    const { config } = await loadExperimentConfig(created);
    assert.ok(config.tasks.length > 0);
  });

  it('3 Start Run on the hard-sharing example opens the dashboard while it trains', async () => {
    const run = await startRun(exampleWithArchitecture('hard'));
    await waitFor('a dashboard tab', () => dashboardTabs().length > 0, 30_000);
    const steps = trainSteps(run.dir);
    await waitFor('more training steps', () => trainSteps(run.dir) > steps, 30_000);
  });

  it('4 Stop Run stops it; Resume Run completes it', async () => {
    let run = runs().find((r) => r.info.status === 'running');
    if (!run) run = await startRun(exampleWithArchitecture('hard'));
    const id = run.info.id;
    void vscode.commands.executeCommand(commandId('MTL Lab: Stop Run'));
    await acceptQuickInputsUntil(() => status(id) === 'stopped', 30_000, true);
    assert.equal(status(id), 'stopped');
    void vscode.commands.executeCommand(commandId('MTL Lab: Resume Run'));
    await acceptQuickInputsUntil(() => status(id) !== 'stopped', 15_000);
    await waitFor(`run ${id} to complete`, () => status(id) === 'completed', 150_000);
  });

  it('5 a soft-sharing run records attention weights for its attention card', async () => {
    const run = await startRun(exampleWithArchitecture('soft'));
    await waitFor('attention weights in metrics.jsonl', () => metricRecords(run.dir).some((record) => record.kind === 'train' && record.matrices?.attention !== undefined), 30_000);
    assert.ok(dashboardTabs().length > 0, 'the dashboard is open');
    if (status(run.info.id) === 'running') {
      void vscode.commands.executeCommand(commandId('MTL Lab: Stop Run'));
      await acceptQuickInputsUntil(() => status(run.info.id) !== 'running', 30_000, true);
    }
  });

  it('6 Compare Runs on two runs opens a comparison of both', async () => {
    assert.ok(runs().filter((r) => r.info.status !== 'running').length >= 2, 'two finished runs to compare');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('every dashboard to close', () => dashboardTabs().length === 0, 10_000);
    void vscode.commands.executeCommand(commandId('MTL Lab: Compare Runs'));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The picker lists the runs newest first: tick the first two, then accept.
    await vscode.commands.executeCommand('workbench.action.quickPickManyToggle');
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.quickPickManyToggle');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    // A dashboard titles itself by its runs: "MTL: <name> (<id>)" for one, "MTL: compare <n> runs" for several.
    await waitFor('a dashboard titled by its runs', () => dashboardTabs().some((tab) => tab.label.startsWith('MTL: ')), 30_000);
    assert.deepEqual(dashboardTabs().map((tab) => tab.label), ['MTL: compare 2 runs'], 'one dashboard, comparing the two runs picked');
  });

  // Typing a value into an input box is out of reach of the extension-host API: the code-server
  // suite (npm run test:e2e) drives this one through the tree's inline ✎ action.
  it.skip('7 editing the learning rate inline from the tree (needs typing into an input box: see test/e2e)');

  it('8 an invalid config shows a Problems entry', async () => {
    const file = path.join(workspaceRoot(), 'broken-desktop.mtl.json');
    writeFileSync(file, '{\n  "name": "broken",\n  "data": { "source": "csv", "path": "no-such-data.csv" },\n  "tasks": [{ "name": "label", "type": "classification", "target": "label" }]\n}\n');
    const uri = vscode.Uri.file(file);
    await vscode.window.showTextDocument(uri);
    await waitFor('a diagnostic naming the missing CSV', () => vscode.languages.getDiagnostics(uri).some((d) => d.message.includes('no-such-data.csv')), 30_000);
  });

  // Reloading the window restarts the extension host this suite runs in: the code-server suite
  // (npm run test:e2e) reloads the browser window instead.
  it.skip('9 reloading the window during a run (restarts this suite\'s own extension host: see test/e2e)');

  after(async () => {
    const stopAll = manifest().contributes.commands.find((c) => c.title === 'Stop All Runs');
    if (stopAll) await vscode.commands.executeCommand(stopAll.command);
  });
});
