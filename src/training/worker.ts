/**
 * The training worker the extension forks (`dist/worker.js`, with an IPC channel). It speaks the
 * protocol in protocol.ts, validates every message it receives, and keeps training when the channel
 * goes away (a window reload): the run directory is the truth, IPC only adds liveness.
 */
import { probeBackends, nodeModuleLoader } from './backend/select';
import { parseHostMessage, PROTOCOL_VERSION, type StartRequest, type WorkerMessage } from './protocol';
import { runExperiment } from './run/runExperiment';
import { InputError } from './run/runInputs';
import type { BackendName } from './config/schema';

let stopRequested = false;
let busy = false;
/**
 * `--stay` (a study's lane, study/runStudy.ts): after a run, take the next `start` instead of exiting, so the
 * backend is loaded and warmed up once; a `start` that arrives while a run ends waits for it.
 */
const stay = process.argv.includes('--stay');
const waiting: StartRequest[] = [];

function startRun(request: StartRequest): void {
  busy = true;
  void start(request).then((code) => {
    if (!stay || !process.connected) process.exit(code);
    busy = false;
    const next = waiting.shift();
    if (next) startRun(next);
  });
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

async function start(request: StartRequest): Promise<number> {
  let runId = '';
  try {
    const result = await runExperiment(
      {
        configPath: request.configPath,
        runsDir: request.runsDir,
        overrides: request.overrides,
        backend: request.backend as BackendName | undefined,
        resumeDir: request.resumeDir,
        modulePaths: request.modulePaths,
        python: request.python,
        marks: request.marks,
      },
      {
        onStarted: (runDir, info) => {
          runId = info.id;
          void send({ type: 'started', runId, runDir, info });
        },
        onRecords: ({ records, offsets }) => void send({ type: 'records', runId, records, offsets }),
        onStatus: (info) => void send({ type: 'status', runId, info }),
        shouldStop: () => stopRequested,
      },
    );
    // Let the final status reach the host before exiting.
    await send({ type: 'status', runId, info: result.info });
    return result.info.status === 'failed' ? 1 : 0;
  } catch (error) {
    if (error instanceof InputError) {
      await send({ type: 'rejected', message: error.message, exitCode: 2 });
      process.stderr.write(error.message + '\n');
      return 2;
    }
    const message = (error as Error).stack ?? String(error);
    process.stderr.write(message + '\n');
    await send({ type: 'rejected', message: (error as Error).message, exitCode: 1 });
    return 1;
  }
}

process.on('message', (raw: unknown) => {
  const message = parseHostMessage(raw);
  if (!message) {
    process.stderr.write(`mtl-lab worker: ignored an invalid message (protocol ${PROTOCOL_VERSION}): ${JSON.stringify(raw)?.slice(0, 200)}\n`);
    return;
  }
  switch (message.type) {
    case 'stop':
      stopRequested = true;
      return;
    case 'start':
      if (busy) {
        if (stay) waiting.push(message.request);
        return;
      }
      startRun(message.request);
      return;
    case 'probe':
      if (busy) return;
      busy = true;
      void probeBackends(nodeModuleLoader(message.modulePaths ?? []))
        .then((results) => send({ type: 'probe-result', backends: results.map((r) => ({ name: r.name, available: r.ok, detail: r.detail })) }))
        .then(() => process.exit(0));
      return;
  }
});

// Losing the host is not a reason to stop: the run continues and the host re-attaches from disk.
process.on('disconnect', () => {
  // A study's lane worker between runs has nothing left to do once its study is gone.
  if (stay && !busy) process.exit(0);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopRequested = true;
  });
}
// A worker never asked to do anything should not linger.
setTimeout(() => {
  if (!busy) process.exit(2);
}, 30_000).unref();
