import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, promises as fs, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordsToCsv } from '../../src/training/run/exportCsv';
import type { MetricRecord, RunInfo, TrainRecord } from '../../src/training/run/records';
import { listRuns, listRunsSync, makeRunId, readRunConfig, readRunConfigSync, readRunInfo, readRunInfoSync, RunDirectoryWriter, writeRunInfo } from '../../src/training/run/runDirectory';
import { MetricsTail, parseRecordLines, parseRecords, readAllRecords, readRecordsSync } from '../../src/training/run/metricsTail';
import { readLastLines, splitCompleteLines } from '../../src/training/run/lines';

let tmp: string;
before(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'mtl-rundir-'))));
after(() => rmSync(tmp, { recursive: true, force: true }));

const info = (id: string, createdAt: string): RunInfo => ({
  version: 1,
  id,
  name: 'exp',
  experimentFile: null,
  status: 'running',
  createdAt,
  startedAt: createdAt,
  endedAt: null,
  backend: 'wasm',
  pid: 123,
  step: 0,
  totalSteps: 10,
  overrides: [],
  error: null,
  summary: null,
});

const train = (step: number): TrainRecord => ({ kind: 'train', step, epoch: 0, time: 1_700_000_000_000 + step, losses: { a: 1 / step, b: 2 }, totalLoss: 2 + 1 / step, weights: { a: 1, b: 1 }, samplesPerSecond: 1000, attention: { a: [0.5, 0.5], b: [0.25, 0.75] } });

describe('run ids', () => {
  it('are <name>-<yyyymmdd-hhmmss>-<4 hex>', () => {
    assert.equal(makeRunId('exp', new Date(2026, 10, 29, 9, 5, 7), 'a1b2'), 'exp-20261129-090507-a1b2');
    assert.match(makeRunId('exp'), /^exp-\d{8}-\d{6}-[0-9a-f]{4}$/);
  });
});

describe('metrics.jsonl parsing', () => {
  it('skips a torn last line and reports how far it consumed', () => {
    const full = JSON.stringify(train(1)) + '\n' + JSON.stringify(train(2)) + '\n';
    const torn = full + '{"kind":"train","st';
    const parsed = parseRecords(torn);
    assert.equal(parsed.records.length, 2);
    assert.equal(parsed.consumedBytes, Buffer.byteLength(full));
    assert.equal(parsed.skipped, 0);
  });

  it('keeps a complete last line without its newline only when reading a whole file', () => {
    const text = JSON.stringify(train(1)) + '\n' + JSON.stringify(train(2));
    assert.equal(parseRecords(text, true).records.length, 2);
    // While tailing a live file the same bytes may still grow: not consumed yet.
    const tail = parseRecords(text, false);
    assert.equal(tail.records.length, 1);
    assert.equal(tail.consumedBytes, JSON.stringify(train(1)).length + 1);
  });

  it('skips garbage and records that do not match the contract, counting them', () => {
    const text = ['not json', JSON.stringify({ kind: 'train', step: 'x' }), '', JSON.stringify(train(3))].join('\n') + '\n';
    const parsed = parseRecords(text);
    assert.deepEqual(parsed.records, [train(3)]);
    assert.equal(parsed.skipped, 2);
  });

  it('counts bytes, not characters (multi-byte task names)', () => {
    const r: MetricRecord = { kind: 'event', step: 1, time: 1, level: 'info', code: 'run-started', message: 'ρ ≈ 0.8 — ok' };
    const line = JSON.stringify(r) + '\n';
    assert.equal(parseRecords(line + '{"kind').consumedBytes, Buffer.byteLength(line));
  });
});

describe('RunDirectoryWriter', () => {
  it('round-trips run.json, config.json and records (buffered, flushed in whole lines)', () => {
    const flushed: MetricRecord[][] = [];
    const writer = RunDirectoryWriter.create(tmp, info('exp-1', '2026-11-29T10:00:00.000Z'), { name: 'exp' }, (b) => flushed.push(b.records));
    for (let s = 1; s <= 5; s++) writer.append(train(s));
    assert.equal(readRecordsSync(writer.runDir).length, 0, 'buffered until flush');
    writer.flush();
    assert.equal(flushed.length, 1);
    assert.deepEqual(readRecordsSync(writer.runDir), [1, 2, 3, 4, 5].map(train));
    writer.update({ status: 'completed', step: 5 });
    const read = readRunInfoSync(writer.runDir);
    assert.ok(read.ok && read.info.status === 'completed');
    assert.deepEqual(JSON.parse(readFileSync(path.join(writer.runDir, 'config.json'), 'utf8')), { name: 'exp' });
    // No temp files left behind by the atomic writes.
    assert.deepEqual(readdirSync(writer.runDir).sort(), ['config.json', 'metrics.jsonl', 'run.json']);
    // A crash mid-append leaves a torn line: readers still get every whole record.
    appendFileSync(path.join(writer.runDir, 'metrics.jsonl'), '{"kind":"eval","st');
    assert.equal(readRecordsSync(writer.runDir).length, 5);
  });

  it("tells where each flushed record ends in metrics.jsonl, across flushes and a resumed writer", () => {
    const batches: { records: MetricRecord[]; offsets: number[] }[] = [];
    const first = RunDirectoryWriter.create(path.join(tmp, 'positions'), info('exp-offsets', '2026-11-29T10:30:00.000Z'), {}, (b) => batches.push(b));
    const named: MetricRecord = { kind: 'event', step: 2, time: 2, level: 'info', code: 'run-started', message: 'ρ ≈ 0.8 — multi-byte' };
    first.append(train(1));
    first.append(named);
    first.flush();
    first.append(train(3));
    first.flush();
    const resumed = new RunDirectoryWriter(first.runDir, first.info, (b) => batches.push(b));
    resumed.append(train(4));
    resumed.flush();
    const bytes = readFileSync(path.join(first.runDir, 'metrics.jsonl'));
    // Independently: the offset just past each newline of the file, in order.
    const ends = [...bytes.entries()].filter(([, b]) => b === 0x0a).map(([i]) => i + 1);
    assert.deepEqual(batches.flatMap((b) => b.offsets), ends);
    assert.deepEqual(batches.flatMap((b) => b.records), [train(1), named, train(3), train(4)]);
    // Each offset closes exactly its record's line.
    const all = batches.flatMap((b) => b.records);
    batches.flatMap((b) => b.offsets).forEach((end, i) => {
      const start = i === 0 ? 0 : ends[i - 1]!;
      assert.deepEqual(JSON.parse(bytes.subarray(start, end).toString('utf8')), all[i]);
    });
  });

  it('a writer resuming after a crash mid-write ends the torn line first, so its first record is not lost', () => {
    const crashed = RunDirectoryWriter.create(path.join(tmp, 'positions'), info('exp-torn', '2026-11-29T10:40:00.000Z'), {});
    crashed.append(train(1));
    crashed.flush();
    appendFileSync(path.join(crashed.runDir, 'metrics.jsonl'), '{"kind":"train","st');
    const batches: { records: MetricRecord[]; offsets: number[] }[] = [];
    const resumed = new RunDirectoryWriter(crashed.runDir, crashed.info, (b) => batches.push(b));
    resumed.append(train(2));
    resumed.flush();
    assert.deepEqual(readRecordsSync(crashed.runDir), [train(1), train(2)]);
    assert.equal(batches[0]!.offsets[0], readFileSync(path.join(crashed.runDir, 'metrics.jsonl')).length);
  });

  it('flushes by itself within the interval', async () => {
    const writer = RunDirectoryWriter.create(tmp, info('exp-2', '2026-11-29T11:00:00.000Z'), {});
    writer.append(train(1));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(readRecordsSync(writer.runDir).length, 1);
  });

  it('lists runs newest first, ignoring folders without a valid run.json', () => {
    writeFileSync(path.join(tmp, 'stray.txt'), 'x');
    RunDirectoryWriter.create(tmp, info('exp-0', '2026-11-29T09:00:00.000Z'), {});
    const broken = path.join(tmp, 'broken');
    RunDirectoryWriter.create(tmp, info('broken', '2026-11-29T12:00:00.000Z'), {});
    writeFileSync(path.join(broken, 'run.json'), '{"id": 1');
    assert.deepEqual(listRunsSync(tmp).runs.map((r) => r.info.id), ['exp-2', 'exp-1', 'exp-0']);
    assert.deepEqual(listRunsSync(path.join(tmp, 'missing')).runs, []);
  });
});

describe('listing runs', () => {
  it('one order, sync and async: newest first, ties by id; hidden, damaged and half-created directories left out', async () => {
    const runsDir = mkdtempSync(path.join(tmp, 'listing-'));
    for (const [id, createdAt] of [['a-new', '2026-11-29T11:00:00.000Z'], ['b-old', '2026-11-29T09:00:00.000Z'], ['c-tie', '2026-11-29T10:00:00.000Z'], ['d-tie', '2026-11-29T10:00:00.000Z'], ['.hidden', '2026-11-29T12:00:00.000Z'], ['broken', '2026-11-29T12:00:00.000Z']] as const) {
      RunDirectoryWriter.create(runsDir, info(id, createdAt), {});
    }
    writeFileSync(path.join(runsDir, 'broken', 'run.json'), '{"id": 1');
    await fs.mkdir(path.join(runsDir, 'creating'));
    writeFileSync(path.join(runsDir, 'stray.txt'), 'x');
    const expected = ['a-new', 'd-tie', 'c-tie', 'b-old'];
    const sync = listRunsSync(runsDir);
    const async = await listRuns(runsDir);
    assert.deepEqual(sync.runs.map((r) => r.runId), expected);
    assert.deepEqual(async, sync);
    assert.deepEqual(sync.runs.map((r) => r.runDir), expected.map((id) => path.join(runsDir, id)));
    assert.deepEqual(sync.runs.map((r) => r.info.id), expected);
    // A damaged run.json is not a run to show, but its run is not gone either (a directory without one is not a run yet).
    assert.deepEqual(sync.unreadable, [{ runId: 'broken', runDir: path.join(runsDir, 'broken'), reason: 'run.json is not valid JSON' }]);
    const none = { runs: [], unreadable: [] };
    assert.deepEqual(listRunsSync(path.join(runsDir, 'missing')), none);
    assert.deepEqual(await listRuns(path.join(runsDir, 'missing')), none);
    assert.deepEqual(await listRuns(path.join(runsDir, 'stray.txt')), none, 'a file where the runs directory should be');
  });
});

describe('CSV export', () => {
  it('one row per step, a column per series, eval metrics merged by step', () => {
    const records: MetricRecord[] = [
      train(1),
      { ...train(2), conflict: [[1, -0.5], [-0.5, 1]] },
      { kind: 'eval', step: 2, epoch: 0, time: 0, split: 'validation', metrics: { a: { loss: 0.5, rmse: 0.7, mae: 0.6 }, b: { loss: 1.5, accuracy: 0.25 } } },
      { kind: 'event', step: 2, time: 0, level: 'warning', code: 'batch-skipped', message: 'ignored, "quoted", in CSV' },
    ];
    const [header, row1, row2] = recordsToCsv(records, ['a', 'b']).trim().split('\r\n');
    const cols = header.split(',');
    assert.deepEqual(cols.slice(0, 5), ['step', 'epoch', 'time', 'totalLoss', 'samplesPerSecond']);
    for (const c of ['loss/a', 'weight/b', 'attention/b/1', 'conflict/a/b', 'val/a/rmse', 'val/b/accuracy']) assert.ok(cols.includes(c), c);
    const get = (row: string, c: string) => row.split(',')[cols.indexOf(c)];
    assert.equal(get(row1, 'loss/a'), '1');
    assert.equal(get(row1, 'val/a/rmse'), '');
    assert.equal(get(row2, 'conflict/a/b'), '-0.5');
    assert.equal(get(row2, 'val/b/accuracy'), '0.25');
    assert.equal(get(row1, 'time'), new Date(1_700_000_000_001).toISOString());
  });
});

const trainLine = (step: number) => JSON.stringify({ kind: 'train', step, epoch: 0, time: 1, losses: { a: 1 }, totalLoss: 1, weights: { a: 1 }, samplesPerSecond: 1 });

describe('tailing metrics.jsonl, run.json (async) and the log tail', () => {
  it('splitCompleteLines keeps a torn last line for later and never cuts a multi-byte character', () => {
    const bytes = Buffer.from('{"a":1}\n{"b":"é', 'utf8');
    const chunk = splitCompleteLines(bytes, 100);
    assert.deepEqual(chunk.lines, ['{"a":1}']);
    assert.deepEqual(chunk.ends, [108]);
    assert.equal(chunk.nextOffset, 108);
    assert.deepEqual(splitCompleteLines(Buffer.from('no newline'), 5), { lines: [], ends: [], nextOffset: 5 });
    const crlf = splitCompleteLines(Buffer.from('x\r\nyé\n'), 10);
    assert.deepEqual(crlf.lines, ['x', 'yé']);
    assert.deepEqual(crlf.ends, [13, 17], 'byte offsets past each newline (é is two bytes)');
  });

  it("parseRecordLines skips lines that are not records and keeps each record's line end", () => {
    const parsed = parseRecordLines([trainLine(1), 'not json', '{"kind":"train"}', '', trainLine(2)], [10, 20, 30, 31, 40]);
    assert.deepEqual(parsed.records.map((r) => r.step), [1, 2]);
    assert.deepEqual(parsed.offsets, [10, 40]);
    assert.equal(parsed.skipped, 2);
  });

  it('MetricsTail reads appended records once, waits for a torn line to complete, and restarts on a replaced file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mtl-tail-'));
    const file = path.join(dir, 'metrics.jsonl');
    const tail = new MetricsTail(file);
    assert.deepEqual((await tail.poll()).records, [], 'a missing file reads as nothing');
    await fs.writeFile(file, `${trainLine(1)}\n${trainLine(2)}\n${trainLine(3).slice(0, 20)}`);
    assert.deepEqual((await tail.poll()).records.map((r) => r.step), [1, 2]);
    assert.deepEqual((await tail.poll()).records, []);
    await fs.appendFile(file, `${trainLine(3).slice(20)}\n${trainLine(4)}\n`);
    const polled = await tail.poll();
    assert.deepEqual(polled.records.map((r) => r.step), [3, 4]);
    const size = (await fs.stat(file)).size;
    assert.deepEqual(polled.offsets, [size - trainLine(4).length - 1, size], 'each record ends where its line ends');
    await fs.appendFile(file, trainLine(5).slice(0, 9));
    const history = await readAllRecords(file);
    assert.deepEqual(history.records.map((r) => r.step), [1, 2, 3, 4]);
    assert.equal(history.offset, size, 'the history read stops before the torn line');
    await fs.writeFile(file, `${trainLine(9)}\n`);
    assert.deepEqual((await tail.poll()).records.map((r) => r.step), [9]);
    await fs.rm(dir, { recursive: true });
  });

  it('run directory: atomic run.json round trip (async), validation and log tail', async () => {
    const runsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mtl-runs-'));
    const runDir = path.join(runsDir, 'exp-1');
    await fs.mkdir(runDir);
    await fs.mkdir(path.join(runsDir, 'not-a-run'));
    await writeRunInfo(runDir, info('exp-1', '2025-01-01T00:00:00.000Z'));
    const read = await readRunInfo(runDir);
    assert.ok(read.ok && read.info.id === 'exp-1');
    assert.deepEqual((await fs.readdir(runDir)).sort(), ['run.json'], 'no temp file left behind');
    await fs.writeFile(path.join(runDir, 'run.json'), '{"version":1}');
    const bad = await readRunInfo(runDir);
    assert.ok(!bad.ok && /does not match/.test(bad.reason));
    await fs.writeFile(path.join(runDir, 'worker.log'), 'one\ntwo\nthree\n\n');
    assert.deepEqual(await readLastLines(path.join(runDir, 'worker.log'), 2), ['two', 'three']);
    assert.deepEqual(await readLastLines(path.join(runDir, 'missing.log'), 2), []);
    await fs.rm(runsDir, { recursive: true });
  });
});

describe('config.json', () => {
  it('is read as an experiment only when it is one: a program\'s own settings are not taken for tasks and a model', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mtl-config-'));
    const experiment = { name: 'x', tasks: [{ name: 'a', type: 'regression' }], model: { architecture: 'hard' }, loss: { weighting: 'equal' } };
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(experiment));
    assert.deepEqual(readRunConfigSync(dir), experiment);
    assert.deepEqual(await readRunConfig(dir), experiment);
    for (const own of [{ lr: 0.1 }, { tasks: 'a,b', model: {}, loss: {} }, { tasks: [{ id: 1 }], model: {}, loss: {} }, [1, 2], null]) {
      writeFileSync(path.join(dir, 'config.json'), JSON.stringify(own));
      assert.equal(readRunConfigSync(dir), undefined, JSON.stringify(own));
      assert.equal(await readRunConfig(dir), undefined, JSON.stringify(own));
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
