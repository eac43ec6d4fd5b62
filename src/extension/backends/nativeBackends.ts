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

/** One way to train on a GPU, as Install GPU Backend offers it. */
export interface GpuOption {
  /** The backend the probe reports for it. */
  backend: 'webgpu' | 'tensorflow-gpu';
  label: string;
  /** npm specs, installed together. */
  specs: string[];
  /** What it needs beyond the package, said before installing. */
  needs: string;
}

const WEBGPU_OPTION: GpuOption = {
  backend: 'webgpu',
  label: 'WebGPU (any GPU: Metal, Vulkan, Direct3D 12)',
  // Dawn's prebuilt binding and the WebGPU kernels of the tfjs version the worker bundles.
  specs: ['webgpu@0.6.2', '@tensorflow/tfjs-backend-webgpu@4.22.0'],
  needs: "a GPU with its driver (on Linux, its Vulkan driver); about 30 MB, nothing else downloaded. Runs with backend \"auto\" use it only on a hardware GPU, never on a software adapter",
};
const CUDA_OPTION: GpuOption = {
  backend: 'tensorflow-gpu',
  label: 'CUDA (@tensorflow/tfjs-node-gpu: NVIDIA only)',
  specs: [GPU_PACKAGE],
  needs: 'an NVIDIA GPU, its driver, CUDA 11.2 and cuDNN 8.1; it downloads libtensorflow (several hundred MB)',
};

/** The `webgpu` package ships Dawn prebuilt for these platform-architecture pairs only. */
const WEBGPU_PREBUILT = new Set(['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64']);

/** The GPU packages that can work on this machine: WebGPU wherever Dawn is prebuilt; CUDA on Linux x64 only. */
export function gpuOptionsFor(platform: NodeJS.Platform = process.platform, arch: string = process.arch): GpuOption[] {
  const options: GpuOption[] = [];
  if (WEBGPU_PREBUILT.has(`${platform}-${arch}`)) options.push(WEBGPU_OPTION);
  // libtensorflow's GPU build exists for Linux x64 only.
  if (platform === 'linux' && arch === 'x64') options.push(CUDA_OPTION);
  return options;
}

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

/** The npm command that installs `spec` (one or several packages) into `directory`/node_modules. */
export function npmInstallCommand(directory: string, spec: string | readonly string[], platform: NodeJS.Platform = process.platform): NpmInstall {
  const windows = platform === 'win32';
  // Through a shell, arguments are joined with spaces: quote those that have any (C:\Users\Jane Doe\…).
  const arg = (a: string) => (windows && /[\s&()^%!"]/.test(a) ? `"${a.replace(/"/g, '""')}"` : a);
  return {
    command: windows ? 'npm.cmd' : 'npm',
    args: ['install', '--no-audit', '--no-fund', '--prefix', directory, ...(typeof spec === 'string' ? [spec] : spec)].map(arg),
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
export async function installNativePackage(directory: string, spec: string | readonly string[], onLine: (line: string) => void, signal?: AbortSignal): Promise<InstallOutcome> {
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
