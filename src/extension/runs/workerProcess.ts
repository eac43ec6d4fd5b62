/**
 * Forking the training worker (`dist/worker.js`). The worker is detached so that it survives a window
 * reload or a VS Code restart (it tolerates losing its IPC channel; the host re-attaches by reading the
 * run directory). Its stdout/stderr go to a capture file, never to pipes: a pipe whose reader went away
 * would make the orphaned worker's writes fail.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostMessage } from '../../training/protocol';

export interface WorkerHandle {
  readonly pid: number | undefined;
  /** Whether the IPC channel is still open. */
  readonly connected: boolean;
  /** File holding the worker's stdout and stderr (uncaught exceptions before it had a run directory). */
  readonly outputFile: string | undefined;
  send(message: HostMessage): boolean;
  kill(signal: NodeJS.Signals): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** Let go of the worker without stopping it (the host is going away). */
  disconnect(): void;
  /** Remove the output capture file (after a clean end). */
  discardOutput(): Promise<void>;
}

export type WorkerLauncher = (purpose: 'run' | 'probe') => WorkerHandle;

export interface LaunchOptions {
  workerPath: string;
  /** `mtlLab.nodePath`; empty or undefined means VS Code's own Node (`process.execPath` as Node). */
  nodePath?: string;
  /** Working directory of the worker (the workspace folder). */
  cwd?: string;
  /** Extra environment, mostly for tests. */
  env?: NodeJS.ProcessEnv;
}

let launchCounter = 0;
const CAPTURE_PREFIX = 'mtl-lab-';
const STALE_CAPTURE_MS = 7 * 24 * 3600 * 1000;

/**
 * Capture files of workers whose host went away (window closed mid-run) are never discarded by that
 * host; remove week-old ones once per extension host.
 */
async function removeStaleCaptures(): Promise<void> {
  const dir = os.tmpdir();
  const now = Date.now();
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(CAPTURE_PREFIX) || !name.endsWith('.log')) continue;
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat?.isFile() && now - stat.mtimeMs > STALE_CAPTURE_MS) await fs.rm(file, { force: true }).catch(() => undefined);
  }
}

export function createWorkerLauncher(options: () => LaunchOptions): WorkerLauncher {
  let cleaned = false;
  return (purpose) => {
    if (!cleaned) {
      cleaned = true;
      void removeStaleCaptures();
    }
    const { workerPath, nodePath, cwd, env } = options();
    const outputFile = path.join(os.tmpdir(), `${CAPTURE_PREFIX}${purpose}-${process.pid}-${Date.now().toString(36)}-${++launchCounter}.log`);
    let fd: number | undefined;
    try {
      fd = openSync(outputFile, 'a');
    } catch {
      fd = undefined;
    }
    let child: ChildProcess;
    try {
      child = fork(workerPath, [], {
        execPath: nodePath && nodePath.trim() !== '' ? nodePath : process.execPath,
        // The host's own flags (Electron's, or a test runner's loaders) are not for the worker.
        execArgv: [],
        cwd,
        env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1' },
        detached: true,
        stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore', 'ipc'],
      });
    } finally {
      // The child holds its own copy of the descriptor.
      if (fd !== undefined) closeSync(fd);
    }
    return new ChildWorkerHandle(child, fd === undefined ? undefined : outputFile);
  };
}

class ChildWorkerHandle implements WorkerHandle {
  private exited = false;

  constructor(
    private readonly child: ChildProcess,
    readonly outputFile: string | undefined,
  ) {
    // A spawn failure (bad nodePath) arrives as 'error' and, without a listener, would throw in the host.
    child.on('error', () => {});
    child.on('exit', () => {
      this.exited = true;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get connected(): boolean {
    return this.child.connected;
  }

  send(message: HostMessage): boolean {
    if (!this.child.connected) return false;
    try {
      return this.child.send(message, (error) => {
        // The channel closed between the check and the write; the caller escalates by signal.
        if (error) return;
      });
    } catch {
      return false;
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.exited) return;
    try {
      this.child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  onMessage(listener: (message: unknown) => void): void {
    this.child.on('message', listener);
  }

  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    let reported = false;
    const report = (code: number | null, signal: NodeJS.Signals | null) => {
      if (reported) return;
      reported = true;
      listener(code, signal);
    };
    this.child.on('exit', report);
    // A process that never started (ENOENT for the Node binary) emits 'error' and maybe no 'exit'.
    this.child.on('error', (error) => {
      if (this.child.pid === undefined) {
        this.exited = true;
        report((error as NodeJS.ErrnoException).errno ?? 1, null);
      }
    });
  }

  disconnect(): void {
    if (this.child.connected) this.child.disconnect();
    this.child.unref();
  }

  async discardOutput(): Promise<void> {
    if (this.outputFile) await fs.rm(this.outputFile, { force: true });
  }
}
