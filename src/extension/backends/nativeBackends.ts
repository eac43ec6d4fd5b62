/**
 * The optional native TensorFlow packages (@tensorflow/tfjs-node, -gpu) and where the worker finds them.
 * `MTL Lab: Install GPU Backend` installs into a folder of the extension's global storage, never into the
 * user's project; the worker searches the workspace folders first (a project may install the package
 * itself), then that folder. Pure Node (no `vscode`), so the search order and the install are tested
 * directly; the commands in backendCommands.ts add the dialogs and the progress notification.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** The GPU package matching the tfjs-core version the worker bundles. */
export const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu@4.22.0';

/** The folder in the extension's global storage that holds the installed native packages. */
export function nativeBackendsDirectory(globalStoragePath: string): string {
  return path.join(globalStoragePath, 'native-backends');
}

/** Where the worker resolves the native packages, in order: each workspace folder, then global storage. */
export function moduleSearchPaths(workspaceFolders: readonly string[], globalStoragePath: string): string[] {
  return [...workspaceFolders, nativeBackendsDirectory(globalStoragePath)];
}

export interface NpmInstall {
  command: string;
  args: string[];
  cwd: string;
  /** On Windows npm is a .cmd script, which Node runs only through a shell. */
  shell: boolean;
}

/** The npm command that installs `spec` into `directory`/node_modules. */
export function npmInstallCommand(directory: string, spec: string, platform: NodeJS.Platform = process.platform): NpmInstall {
  const windows = platform === 'win32';
  // Through a shell, arguments are joined with spaces: quote those that have any (C:\Users\Jane Doe\…).
  const arg = (a: string) => (windows && /[\s&()^%!"]/.test(a) ? `"${a.replace(/"/g, '""')}"` : a);
  return {
    command: windows ? 'npm.cmd' : 'npm',
    args: ['install', '--no-audit', '--no-fund', '--prefix', directory, spec].map(arg),
    cwd: directory,
    shell: windows,
  };
}

/** Creates the folder with a package.json of its own, so npm installs there and not into a parent project. */
export async function prepareNativeBackendsDirectory(directory: string): Promise<void> {
  await fs.mkdir(directory, { recursive: true });
  const manifest = path.join(directory, 'package.json');
  if (!existsSync(manifest)) {
    await fs.writeFile(manifest, `${JSON.stringify({ name: 'mtl-lab-native-backends', private: true, description: 'Native TensorFlow backends installed by MTL Lab: Install GPU Backend.' }, null, 2)}\n`);
  }
}

export interface InstallOutcome {
  ok: boolean;
  /** npm's exit code, or null when it was killed (cancelled). */
  code: number | null;
  cancelled: boolean;
}

/**
 * Runs npm install for `spec` into `directory`, streaming its output lines to `onLine`. `signal` cancels
 * (npm is killed and the outcome says so). A missing npm is an outcome with code null and a line saying so.
 */
export async function installNativePackage(directory: string, spec: string, onLine: (line: string) => void, signal?: AbortSignal): Promise<InstallOutcome> {
  await prepareNativeBackendsDirectory(directory);
  const npm = npmInstallCommand(directory, spec);
  onLine(`$ ${npm.command} ${npm.args.join(' ')}`);
  if (signal?.aborted) return { ok: false, code: null, cancelled: true };
  return new Promise((resolve) => {
    const child = spawn(npm.command, npm.args, { cwd: npm.cwd, shell: npm.shell, env: process.env });
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      child.kill('SIGTERM');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let pending = '';
    const feed = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split(/\r?\n/);
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', (error) => {
      onLine(`could not run ${npm.command}: ${error.message} (is Node.js with npm installed and on the PATH?)`);
      signal?.removeEventListener('abort', onAbort);
      resolve({ ok: false, code: null, cancelled });
    });
    child.on('close', (code) => {
      if (pending.trim()) onLine(pending);
      signal?.removeEventListener('abort', onAbort);
      resolve({ ok: code === 0 && !cancelled, code, cancelled });
    });
  });
}
