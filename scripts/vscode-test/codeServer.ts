/**
 * Starts code-server (a real VS Code: its server and web workbench) for one test session or for
 * `npm start`: loopback only, a free port, no auth, private user-data and extensions folders, HOME /
 * XDG / TMPDIR inside a short run folder, and the built extension installed as
 * `<publisher>.<name>-<version>`. The server runs in its own session (process group) so stopping it also
 * stops its extension host, file watcher and pty host — and the training workers they forked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, symlinkSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensureCodeServer, REPO_ROOT, type CodeServerInstall } from './provision';

/** What a packaged .vsix holds (see .vscodeignore); the installed test copy links exactly these. */
export const EXTENSION_PAYLOAD = ['package.json', 'dist', 'media', 'schemas', 'README.md', 'CHANGELOG.md', 'LICENSE', 'package.nls.json'] as const;

/** User settings that keep a test workbench quiet, offline and deterministic (REAL-VSCODE.md). */
export const TEST_USER_SETTINGS: Record<string, unknown> = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
  'window.restoreWindows': 'none',
};

export interface StartCodeServerOptions {
  /** Folder opened in the workbench. */
  workspace: string;
  /** Extension folder to install (default: this repository, which must be built). */
  extensionPath?: string;
  /**
   * `installed`: linked into the extensions folder like an installed .vsix (default).
   * `development`: loaded in place as an Extension Development Host (reloads pick up rebuilds).
   */
  mode?: 'installed' | 'development';
  /** Extra user settings merged over TEST_USER_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Extra environment of the server and so of the extension host (e.g. SLURM_CONF of a sandbox cluster). */
  env?: NodeJS.ProcessEnv;
  /** Fixed port (default: a free one). */
  port?: number;
  /** Keep the run folder after stop (for debugging). */
  keepRunFolder?: boolean;
}

export interface RunningCodeServer {
  install: CodeServerInstall;
  port: number;
  /** Base URL, e.g. http://127.0.0.1:38123 */
  url: string;
  /** URL that opens the workspace (and, in development mode, loads the extension). */
  workspaceUrl: string;
  /** Short folder holding HOME, TMPDIR, user data, extensions and the server log. */
  runFolder: string;
  userDataDir: string;
  extensionsDir: string;
  logFile: string;
  process: ChildProcess;
  /** Extension host and other VS Code logs, for attaching to a failed test. */
  vscodeLogsDir(): string;
  stop(): Promise<void>;
}

interface ExtensionIdentity {
  publisher: string;
  name: string;
  version: string;
}

export function readExtensionIdentity(extensionPath: string): ExtensionIdentity {
  const manifest = JSON.parse(readFileSync(path.join(extensionPath, 'package.json'), 'utf8')) as Partial<ExtensionIdentity> & { main?: string };
  if (!manifest.publisher || !manifest.name || !manifest.version) {
    throw new Error(`${extensionPath}/package.json needs publisher, name and version to be installed as an extension`);
  }
  if (manifest.main && !existsSync(path.join(extensionPath, manifest.main))) {
    throw new Error(`The extension is not built: ${manifest.main} is missing. Run \`npm run build\` first.`);
  }
  return { publisher: manifest.publisher, name: manifest.name, version: manifest.version };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Links the extension's payload into `<extensionsDir>/<publisher>.<name>-<version>` (what installing the .vsix would unpack). */
function installLinked(extensionPath: string, extensionsDir: string): string {
  const id = readExtensionIdentity(extensionPath);
  const target = path.join(extensionsDir, `${id.publisher}.${id.name}-${id.version}`);
  mkdirSync(target, { recursive: true });
  for (const entry of EXTENSION_PAYLOAD) {
    const source = path.join(extensionPath, entry);
    if (!existsSync(source)) continue;
    // package.json is copied (VS Code reads and caches it); the rest is linked so a rebuild is picked up by a reload.
    if (entry === 'package.json') cpSync(source, path.join(target, entry));
    else symlinkSync(source, path.join(target, entry), statSync(source).isDirectory() ? 'dir' : 'file');
  }
  return target;
}

/** An environment without the variables of an enclosing VS Code, npm run or Electron that would confuse the server. */
function cleanEnvironment(runFolder: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VSCODE_|ELECTRON_|npm_|NODE_OPTIONS$|NODE_PATH$|TS_NODE|TSX)/.test(key)) continue;
    env[key] = value;
  }
  const dirs = {
    HOME: 'home',
    TMPDIR: 'tmp',
    XDG_CONFIG_HOME: 'xdg/config',
    XDG_DATA_HOME: 'xdg/data',
    XDG_CACHE_HOME: 'xdg/cache',
    XDG_STATE_HOME: 'xdg/state',
    XDG_RUNTIME_DIR: 'xdg/run',
  };
  for (const [key, sub] of Object.entries(dirs)) {
    const dir = path.join(runFolder, sub);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    env[key] = dir;
  }
  return env;
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ?? `exit code ${code}`));
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
  throw new Error(`code-server did not become healthy${exited ? ` (it stopped: ${exited})` : ` within ${timeoutMs / 1000} s`}. Log ${logFile}:\n${tail}`);
}

/** Process group id → HOME of each server still running. */
const liveGroups = new Map<number, string>();
let exitHookInstalled = false;
/** If the test process dies without stopping a server, take the server's whole process group with it. */
function killGroupsOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [pgid, home] of liveGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
      killProcessesWithHome(home);
    }
  });
}

/**
 * Training workers are started detached (their own process group, so they survive a window reload),
 * so the group kill does not reach them. They inherit the server's HOME, which is unique to this run
 * folder: find them by it in /proc and stop them too.
 */
function killProcessesWithHome(home: string): number {
  if (!existsSync('/proc')) return 0;
  let killed = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`HOME=${home}`)) {
        process.kill(Number(entry), 'SIGKILL');
        killed += 1;
      }
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return killed;
}

async function stopGroup(child: ChildProcess): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    liveGroups.delete(pgid);
    return;
  }
  const deadline = Date.now() + 5000;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone in between
    }
  }
  liveGroups.delete(pgid);
}

export async function startCodeServer(options: StartCodeServerOptions): Promise<RunningCodeServer> {
  const install = await ensureCodeServer();
  const extensionPath = path.resolve(options.extensionPath ?? REPO_ROOT);
  const mode = options.mode ?? 'installed';
  readExtensionIdentity(extensionPath); // fail early when unbuilt
  const workspace = path.resolve(options.workspace);
  if (!existsSync(workspace)) throw new Error(`Workspace folder ${workspace} does not exist`);

  // Short on purpose: VS Code creates unix sockets under TMPDIR and XDG_RUNTIME_DIR (108-byte limit).
  const runFolder = mkdtempSync('/tmp/mtl-');
  const userDataDir = path.join(runFolder, 'data');
  const extensionsDir = path.join(runFolder, 'exts');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(path.join(userDataDir, 'Machine'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const settings = JSON.stringify({ ...TEST_USER_SETTINGS, ...options.settings }, null, 2);
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), settings);
  // code-server is a remote: settings of scope "machine" (mtlLab.pythonInterpreter, a path on that machine) are
  // read from its Machine settings only, and ignored in the User settings. The same values go to both.
  writeFileSync(path.join(userDataDir, 'Machine', 'settings.json'), settings);
  if (mode === 'installed') installLinked(extensionPath, extensionsDir);

  const port = options.port ?? (await freePort());
  const configFile = path.join(runFolder, 'config.yaml');
  writeFileSync(
    configFile,
    [
      `bind-addr: 127.0.0.1:${port}`,
      'auth: none',
      'cert: false',
      'disable-telemetry: true',
      'disable-update-check: true',
      'disable-workspace-trust: true',
      'disable-getting-started-override: true',
      '',
    ].join('\n'),
  );
  const args = [install.entry, '--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  // The smoke-test driver option is what lets the workbench accept an extensionDevelopmentPath payload.
  if (mode === 'development') args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(workspace);

  const logFile = path.join(runFolder, 'code-server.log');
  const logFd = openSync(logFile, 'a');
  // detached = setsid(): the server leads a new process group, so one kill(-pgid) stops every helper it spawns.
  const child = spawn(install.node, args, { cwd: runFolder, env: { ...cleanEnvironment(runFolder), ...options.env }, stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd);
  child.unref();
  if (child.pid !== undefined) liveGroups.set(child.pid, path.join(runFolder, 'home'));
  killGroupsOnExit();

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, logFile, 60_000);
  } catch (error) {
    await stopGroup(child);
    throw error;
  }

  let workspaceUrl = `${url}/?folder=${encodeURIComponent(workspace)}`;
  if (mode === 'development') {
    const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${extensionPath}`]]);
    workspaceUrl += `&payload=${encodeURIComponent(payload)}`;
  }

  let stopped = false;
  return {
    install,
    port,
    url,
    workspaceUrl,
    runFolder,
    userDataDir,
    extensionsDir,
    logFile,
    process: child,
    vscodeLogsDir: () => {
      const logs = path.join(userDataDir, 'logs');
      if (!existsSync(logs)) return logs;
      const sessions = readdirSync(logs).sort();
      return sessions.length > 0 ? path.join(logs, sessions[sessions.length - 1]!) : logs;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopGroup(child);
      killProcessesWithHome(path.join(runFolder, 'home'));
      if (!options.keepRunFolder) rmSync(runFolder, { recursive: true, force: true });
    },
  };
}
