/**
 * One end-to-end session: a private copy of examples/, code-server with the built extension installed,
 * and Chromium on the workbench. Shared by every scenario of a test file (starting VS Code takes a few
 * seconds; the scenarios build on each other like a user's afternoon would).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../../../scripts/vscode-test/browser';
import { startCodeServer, type RunningCodeServer } from '../../../scripts/vscode-test/codeServer';
import { REPO_ROOT } from '../../../scripts/vscode-test/provision';
import { Workbench } from './workbench';
import { createWorkspaceFromExamples, listRuns, walk } from './workspace';

export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');

export interface Session {
  server: RunningCodeServer;
  browser: Browser;
  page: Page;
  workbench: Workbench;
  workspace: string;
  /** Browser console errors from the extension's webviews, for failure messages. */
  consoleErrors: string[];
  close(options: { failed: boolean }): Promise<void>;
}

export async function openSession(options: { settings?: Record<string, unknown>; env?: NodeJS.ProcessEnv; prepareWorkspace?: (workspace: string) => void } = {}): Promise<Session> {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js is missing: the extension host (src/extension/extension.ts) has not landed or `npm run build` was not run.');
  }
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  mkdirSync(RESULTS_DIR, { recursive: true });
  const workspace = createWorkspaceFromExamples();
  options.prepareWorkspace?.(workspace);
  const server = await startCodeServer({ workspace, settings: options.settings, env: options.env });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // Generous but bounded: every wait in the scenarios fails with a message instead of hanging.
    page.setDefaultTimeout(15_000);
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      // The workbench logs failed gallery/telemetry calls on a closed network; keep only what could be ours.
      if (message.type() === 'error' && /mtl|webview|dashboard/i.test(message.text())) consoleErrors.push(message.text().slice(0, 500));
    });
    const workbench = new Workbench(page, RESULTS_DIR);
    await workbench.open(server.workspaceUrl);
    const openedBrowser = browser;
    return {
      server,
      browser: openedBrowser,
      page,
      workbench,
      workspace,
      consoleErrors,
      async close({ failed }) {
        if (failed) {
          collectLogs(server);
          collectRunFiles(workspace);
        }
        await openedBrowser.close().catch(() => undefined);
        await server.stop();
        rmSync(workspace, { recursive: true, force: true });
      },
    };
  } catch (error) {
    collectLogs(server);
    await browser?.close().catch(() => undefined);
    await server.stop();
    rmSync(workspace, { recursive: true, force: true });
    throw error;
  }
}

/** Keeps each run's run.json and worker.log: what the extension and the worker said about a run that misbehaved. */
function collectRunFiles(workspace: string): void {
  for (const run of listRuns(workspace)) {
    const target = path.join(RESULTS_DIR, 'logs', 'runs', run.id);
    mkdirSync(target, { recursive: true });
    for (const file of ['run.json', 'worker.log']) {
      if (existsSync(path.join(run.dir, file))) cpSync(path.join(run.dir, file), path.join(target, file));
    }
  }
}

/** Keeps the server log and VS Code's logs (extension host, renderer) next to the screenshots. */
export function collectLogs(server: RunningCodeServer): void {
  const target = path.join(RESULTS_DIR, 'logs');
  mkdirSync(target, { recursive: true });
  try {
    cpSync(server.logFile, path.join(target, 'code-server.log'));
    const vscodeLogs = server.vscodeLogsDir();
    if (existsSync(vscodeLogs)) cpSync(vscodeLogs, path.join(target, 'vscode'), { recursive: true });
  } catch {
    // best effort: logs are a diagnosis aid, not the result
  }
}

/**
 * The extension host's last lines that concern MTL Lab (its console output and errors), for failure
 * messages: CI prints the test output and keeps nothing else.
 */
export function extensionHostLogTail(server: RunningCodeServer, lines = 15): string {
  try {
    const logs = walk(server.vscodeLogsDir()).filter((file) => /exthost\.log$|remoteexthost\.log$/i.test(path.basename(file)));
    const relevant = logs.flatMap((file) => readFileSync(file, 'utf8').split('\n')).filter((line) => /mtl/i.test(line));
    return relevant.length > 0 ? relevant.slice(-lines).map((line) => `  ${line.slice(0, 400)}`).join('\n') : '  (no line mentions MTL Lab)';
  } catch (error) {
    return `  (unreadable: ${(error as Error).message})`;
  }
}
