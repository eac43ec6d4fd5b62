/**
 * A program must not outlive its launcher unobserved: the launcher (the worker, or `mtl-lab train`) is SIGKILLed
 * mid-run — as when VS Code's extension host dies — and the program stops itself within seconds through the pipe it
 * holds (MTL_LAB_PARENT_FD, python/mtl_lab.py). The run is then not left `running`: the logger marks it failed, or,
 * before the program opened its run, the run manager's reconciliation does, as for a built-in worker.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decideReattach, EXITED_WHILE_CLOSED } from '../../src/extension/runs/policies';
import type { RunInfo } from '../../src/training/run/records';
import { PYTHON } from '../../scripts/ensure-python';

const ROOT = path.resolve(__dirname, '../..');
let tmp: string;
before(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mtl-orphan-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, seconds: number, probe: () => T | undefined): Promise<{ value: T; seconds: number }> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return { value, seconds: (Date.now() - start) / 1000 };
    if (Date.now() - start > seconds * 1000) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Launches `script` through `mtl-lab train` (a process of its own, like the worker), returns its run directory. */
async function launch(name: string, script: string): Promise<{ launcher: number; runDir: string; program: () => number }> {
  writeFileSync(path.join(tmp, `${name}.py`), `import sys, os\nsys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'python'))})\nopen("${name}.pid", "w").write(str(os.getpid()))\n${script}`);
  const file = path.join(tmp, `${name}.mtl.json`);
  writeFileSync(file, JSON.stringify({ name, tasks: [{ name: 'a', type: 'regression' }], program: { command: ['python', `${name}.py`], firstRecordTimeout: 60 } }));
  const runsDir = path.join(tmp, `runs-${name}`);
  const cli = spawn(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'train', file, '--runs-dir', runsDir, '--python', PYTHON], { stdio: 'ignore' });
  const { value: runDir } = await until('the run directory', 20, () => (existsSync(runsDir) ? readdirSync(runsDir).map((d) => path.join(runsDir, d))[0] : undefined));
  const pidFile = path.join(tmp, `${name}.pid`);
  await until('the program', 20, () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8') ? true : undefined));
  return { launcher: cli.pid!, runDir, program: () => Number(readFileSync(pidFile, 'utf8')) };
}

const runInfo = (runDir: string) => JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunInfo;

describe('a program whose launcher dies', () => {
  it('stops itself within seconds after its checkpoint, and the logger marks the run failed, naming the cause', async () => {
    const { launcher, runDir, program } = await launch('logged', `import time, mtl_lab
run = mtl_lab.open_run(on_stop=lambda: open("logged.ckpt", "w").write(str(run.step)))
for step in range(1, 100000):
    run.train(step, {"a": 1.0 / step})
    time.sleep(0.02)
`);
    await until('train records', 20, () => (runInfo(runDir).pid !== process.pid && readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').includes('"train"') ? true : undefined));
    process.kill(launcher, 'SIGKILL');
    const { seconds } = await until('the program to exit', 10, () => (alive(program()) ? undefined : true));
    assert.ok(seconds < 5, `the program ended ${seconds} s after its launcher`);
    const info = runInfo(runDir);
    assert.equal(info.status, 'failed');
    assert.match(info.error!.message, /^MTL Lab's launcher ended while the program ran \(its pipe closed\); the program stopped itself at step \d+; on_stop ran first$/);
    assert.equal(Number(readFileSync(path.join(tmp, 'logged.ckpt'), 'utf8')), info.step, 'the checkpoint ran at the last step');
    assert.equal(info.pid, null);
    assert.deepEqual(decideReattach(info, false, () => false), { action: 'none' });
  });

  it('ends before opening its run, and the run manager\'s reconciliation marks the run failed as for a built-in worker', async () => {
    const { launcher, runDir, program } = await launch('early', `import time, mtl_lab
time.sleep(60)  # loading data: no run open yet
`);
    process.kill(launcher, 'SIGKILL');
    const { seconds } = await until('the program to exit', 10, () => (alive(program()) ? undefined : true));
    assert.ok(seconds < 5, `the program ended ${seconds} s after its launcher`);
    const info = runInfo(runDir);
    assert.equal(info.status, 'running', 'nobody settled it');
    assert.equal(info.pid, launcher, 'run.json names the dead launcher');
    assert.deepEqual(decideReattach(info, false, (pid) => alive(pid)), { action: 'mark-failed', message: EXITED_WHILE_CLOSED });
  });
});
