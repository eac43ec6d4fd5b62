/**
 * `model.init` end to end through the real worker (dist/worker.js) and CLI (dist/cli.js): a run that starts its
 * Transformer trunk from a BERT checkpoint (written here in the safetensors format, with the tokenizer.json it goes
 * with) trains, says what it loaded, stops and resumes to the same records as an uninterrupted run (without the
 * checkpoint file: the run's own checkpoint has the weights), and a checkpoint that does not fit is exit 2 at the
 * setting at fault with no run directory.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { wordPieceJson, trainWordPiece } from '../../src/training/data/wordpiece';
import { parseWorkerMessage, PROTOCOL_VERSION, type WorkerMessage } from '../../src/training/protocol';
import type { MetricRecord, TrainRecord } from '../../src/training/run/records';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import { readRunInfoSync } from '../../src/training/run/runDirectory';
import { bertTensors, safetensorsBytes } from '../helpers/safetensors';

const root = path.resolve(__dirname, '../..');
const workerJs = path.join(root, 'dist/worker.js');
const cliJs = path.join(root, 'dist/cli.js');
let tmp: string;
let vocab: number;

const WORDS = ['the', 'a', 'package', 'tool', 'library', 'for', 'with', 'data', 'files', 'fast', 'small', 'server'];
const sizes = () => ({ vocab, d: 16, ff: 32, layers: 2, positions: 24 });

before(() => {
  assert.ok(existsSync(workerJs) && existsSync(cliJs), 'dist/worker.js and dist/cli.js must be built first (npm run build)');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mtl-pretrained-'));
  // The label is whether the text says "alpha" or "beta", among filler words.
  const rows = Array.from({ length: 240 }, (_, i) => {
    const filler = Array.from({ length: 4 + (i % 5) }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]);
    filler.splice(i % filler.length, 0, i % 2 ? 'alpha' : 'beta');
    return { t: filler.join(' '), y: i % 2 };
  });
  writeFileSync(path.join(tmp, 'texts.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const tokenizer = wordPieceJson(trainWordPiece(rows.map((r) => r.t), { vocabSize: 80, lowercase: true }), true);
  vocab = Object.keys((tokenizer.model as { vocab: Record<string, number> }).vocab).length;
  writeFileSync(path.join(tmp, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(path.join(tmp, 'bert.safetensors'), safetensorsBytes(bertTensors(sizes())));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function writeConfig(name: string, init = 'bert.safetensors'): string {
  const config = {
    name,
    seed: 5,
    backend: 'wasm',
    data: { source: 'jsonl', path: 'texts.jsonl', text: 't', tokenizer: { path: 'tokenizer.json', maxLength: 12 }, validationSplit: 0.25 },
    tasks: [{ name: 'topic', type: 'classification', classes: 2, target: 'y' }],
    model: { architecture: 'transformer', norm: 'post', dModel: 16, heads: 2, feedForwardUnits: 32, layers: 2, dropout: 0, init: { path: init } },
    optimizer: { name: 'adam', learningRate: 0.003 },
    training: { epochs: 6, batchSize: 16, logEvery: 1, evalEvery: 20 },
  };
  const file = path.join(tmp, `${name}.mtl.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

interface WorkerRun {
  messages: WorkerMessage[];
  exit: Promise<number | null>;
  /** Asks the run to stop once a records batch reaches `step`. */
  stopAt(step: number): void;
}

function startWorker(request: { configPath?: string; resumeDir?: string }): WorkerRun {
  const child = fork(workerJs, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const messages: WorkerMessage[] = [];
  let stopStep = Infinity;
  child.on('message', (raw) => {
    const m = parseWorkerMessage(raw);
    assert.ok(m, `invalid worker message ${JSON.stringify(raw).slice(0, 200)}`);
    messages.push(m);
    if (m.type === 'records' && m.records.some((r) => r.kind === 'train' && r.step >= stopStep)) {
      stopStep = Infinity;
      child.send({ type: 'stop', protocol: PROTOCOL_VERSION });
    }
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.send({ type: 'start', protocol: PROTOCOL_VERSION, request: { runsDir: path.join(tmp, 'runs'), overrides: [], ...request } });
  return { messages, exit, stopAt: (step) => (stopStep = step) };
}

const runDirOf = (run: WorkerRun) => {
  const started = run.messages.find((m) => m.type === 'started');
  assert.ok(started && started.type === 'started');
  return started.runDir;
};

/** Train and eval records without wall time and throughput. */
const comparable = (records: MetricRecord[]) =>
  records.filter((r) => r.kind !== 'event').map((r) => ({ ...r, time: 0, ...('samplesPerSecond' in r ? { samplesPerSecond: 0 } : {}) }));

function cli(args: string[]) {
  const child = spawn(process.execPath, [cliJs, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  let [stdout, stderr] = ['', ''];
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('model.init in a run', () => {
  let uninterrupted: MetricRecord[];

  it('a run from a BERT checkpoint trains (the loss falls) and says what it loaded', async (t) => {
    const run = startWorker({ configPath: writeConfig('pretrained') });
    assert.equal(await run.exit, 0);
    const runDir = runDirOf(run);
    const read = readRunInfoSync(runDir);
    assert.ok(read.ok && read.info.status === 'completed');
    uninterrupted = readRecordsSync(runDir);
    const loaded = uninterrupted.find((r) => r.kind === 'event' && r.code === 'pretrained-loaded');
    assert.ok(loaded && loaded.kind === 'event', 'a pretrained-loaded event');
    const data = loaded.data as { file: string; loaded: string[]; ignored: string[] };
    assert.equal(data.file, 'bert.safetensors');
    assert.equal(data.loaded.length, 5 + 16 * 2);
    assert.deepEqual(data.ignored, ['bert.pooler.dense.weight', 'bert.pooler.dense.bias']);
    const losses = uninterrupted.filter((r): r is TrainRecord => r.kind === 'train').map((r) => r.losses.topic);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [first, last] = [mean(losses.slice(0, 10)), mean(losses.slice(-10))];
    t.diagnostic(`mean loss of the first 10 steps ${first.toFixed(3)}, of the last 10 ${last.toFixed(3)}`);
    assert.ok(last < 0.7 * first, `loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
  });

  it('stops, and resumes without the checkpoint file to the records of the uninterrupted run', async () => {
    const run = startWorker({ configPath: writeConfig('pretrained') });
    run.stopAt(15);
    assert.equal(await run.exit, 0);
    const runDir = runDirOf(run);
    const stopped = readRunInfoSync(runDir);
    assert.ok(stopped.ok && stopped.info.status === 'stopped' && stopped.info.step < stopped.info.totalSteps);
    renameSync(path.join(tmp, 'bert.safetensors'), path.join(tmp, 'moved.safetensors'));
    try {
      const resumed = startWorker({ resumeDir: runDir });
      assert.equal(await resumed.exit, 0, JSON.stringify(resumed.messages.filter((m) => m.type !== 'records')));
    } finally {
      renameSync(path.join(tmp, 'moved.safetensors'), path.join(tmp, 'bert.safetensors'));
    }
    const all = readRecordsSync(runDir);
    assert.ok(all.some((r) => r.kind === 'event' && r.code === 'resumed'));
    assert.deepEqual(comparable(all), comparable(uninterrupted));
  });

  it('a checkpoint that does not fit: exit 2 at the setting at fault, no run directory', async () => {
    const { ['bert.encoder.layer.1.output.dense.bias']: _dropped, ...missing } = bertTensors(sizes());
    writeFileSync(path.join(tmp, 'missing.safetensors'), safetensorsBytes(missing));
    writeFileSync(path.join(tmp, 'vocab.safetensors'), safetensorsBytes(bertTensors({ ...sizes(), vocab: vocab + 3 })));
    writeFileSync(path.join(tmp, 'garbage.safetensors'), 'PK\u0003\u0004 not a checkpoint');
    const cases = [
      { init: 'missing.safetensors', error: /^bad-missing\.mtl\.json:32:15: missing\.safetensors: no tensor "bert\.encoder\.layer\.1\.output\.dense\.bias" \(a BERT checkpoint has it\)$/m },
      { init: 'vocab.safetensors', error: new RegExp(`^bad-vocab\\.mtl\\.json:10:15: vocab\\.safetensors: tensor "bert\\.embeddings\\.word_embeddings\\.weight" has ${vocab + 3} rows \\(the checkpoint's vocabulary\\), the tokenizer has ${vocab} tokens`, 'm') },
      { init: 'garbage.safetensors', error: /^bad-garbage\.mtl\.json:32:15: garbage\.safetensors: not a safetensors file: the header length \d+ runs past the end of the file/m },
      { init: 'absent.safetensors', error: /^bad-absent\.mtl\.json:32:15: absent\.safetensors: cannot be read \(ENOENT\)$/m },
    ];
    for (const { init, error } of cases) {
      const name = `bad-${init.split('.')[0]}`;
      const r = await cli(['train', path.basename(writeConfig(name, init)), '--runs-dir', 'bad-runs']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, error);
      const v = await cli(['validate', `${name}.mtl.json`]);
      assert.equal(v.code, 2, 'validate reads the checkpoint too');
    }
    assert.ok(!existsSync(path.join(tmp, 'bad-runs')), 'nothing written');
    const ok = await cli(['validate', path.basename(writeConfig('valid'))]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /model\.init bert\.safetensors: 37 tensors fit the trunk, 2 ignored/);
  });
});
