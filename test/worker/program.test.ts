/**
 * `"program"` experiments: MTL Lab starts the user's program with the run directory in its environment, tails what
 * it writes, stops it by escalation, and settles run.json whatever the program does — completes through the Python
 * logger, is not found, exits at once, writes lines that are not records, writes nothing, ignores signals, is swept.
 * Nothing may hang: every case has a deadline well under the test's timeout.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadExperimentConfig } from '../../src/training/config/load';
import type { MetricRecord } from '../../src/training/run/records';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import { listRunsSync } from '../../src/training/run/runDirectory';
import { runExperiment, type RunCallbacks } from '../../src/training/run/runExperiment';
import { overridesObject, resolveCommand, runProgram, type ProgramRequest } from '../../src/training/run/runProgram';
import { PYTHON } from '../../scripts/ensure-python';

const PYTHON_DIR = path.resolve(__dirname, '../../python');
let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mtl-program-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

/** An experiment file running `command` in `tmp`, with `script` (Python, the logger importable) as train.py. */
function experiment(name: string, program: Record<string, unknown>, script?: string): string {
  const dir = path.join(tmp, name);
  rmSync(dir, { recursive: true, force: true });
  const file = path.join(tmp, `${name}.mtl.json`);
  writeFileSync(file, JSON.stringify({ name, tasks: [{ name: 'a', type: 'regression' }, { name: 'b', type: 'regression' }], program }, null, 2));
  if (script) writeFileSync(path.join(tmp, `${name}.py`), `import sys\nsys.path.insert(0, ${JSON.stringify(PYTHON_DIR)})\n${script}`);
  return file;
}

const quiet = (extra: Partial<RunCallbacks> = {}): RunCallbacks => ({ shouldStop: () => false, ...extra });

async function timed<T>(promise: Promise<T>): Promise<{ value: T; seconds: number }> {
  const start = Date.now();
  const value = await promise;
  return { value, seconds: (Date.now() - start) / 1000 };
}

describe('program experiments', () => {
  it('runs a Python program through the logger: records tailed live, params and overrides in its environment', async () => {
    const file = experiment(
      'logged',
      { command: ['python', 'logged.py'], params: { lr: 0.1, layers: [8] } },
      `import json, os, mtl_lab
with mtl_lab.open_run(total_steps=3) as run:
    params = json.loads(os.environ["MTL_LAB_PARAMS"])
    run.event("params", json.dumps({"params": params, "overrides": mtl_lab.overrides()}))
    for step in (1, 2, 3):
        run.train(step, {"a": params["lr"] * step, "b": 1.0})
    run.eval(3, {"a": {"loss": 0.5}, "b": {"loss": 0.25}})
`,
    );
    const live: MetricRecord[] = [];
    const runsDir = path.join(tmp, 'runs-logged');
    const { info, runDir } = await runExperiment({ configPath: file, runsDir, overrides: ['program.params.lr=0.5'], python: PYTHON }, quiet({ onRecords: ({ records }) => live.push(...records) }));
    assert.equal(info.status, 'completed', JSON.stringify(info.error));
    assert.equal(info.summary?.bestStep, 3);
    assert.deepEqual(info.overrides, ['program.params.lr=0.5']);
    const records = readRecordsSync(runDir);
    assert.deepEqual(live, records, 'the records tailed live are those on disk, in order');
    const params = JSON.parse((records.find((r) => r.kind === 'event' && (r.code as string) === 'params') as { message: string }).message);
    assert.deepEqual(params, { params: { lr: 0.5, layers: [8] }, overrides: { 'program.params.lr': 0.5 } });
    assert.deepEqual(records.filter((r) => r.kind === 'train').map((r) => r.kind === 'train' && r.losses.a), [0.5, 1, 1.5]);
    // The run is listed like any other, and its config.json is the experiment's resolved config.
    assert.deepEqual(listRunsSync(runsDir).runs.map((r) => r.info.id), [info.id]);
    assert.equal(JSON.parse(readFileSync(path.join(runDir, 'config.json'), 'utf8')).program.params.lr, 0.5);
  });

  it('mtl-lab sweep runs a program once per combination, each with its values in MTL_LAB_PARAMS and MTL_LAB_OVERRIDES', () => {
    const file = path.join(tmp, 'swept.mtl.json');
    writeFileSync(path.join(tmp, 'swept.py'), `import sys\nsys.path.insert(0, ${JSON.stringify(PYTHON_DIR)})\nimport mtl_lab\nwith mtl_lab.open_run() as run:\n    p = mtl_lab.params({"lr": 1.0})\n    run.train(1, {"a": p["lr"], "b": float(len(mtl_lab.overrides()))})\n`);
    writeFileSync(file, JSON.stringify({ name: 'swept', tasks: [{ name: 'a', type: 'regression' }, { name: 'b', type: 'regression' }], program: { command: ['python', 'swept.py'], params: { lr: 0.5 } }, sweep: { 'program.params.lr': [0.1, 0.2] } }));
    const runsDir = path.join(tmp, 'runs-swept');
    const out = execFileSync(process.execPath, [path.resolve(__dirname, '../../dist/cli.js'), 'sweep', file, '--runs-dir', runsDir, '--python', PYTHON, '--json'], { encoding: 'utf8' });
    const runs = JSON.parse(out) as { runDir: string; status: string; overrides: string[] }[];
    assert.deepEqual(runs.map((r) => [r.status, r.overrides]), [['completed', ['program.params.lr=0.1']], ['completed', ['program.params.lr=0.2']]]);
    const logged = runs.map((r) => readRecordsSync(r.runDir).flatMap((rec) => (rec.kind === 'train' ? [rec.losses] : [])));
    assert.deepEqual(logged, [[{ a: 0.1, b: 1 }], [{ a: 0.2, b: 1 }]]);
  });

  it('mtl-lab study on a program: each seed reaches it as program.params.seed (workers of --jobs 2 get --python too); the replicates form one group', () => {
    const file = path.join(tmp, 'studied.mtl.json');
    writeFileSync(path.join(tmp, 'studied.py'), `import sys\nsys.path.insert(0, ${JSON.stringify(PYTHON_DIR)})\nimport mtl_lab\nwith mtl_lab.open_run() as run:\n    p = mtl_lab.params({"seed": 0})\n    run.train(1, {"a": float(p["seed"]), "b": 1.0})\n`);
    const config = { name: 'studied', tasks: [{ name: 'a', type: 'regression' }, { name: 'b', type: 'regression' }], program: { command: ['python3', 'studied.py'], params: { seed: 42 } }, study: { seeds: [3, 5], baselines: 'none' } };
    writeFileSync(file, JSON.stringify(config));
    const runsDir = path.join(tmp, 'runs-studied');
    const out = execFileSync(process.execPath, [path.resolve(__dirname, '../../dist/cli.js'), 'study', file, '--runs-dir', runsDir, '--python', PYTHON, '--jobs', '2', '--json'], { encoding: 'utf8' });
    const summary = JSON.parse(out) as { groups: { label: string; runs: { id: string; seed: number; status: string }[] }[] };
    assert.equal(summary.groups.length, 1, 'runs that differ only by seed are one group');
    assert.equal(summary.groups[0].label, 'studied', 'the seed is no difference of the group');
    assert.deepEqual(summary.groups[0].runs.map((r) => [r.seed, r.status]).sort(), [[3, 'completed'], [5, 'completed']]);
    const losses = listRunsSync(runsDir).runs.map((r) => readRecordsSync(r.runDir).flatMap((rec) => (rec.kind === 'train' ? [rec.losses.a] : []))[0]).sort();
    assert.deepEqual(losses, [3, 5], 'each replicate trained with its own seed');
    // Automatic baselines would be multi-task runs under another name: refused, positioned.
    writeFileSync(file, JSON.stringify({ ...config, study: { seeds: [3, 5] } }, null, 2));
    let stderr = '';
    try {
      execFileSync(process.execPath, [path.resolve(__dirname, '../../dist/cli.js'), 'study', file, '--runs-dir', runsDir, '--python', PYTHON], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      stderr = String((error as { stderr?: string }).stderr);
    }
    assert.match(stderr, /studied\.mtl\.json:\d+:\d+: study: a "program" experiment has no automatic single-task baselines/);
  });

  it('program.setArguments: the --set values also come as `--set path=value` arguments that mtl_lab.overrides() reads; off, none', async () => {
    const script = `import json, sys, mtl_lab
with mtl_lab.open_run() as run:
    run.event("argv", json.dumps({"argv": sys.argv[1:], "fromArguments": mtl_lab.overrides(environ={})}))
    run.train(1, {"a": 1.0, "b": 1.0})
`;
    const logged = async (name: string, setArguments: boolean) => {
      const file = experiment(name, { command: ['python', `${name}.py`, '--epochs', '2'], setArguments }, script);
      const { info, runDir } = await runExperiment({ configPath: file, runsDir: path.join(tmp, 'runs'), overrides: ['program.params.lr=0.5', 'program.params.tag=a b'], python: PYTHON }, quiet());
      assert.equal(info.status, 'completed', JSON.stringify(info.error));
      return JSON.parse((readRecordsSync(runDir).find((r) => r.kind === 'event' && (r.code as string) === 'argv') as { message: string }).message);
    };
    assert.deepEqual(await logged('argson', true), {
      argv: ['--epochs', '2', '--set', 'program.params.lr=0.5', '--set', 'program.params.tag=a b'],
      fromArguments: { 'program.params.lr': 0.5, 'program.params.tag': 'a b' },
    });
    assert.deepEqual(await logged('argsoff', false), { argv: ['--epochs', '2'], fromArguments: {} });
  });

  it('a program run is not resumed by MTL Lab: the request is refused, saying why', async () => {
    const file = experiment('once', { command: ['sh', '-c', 'exit 1'] });
    const { runDir } = await runExperiment({ configPath: file, runsDir: path.join(tmp, 'runs') }, quiet());
    await assert.rejects(runExperiment({ resumeDir: runDir, runsDir: path.join(tmp, 'runs') }, quiet()), /a program run cannot be resumed by MTL Lab \(your program restores its own checkpoint\); start a new run/);
  });

  it('a program that is not found fails at once, naming it and the experiment', async () => {
    const file = experiment('missing', { command: ['no-such-program-xyz', '--flag'] });
    const { value, seconds } = await timed(runExperiment({ configPath: file, runsDir: path.join(tmp, 'runs') }, quiet()));
    assert.equal(value.info.status, 'failed');
    assert.match(value.info.error!.message, /^program not found: no-such-program-xyz \(program\.command in .*missing\.mtl\.json\)$/);
    assert.ok(seconds < 5, `${seconds} s`);
    const last = readRecordsSync(value.runDir).at(-1);
    assert.ok(last?.kind === 'event' && last.code === 'failed' && last.level === 'error');
  });

  it('a program that exits at once fails with its exit code and the tail of its output', async () => {
    const file = experiment('exits', { command: ['sh', '-c', 'echo "loading data"; echo "CUDA out of memory" >&2; exit 3'] });
    const { info } = await runExperiment({ configPath: file, runsDir: path.join(tmp, 'runs') }, quiet());
    assert.equal(info.status, 'failed');
    assert.equal(info.error!.message, 'program exited with code 3 without writing a record. Last output:\n  loading data\n  CUDA out of memory');
  });

  it('a program that writes lines that are not records fails saying so', async () => {
    const file = experiment('malformed', { command: ['sh', '-c', 'echo "loss=0.5" >> "$MTL_LAB_RUN_DIR/metrics.jsonl"; echo "{\\"kind\\": \\"train\\"}" >> "$MTL_LAB_RUN_DIR/metrics.jsonl"'] });
    const { info } = await runExperiment({ configPath: file, runsDir: path.join(tmp, 'runs') }, quiet());
    assert.equal(info.status, 'failed');
    assert.match(info.error!.message, /^program exited with code 0 without writing a record; 2 line\(s\) of metrics\.jsonl were not records of the format \(docs\/schemas\/\)/);
  });

  it('a program that never writes a record is stopped after firstRecordTimeout and fails', async () => {
    const file = experiment('silent', { command: ['sh', '-c', 'echo "waiting for a lock"; sleep 60'], firstRecordTimeout: 1 });
    const { value, seconds } = await timed(runExperiment({ configPath: file, runsDir: path.join(tmp, 'runs') }, quiet()));
    assert.equal(value.info.status, 'failed');
    assert.match(value.info.error!.message, /^program wrote no record within program\.firstRecordTimeout and was stopped\. Last output:\n {2}waiting for a lock$/);
    assert.ok(seconds < 5, `${seconds} s`);
  });

  it('a crash inside the program is the logger\'s failure: the traceback\'s last line', async () => {
    const file = experiment('crash', { command: ['python', 'crash.py'] }, 'import mtl_lab\nrun = mtl_lab.open_run()\nrun.train(1, {"a": 1.0, "b": 2.0})\nraise RuntimeError("tower 2 diverged")\n');
    const { info } = await runExperiment({ configPath: file, runsDir: path.join(tmp, 'runs'), python: PYTHON }, quiet());
    assert.equal(info.status, 'failed');
    assert.deepEqual(info.error, { message: 'RuntimeError: tower 2 diverged', step: 2 });
  });

  async function request(name: string, program: Record<string, unknown>, script?: string): Promise<ProgramRequest> {
    const file = experiment(name, program, script);
    const { config } = await loadExperimentConfig(file);
    return { config: { ...config, program: config.program! }, experimentFile: file, configDir: tmp, runsDir: path.join(tmp, 'runs'), overrides: [], python: PYTHON };
  }

  it('Stop: SIGINT lets the logger checkpoint and mark the run stopped', async () => {
    const req = await request('stop', { command: ['python', 'stop.py'] }, `import time, mtl_lab
def checkpoint():
    open("stop.ckpt", "w").write(str(run.step))
run = mtl_lab.open_run(on_stop=checkpoint)
step = 0
while True:
    step += 1
    run.train(step, {"a": 1.0, "b": 1.0})
    time.sleep(0.01)
`);
    let records = 0;
    const { info } = await runProgram(req, { onRecords: (b) => (records += b.records.length), shouldStop: () => records > 3 }, { pollMs: 50, termAfterMs: 3000, killAfterMs: 1000 });
    assert.equal(info.status, 'stopped');
    assert.equal(Number(readFileSync(path.join(tmp, 'stop.ckpt'), 'utf8')), info.step);
    assert.equal(readRecordsSync(path.join(req.runsDir, info.id)).at(-1)?.kind === 'event', true);
  });

  it('Stop: a program that ignores SIGINT and SIGTERM is killed, and the run is stopped, not left running', async () => {
    const req = await request('stubborn', { command: ['python', 'stubborn.py'] }, `import signal, time, mtl_lab
run = mtl_lab.open_run(handle_signals=False)
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
run.train(1, {"a": 1.0, "b": 1.0})
time.sleep(60)
`);
    let records = 0;
    const { value, seconds } = await timed(runProgram(req, { onRecords: (b) => (records += b.records.length), shouldStop: () => records > 1 }, { pollMs: 50, termAfterMs: 300, killAfterMs: 300 }));
    assert.equal(value.info.status, 'stopped');
    assert.equal(value.info.pid, null);
    assert.ok(seconds < 8, `${seconds} s`);
  });
});

describe('program helpers', () => {
  it('overrides reach the program as an object of path → JSON value', () => {
    assert.deepEqual(overridesObject(['program.params.lr=0.01', 'seed=3', 'program.params.name=x', 'bad']), { 'program.params.lr': 0.01, seed: 3, 'program.params.name': 'x' });
  });

  it('"python" / "python3" as the first word is the chosen interpreter; other commands are left alone', () => {
    assert.deepEqual(resolveCommand(['python', 'train.py'], '/opt/venv/bin/python'), ['/opt/venv/bin/python', 'train.py']);
    assert.deepEqual(resolveCommand(['python3', 'train.py'], '/usr/bin/python3'), ['/usr/bin/python3', 'train.py']);
    assert.deepEqual(resolveCommand(['python', 'train.py'], undefined), ['python', 'train.py']);
    assert.deepEqual(resolveCommand(['./run.sh', 'python'], '/x/python'), ['./run.sh', 'python']);
  });
});
