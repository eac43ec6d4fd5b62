/**
 * The run manager: starts workers (queued beyond `maxConcurrentRuns`), streams their records, stops
 * them (IPC stop → SIGTERM → SIGKILL), notices crashes, and follows runs it did not start (after a
 * window reload, or started from a terminal with the CLI) by tailing their run directory.
 *
 * No `vscode` import: process launching, the runs directories, settings and timings are injected, so
 * the whole state machine runs under plain Node against a real forked worker in tests.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PROTOCOL_VERSION, parseWorkerMessage, type BackendProbe, type StartRequest, type WorkerMessage } from '../../training/protocol';
import { RUN_FILES, type RunInfo, type RunMarks } from '../../training/run/records';
import type { ExperimentConfig } from '../../training/config/schema';
import type { RecordsAppended, RunSnapshot } from '../dashboard/dataSource';
import { Emitter } from '../util/emitter';
import type { Disposable } from '../util/disposables';
import { MetricsTail, readAllRecords, type RecordsRead } from '../../training/run/metricsTail';
import { readLastLines } from '../../training/run/lines';
import { isRunProcessAlive } from '../../training/run/processIdentity';
import { listRuns, readRunConfig, readRunInfo, writeRunInfo } from '../../training/run/runDirectory';
import {
  DEFAULT_STOP_TIMINGS,
  crashMessage,
  decideReattach,
  failedRunInfo,
  isFinal,
  startableCount,
  stopPlan,
  type StopTimings,
} from './policies';
import type { WorkerHandle, WorkerLauncher } from './workerProcess';

export interface RunManagerOptions {
  launch: WorkerLauncher;
  /** Every runs directory to show (one per workspace folder). */
  runsDirectories: () => string[];
  maxConcurrentRuns: () => number;
  stopTimings?: StopTimings;
  /** How often followed (not owned) runs are polled. Polling, because file watchers miss changes on some file systems. */
  pollIntervalMs?: number;
  /** Whether the worker that wrote this pid (and run.json) still runs; tests inject it. */
  pidAlive?: (pid: number, info: RunInfo) => boolean;
  now?: () => Date;
  /** Lines of worker.log quoted in a crash message. */
  crashLogLines?: number;
}

export interface StartRunRequest {
  configPath: string;
  runsDir: string;
  overrides?: string[];
  backend?: string;
  modulePaths?: string[];
  /** The interpreter for a "program" experiment whose command starts with python. */
  python?: string;
  /** A study's marks for the new run's run.json (baseline, baselines). */
  marks?: RunMarks;
}

export interface QueuedRun {
  /** Host-side id of the request (the run id exists only once the worker created the run). */
  ticket: number;
  label: string;
  /** The experiment file, or the run directory being resumed. */
  configPath: string | undefined;
  resumeRunId: string | undefined;
  state: 'queued' | 'launching';
  /** Resolves with the run once the worker started it, or with undefined when cancelled; rejects when the worker refused it. */
  readonly started: Promise<RunSnapshot | undefined>;
}

export interface RunFailure {
  runId: string;
  message: string;
}

export interface RunRejection {
  label: string;
  message: string;
}

export interface ManagerLogLine {
  runId: string | undefined;
  message: string;
}

interface RunEntry {
  runId: string;
  runDir: string;
  info: RunInfo;
  config: ExperimentConfig | undefined;
  /** The worker this host forked (IPC alive or not), until it exits. */
  worker: WorkerHandle | undefined;
  /** Following a run this host does not own. */
  tail: MetricsTail | undefined;
  /** Step of the newest train record seen live (run.json is rewritten only on status changes). */
  liveStep: number | undefined;
  stopTimers: NodeJS.Timeout[];
  /** The signal this host escalated to while stopping the run, if it had to. */
  escalatedTo: NodeJS.Signals | undefined;
  stopWaiters: Array<() => void>;
}

interface PendingStart {
  queued: QueuedRun;
  request: StartRequest;
  resolve: (run: RunSnapshot | undefined) => void;
  reject: (error: Error) => void;
  worker: WorkerHandle | undefined;
}

export class RunManager implements Disposable {
  private readonly entries = new Map<string, RunEntry>();
  private readonly pending: PendingStart[] = [];
  private readonly stopTimings: StopTimings;
  private readonly pollIntervalMs: number;
  private readonly pidAlive: (pid: number, info: RunInfo) => boolean;
  private readonly now: () => Date;
  private readonly crashLogLines: number;
  private pollTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private nextTicket = 1;
  private disposed = false;

  private readonly changeRunsEmitter = new Emitter<RunSnapshot[]>();
  private readonly appendEmitter = new Emitter<RecordsAppended>();
  private readonly queueEmitter = new Emitter<QueuedRun[]>();
  private readonly failEmitter = new Emitter<RunFailure>();
  private readonly rejectEmitter = new Emitter<RunRejection>();
  private readonly logEmitter = new Emitter<ManagerLogLine>();

  /** A run appeared, changed status or step, or was deleted. */
  readonly onDidChangeRuns = this.changeRunsEmitter.event;
  /** Live records, from IPC or from tailing metrics.jsonl. */
  readonly onDidAppendRecords = this.appendEmitter.event;
  readonly onDidChangeQueue = this.queueEmitter.event;
  /** A run failed because its worker died without a final status (not a run that failed by itself). */
  readonly onDidCrash = this.failEmitter.event;
  /** The worker refused a start request (bad config): nothing was written. */
  readonly onDidReject = this.rejectEmitter.event;
  /** What the manager did (signals sent, re-attachments), for the per-run log channel. */
  readonly onDidLog = this.logEmitter.event;

  constructor(private readonly options: RunManagerOptions) {
    this.stopTimings = options.stopTimings ?? DEFAULT_STOP_TIMINGS;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.pidAlive = options.pidAlive ?? ((pid, info) => isRunProcessAlive(pid, info.processStartTicks));
    this.now = options.now ?? (() => new Date());
    this.crashLogLines = options.crashLogLines ?? 20;
  }

  // ------------------------------------------------------------------------------------------------
  // Reading

  list(): RunSnapshot[] {
    return [...this.entries.values()].map(snapshotOf);
  }

  get(runId: string): RunSnapshot | undefined {
    const entry = this.entries.get(runId);
    return entry && snapshotOf(entry);
  }

  /** The step reached as seen live, which is ahead of run.json's `step` while a run trains. */
  liveStep(runId: string): number | undefined {
    const entry = this.entries.get(runId);
    if (!entry) return undefined;
    return Math.max(entry.liveStep ?? 0, entry.info.step);
  }

  queue(): QueuedRun[] {
    return this.pending.map((p) => p.queued);
  }

  /** Whether this host is following the run live (owned worker or tail). */
  isLive(runId: string): boolean {
    const entry = this.entries.get(runId);
    return !!entry && (entry.worker !== undefined || entry.tail !== undefined);
  }

  /** Runs still training (owned or followed). */
  activeRuns(): RunSnapshot[] {
    return [...this.entries.values()].filter((e) => e.info.status === 'running').map(snapshotOf);
  }

  async readRecords(runId: string): Promise<RecordsRead> {
    const entry = this.entries.get(runId);
    if (!entry) throw new Error(`Unknown run ${runId}`);
    return readAllRecords(path.join(entry.runDir, RUN_FILES.metrics));
  }

  /**
   * Rescans every runs directory: new runs appear, deleted ones vanish, `running` runs this host does
   * not own are followed if their worker lives and marked failed if it does not.
   */
  async refresh(): Promise<void> {
    // One scan at a time: two interleaved scans could both start following a run, from different offsets
    // of its metrics.jsonl, and deliver records twice or not at all. A call during a scan scans again after it.
    const next = (this.scanning ?? Promise.resolve()).then(() => this.scan());
    this.scanning = next.catch(() => undefined);
    return next;
  }

  private scanning: Promise<void> | undefined;

  private async scan(): Promise<void> {
    const seen = new Set<string>();
    let changed = false;
    for (const runsDir of this.options.runsDirectories()) {
      const { runs, unreadable } = await listRuns(runsDir);
      // A run.json caught mid-write by a writer that does not replace it atomically is unreadable for a moment:
      // its run is still there.
      for (const { runId } of unreadable) seen.add(runId);
      for (const listed of runs) {
        if (seen.has(listed.runId)) continue;
        seen.add(listed.runId);
        const existing = this.entries.get(listed.runId);
        if (existing?.worker || existing?.tail) continue; // live: IPC or the tail keeps it current
        if (existing && sameInfo(existing.info, listed.info)) continue;
        const entry: RunEntry = existing ?? newEntry(listed.runId, listed.runDir, listed.info);
        entry.info = listed.info;
        if (!existing) {
          this.entries.set(entry.runId, entry);
          entry.config = await readRunConfig(entry.runDir);
        }
        changed = true;
        await this.reconcile(entry);
      }
    }
    for (const [runId, entry] of this.entries) {
      if (!seen.has(runId) && !entry.worker) {
        this.entries.delete(runId);
        changed = true;
      }
    }
    if (changed) this.fireRuns();
  }

  /** Applies the re-attach decision to a run read from disk that this host does not own. */
  private async reconcile(entry: RunEntry): Promise<void> {
    const decision = decideReattach(entry.info, entry.worker !== undefined, this.pidAlive);
    if (decision.action === 'tail') {
      this.log(entry.runId, `following run ${entry.runId} (pid ${entry.info.pid}) by tailing ${RUN_FILES.metrics}`);
      // Records already on disk are read by whoever asks (readRecords); live ones are what comes after.
      entry.tail = await MetricsTail.fromEnd(path.join(entry.runDir, RUN_FILES.metrics));
      this.ensurePolling();
    } else if (decision.action === 'mark-failed') {
      await this.markFailed(entry, decision.message);
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Starting

  start(request: StartRunRequest): QueuedRun {
    const label = path.basename(request.configPath).replace(/\.mtl\.json$/i, '');
    return this.enqueue(label, { configPath: request.configPath, runsDir: request.runsDir, overrides: request.overrides ?? [], backend: request.backend, modulePaths: request.modulePaths, python: request.python, ...(request.marks && { marks: request.marks }) }, undefined);
  }

  /** Continues a stopped (or failed, if it has a checkpoint) run in its own directory. */
  resume(runId: string, options: { backend?: string; modulePaths?: string[] } = {}): QueuedRun {
    const entry = this.entries.get(runId);
    if (!entry) throw new Error(`Unknown run ${runId}`);
    if (entry.info.status === 'running') throw new Error(`Run ${runId} is still running`);
    if (entry.info.status === 'completed') throw new Error(`Run ${runId} is completed; there is nothing to resume`);
    if (this.pending.some((p) => p.queued.resumeRunId === runId)) throw new Error(`Run ${runId} is already queued to resume`);
    return this.enqueue(
      runId,
      { runsDir: path.dirname(entry.runDir), overrides: [], resumeDir: entry.runDir, backend: options.backend, modulePaths: options.modulePaths },
      runId,
    );
  }

  private enqueue(label: string, request: StartRequest, resumeRunId: string | undefined): QueuedRun {
    if (this.disposed) throw new Error('The run manager is disposed');
    let resolve!: (run: RunSnapshot | undefined) => void;
    let reject!: (error: Error) => void;
    const started = new Promise<RunSnapshot | undefined>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Callers that only fire and forget must not produce unhandled rejections; rejections are also events.
    started.catch(() => {});
    const queued: QueuedRun = { ticket: this.nextTicket++, label, configPath: request.configPath ?? request.resumeDir, resumeRunId, state: 'queued', started };
    this.pending.push({ queued, request, resolve, reject, worker: undefined });
    this.queueEmitter.fire(this.queue());
    this.pump();
    return queued;
  }

  /** Removes a request that has not been launched yet. */
  cancelQueued(ticket: number): boolean {
    const index = this.pending.findIndex((p) => p.queued.ticket === ticket && p.queued.state === 'queued');
    if (index < 0) return false;
    const [removed] = this.pending.splice(index, 1);
    removed!.resolve(undefined);
    this.queueEmitter.fire(this.queue());
    return true;
  }

  private activeCount(): number {
    let active = this.pending.filter((p) => p.queued.state === 'launching').length;
    for (const entry of this.entries.values()) {
      // A worker counts until its process exited (a final status arrives just before the exit).
      if (entry.worker || (entry.tail && entry.info.status === 'running')) active++;
    }
    return active;
  }

  private pump(): void {
    if (this.disposed) return;
    const waiting = this.pending.filter((p) => p.queued.state === 'queued');
    const count = startableCount(this.activeCount(), waiting.length, this.options.maxConcurrentRuns());
    for (const pending of waiting.slice(0, count)) this.launch(pending);
  }

  private launch(pending: PendingStart): void {
    pending.queued.state = 'launching';
    this.queueEmitter.fire(this.queue());
    let worker: WorkerHandle;
    try {
      worker = this.options.launch('run');
    } catch (error) {
      this.settleRejected(pending, `Could not start the training worker: ${(error as Error).message}`);
      return;
    }
    pending.worker = worker;
    let entry: RunEntry | undefined;
    worker.onMessage((raw) => {
      const message = parseWorkerMessage(raw);
      if (!message) {
        this.log(entry?.runId, `ignored an invalid message from the worker: ${JSON.stringify(raw).slice(0, 200)}`);
        return;
      }
      if (!entry) {
        entry = this.onLaunchMessage(pending, worker, message);
      } else {
        this.onRunMessage(entry, message);
      }
    });
    worker.onExit((code, signal) => {
      if (entry) void this.onWorkerExit(entry, worker, code, signal);
      else void this.onLaunchExit(pending, worker, code, signal);
    });
    if (!worker.send({ type: 'start', protocol: PROTOCOL_VERSION, request: pending.request })) {
      worker.kill('SIGKILL');
      this.settleRejected(pending, 'Could not talk to the training worker (its IPC channel closed at once)');
    }
  }

  /** Messages before `started`: the worker accepts (started) or refuses (rejected) the request. */
  private onLaunchMessage(pending: PendingStart, worker: WorkerHandle, message: WorkerMessage): RunEntry | undefined {
    if (message.type === 'rejected') {
      this.settleRejected(pending, message.message);
      return undefined;
    }
    if (message.type !== 'started') {
      this.log(undefined, `unexpected '${message.type}' before 'started'`);
      return undefined;
    }
    const existing = this.entries.get(message.runId);
    const entry = existing ?? newEntry(message.runId, message.runDir, message.info);
    entry.info = message.info;
    entry.runDir = message.runDir;
    entry.worker = worker;
    entry.tail = undefined;
    entry.liveStep = undefined;
    this.entries.set(entry.runId, entry);
    this.removePending(pending);
    this.log(entry.runId, `started run ${entry.runId} (pid ${worker.pid ?? '?'})`);
    void readRunConfig(entry.runDir).then((config) => {
      entry.config = config;
      this.fireRuns();
    });
    pending.resolve(snapshotOf(entry));
    this.fireRuns();
    return entry;
  }

  private onRunMessage(entry: RunEntry, message: WorkerMessage): void {
    switch (message.type) {
      case 'records': {
        if (message.records.length === 0) return;
        for (const record of message.records) if (record.kind === 'train') entry.liveStep = Math.max(entry.liveStep ?? 0, record.step);
        this.appendEmitter.fire({ runId: entry.runId, records: message.records, offsets: message.offsets });
        return;
      }
      case 'status': {
        entry.info = message.info;
        if (isFinal(message.info.status)) this.settleStop(entry);
        this.fireRuns();
        return;
      }
      default:
        this.log(entry.runId, `unexpected '${message.type}' during a run`);
    }
  }

  /** The worker exited before accepting the request. */
  private async onLaunchExit(pending: PendingStart, worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    const output = worker.outputFile ? await readLastLines(worker.outputFile, this.crashLogLines) : [];
    await worker.discardOutput();
    if (!this.pending.includes(pending)) return; // already rejected by message
    this.settleRejected(pending, crashMessage(code, signal, output));
  }

  private async onWorkerExit(entry: RunEntry, worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (entry.worker !== worker) return;
    entry.worker = undefined;
    this.log(entry.runId, `worker exited (${signal ? `signal ${signal}` : `code ${code}`})`);
    if (!isFinal(entry.info.status)) {
      // The IPC channel may have closed before the final status arrived; the file is the truth.
      const disk = await readRunInfo(entry.runDir);
      if (disk.ok) entry.info = disk.info;
      if (!isFinal(entry.info.status)) {
        const logLines = await readLastLines(path.join(entry.runDir, RUN_FILES.log), this.crashLogLines);
        const outputLines = worker.outputFile ? await readLastLines(worker.outputFile, this.crashLogLines) : [];
        const exit = crashMessage(code, signal, logLines.length > 0 ? logLines : outputLines);
        // A stop that had to be forced says so: the user asked for it, the run did not just crash.
        const message = entry.escalatedTo && signal === entry.escalatedTo ? `did not stop at a step boundary in time after Stop; ${exit}` : exit;
        await this.markFailed(entry, message);
        this.failEmitter.fire({ runId: entry.runId, message });
      }
    }
    if (isFinal(entry.info.status)) await worker.discardOutput();
    this.settleStop(entry);
    this.fireRuns();
    this.pump();
  }

  private settleRejected(pending: PendingStart, message: string): void {
    this.removePending(pending);
    this.rejectEmitter.fire({ label: pending.queued.label, message });
    pending.reject(new Error(message));
    this.pump();
  }

  private removePending(pending: PendingStart): void {
    const index = this.pending.indexOf(pending);
    if (index >= 0) {
      this.pending.splice(index, 1);
      this.queueEmitter.fire(this.queue());
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Stopping

  /** Stops a run (or cancels a queued request) and resolves once it reached a final status. */
  async stop(runId: string): Promise<void> {
    const queued = this.pending.find((p) => p.queued.resumeRunId === runId && p.queued.state === 'queued');
    if (queued) {
      this.cancelQueued(queued.queued.ticket);
      return;
    }
    const entry = this.entries.get(runId);
    if (!entry || isFinal(entry.info.status)) return;
    const done = new Promise<void>((resolve) => entry.stopWaiters.push(resolve));
    if (entry.stopTimers.length === 0) this.scheduleStop(entry);
    return done;
  }

  /** Stops every active run and empties the queue. */
  async stopAll(): Promise<void> {
    for (const pending of [...this.pending]) this.cancelQueued(pending.queued.ticket);
    await Promise.all(this.activeRuns().map((run) => this.stop(run.info.id)));
  }

  private scheduleStop(entry: RunEntry): void {
    const worker = entry.worker;
    const pid = worker?.pid ?? entry.info.pid ?? undefined;
    for (const action of stopPlan(worker?.connected ?? false, this.stopTimings)) {
      const timer = setTimeout(() => {
        if (isFinal(entry.info.status) && !entry.worker) return;
        if (action.kind === 'ipc-stop') {
          this.log(entry.runId, 'asking the worker to stop at the next step boundary');
          if (!worker?.send({ type: 'stop', protocol: PROTOCOL_VERSION })) {
            this.log(entry.runId, 'IPC channel closed; sending SIGTERM instead');
            this.signal(entry, pid, 'SIGTERM');
          }
        } else {
          this.log(entry.runId, `the worker did not stop in time; sending ${action.signal}`);
          entry.escalatedTo = action.signal;
          this.signal(entry, pid, action.signal);
        }
      }, action.at);
      entry.stopTimers.push(timer);
    }
  }

  private signal(entry: RunEntry, pid: number | undefined, signal: NodeJS.Signals): void {
    if (entry.worker) {
      entry.worker.kill(signal);
      return;
    }
    if (pid === undefined) return;
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone; the next poll marks it.
    }
  }

  private settleStop(entry: RunEntry): void {
    // Once the status is final, only the process exit is left to wait for; keep SIGKILL armed for a
    // worker that wrote its status but hangs on exit, otherwise clear the timers.
    if (entry.worker && isFinal(entry.info.status)) return this.resolveStopWaiters(entry);
    for (const timer of entry.stopTimers) clearTimeout(timer);
    entry.stopTimers = [];
    if (isFinal(entry.info.status)) this.resolveStopWaiters(entry);
  }

  private resolveStopWaiters(entry: RunEntry): void {
    const waiters = entry.stopWaiters;
    entry.stopWaiters = [];
    for (const resolve of waiters) resolve();
  }

  // ------------------------------------------------------------------------------------------------
  // Following runs this host does not own

  private ensurePolling(): void {
    if (this.pollTimer || this.disposed) return;
    this.pollTimer = setInterval(() => void this.pollFollowed(), this.pollIntervalMs);
  }

  /** One poll of every followed run: new records, run.json changes, a worker that vanished. */
  async pollFollowed(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      let changed = false;
      const followed = [...this.entries.values()].filter((e) => e.tail);
      for (const entry of followed) {
        const tail = entry.tail!;
        const { records, offsets } = await tail.poll();
        if (records.length > 0) {
          for (const record of records) if (record.kind === 'train') entry.liveStep = Math.max(entry.liveStep ?? 0, record.step);
          this.appendEmitter.fire({ runId: entry.runId, records, offsets });
          changed = true;
        }
        const read = await readRunInfo(entry.runDir);
        if (read.ok && !sameInfo(read.info, entry.info)) {
          entry.info = read.info;
          changed = true;
        }
        if (isFinal(entry.info.status)) {
          // The worker writes its last records before its final status, possibly between the two reads
          // above: read them before letting go (seen under load: a run's last hundred steps never arrived).
          const rest = await tail.poll();
          if (rest.records.length > 0) this.appendEmitter.fire({ runId: entry.runId, records: rest.records, offsets: rest.offsets });
          entry.tail = undefined;
          this.settleStop(entry);
          changed = true;
        } else if (!entry.info.cluster && (entry.info.pid === null || !this.pidAlive(entry.info.pid, entry.info))) {
          // Gone without a final status. Read once more: the worker may have finished between the reads.
          const last = await readRunInfo(entry.runDir);
          const rest = await tail.poll();
          if (rest.records.length > 0) this.appendEmitter.fire({ runId: entry.runId, records: rest.records, offsets: rest.offsets });
          entry.tail = undefined;
          if (last.ok && isFinal(last.info.status)) {
            entry.info = last.info;
          } else {
            const logLines = await readLastLines(path.join(entry.runDir, RUN_FILES.log), this.crashLogLines);
            const message = crashMessage(null, null, logLines, entry.info.pid);
            await this.markFailed(entry, message);
            this.failEmitter.fire({ runId: entry.runId, message });
          }
          this.settleStop(entry);
          changed = true;
        }
      }
      if (changed) this.fireRuns();
      if (![...this.entries.values()].some((e) => e.tail) && this.pollTimer) {
        clearInterval(this.pollTimer);
        this.pollTimer = undefined;
        this.pump();
      }
    } finally {
      this.polling = false;
    }
  }

  private async markFailed(entry: RunEntry, message: string): Promise<void> {
    // run.json is rewritten only on status changes; the records seen live know the step reached.
    const step = Math.max(entry.info.step, entry.liveStep ?? 0);
    entry.info = failedRunInfo({ ...entry.info, step }, message, this.now());
    this.log(entry.runId, `marking run ${entry.runId} failed: ${message.split('\n')[0]}`);
    try {
      await writeRunInfo(entry.runDir, entry.info);
    } catch (error) {
      this.log(entry.runId, `could not write run.json: ${(error as Error).message}`);
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Other actions

  /** Deletes a finished run's directory. */
  async delete(runId: string): Promise<void> {
    const entry = this.entries.get(runId);
    if (!entry) throw new Error(`Unknown run ${runId}`);
    if (entry.info.status === 'running' || entry.worker) throw new Error(`Run ${runId} is still running; stop it first`);
    await fs.rm(entry.runDir, { recursive: true, force: true });
    this.entries.delete(runId);
    this.fireRuns();
  }

  /** Asks a fresh worker which backends load here. */
  async probe(modulePaths?: string[], timeoutMs = 120_000): Promise<BackendProbe[]> {
    const worker = this.options.launch('probe');
    try {
      return await new Promise<BackendProbe[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`The backend probe did not answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
        worker.onMessage((raw) => {
          const message = parseWorkerMessage(raw);
          if (message?.type === 'probe-result') {
            clearTimeout(timer);
            resolve(message.backends);
          }
        });
        worker.onExit(async (code, signal) => {
          clearTimeout(timer);
          const output = worker.outputFile ? await readLastLines(worker.outputFile, this.crashLogLines) : [];
          reject(new Error(`The backend probe ended without an answer: ${crashMessage(code, signal, output)}`));
        });
        if (!worker.send({ type: 'probe', protocol: PROTOCOL_VERSION, modulePaths })) {
          clearTimeout(timer);
          reject(new Error('Could not talk to the training worker'));
        }
      });
    } finally {
      worker.kill('SIGTERM');
      await worker.discardOutput();
    }
  }

  /**
   * The host is going away (window reload, VS Code closing): workers keep training on their own, so
   * let go of them without stopping them. The next host re-attaches from their run directories.
   */
  dispose(): void {
    this.disposed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const entry of this.entries.values()) {
      for (const timer of entry.stopTimers) clearTimeout(timer);
      entry.worker?.disconnect();
    }
    for (const pending of this.pending) {
      pending.worker?.disconnect();
      pending.resolve(undefined);
    }
    this.pending.length = 0;
    this.changeRunsEmitter.dispose();
    this.appendEmitter.dispose();
    this.queueEmitter.dispose();
    this.failEmitter.dispose();
    this.rejectEmitter.dispose();
    this.logEmitter.dispose();
  }

  private fireRuns(): void {
    this.changeRunsEmitter.fire(this.list());
  }

  private log(runId: string | undefined, message: string): void {
    this.logEmitter.fire({ runId, message });
  }
}

function newEntry(runId: string, runDir: string, info: RunInfo): RunEntry {
  return { runId, runDir, info, config: undefined, worker: undefined, tail: undefined, liveStep: undefined, stopTimers: [], stopWaiters: [], escalatedTo: undefined };
}

function snapshotOf(entry: RunEntry): RunSnapshot {
  return { info: entry.info, runDir: entry.runDir, config: entry.config };
}

function sameInfo(a: RunInfo, b: RunInfo): boolean {
  return a.status === b.status && a.step === b.step && a.endedAt === b.endedAt && a.pid === b.pid && JSON.stringify(a.summary) === JSON.stringify(b.summary);
}
