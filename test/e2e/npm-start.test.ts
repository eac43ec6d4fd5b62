/**
 * `npm start` as a user runs it on a machine without desktop VS Code: it builds, starts code-server, prints
 * a URL, and serves it until Ctrl+C (SIGINT to the terminal's foreground process group), which stops the
 * server and everything it started. Once, it printed the URL and exited with status 0 at once.
 * `--code-server` forces that path on a machine where `code` is on the PATH.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');

function isGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

test('npm start serves the printed URL until Ctrl+C, then stops', { timeout: 240_000 }, async () => {
  // detached: its own process group, as a shell gives a foreground job; Ctrl+C signals that whole group.
  const child = spawn('npm', ['start', '--', '--code-server'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => (exit = e));
  const pgid = child.pid!;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const found = /^\s*(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)\s*$/m.exec(output);
        if (found && /Ctrl\+C stops it\./.test(output)) {
          clearInterval(timer);
          resolve(found[1]!);
        } else if (exit) {
          clearInterval(timer);
          reject(new Error(`npm start exited (${exit.signal ?? `status ${exit.code}`}) before printing its URL:\n${output}`));
        }
      }, 100);
    });
    // A user opens the URL after reading it, not in the same millisecond.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal(exit, undefined, `npm start is still running after printing the URL (it exited: ${JSON.stringify(exit)}); output:\n${output}`);
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200, `GET ${url}`);
    assert.match(await response.text(), /<html[\s\S]*workbench/i, 'the URL serves the VS Code workbench');

    process.kill(-pgid, 'SIGINT');
    const ended = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000))]);
    assert.ok(ended, `npm start stopped within 30 s of Ctrl+C; output:\n${output}`);
    // npm ends itself by the signal it received (a shell shows 130), the launcher with status 0 once it stopped the server.
    assert.ok(ended.signal === 'SIGINT' || ended.code === 0 || ended.code === 130, `npm start ends as Ctrl+C ends a command (${JSON.stringify(ended)}); output:\n${output}`);
    assert.match(output, /stopping code-server/);
    const deadline = Date.now() + 30_000;
    while (isGroupAlive(pgid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(isGroupAlive(pgid), false, 'the launcher finished stopping the server and exited');
    await assert.rejects(fetch(url, { signal: AbortSignal.timeout(5000) }), 'the server no longer answers');
  } finally {
    if (isGroupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  }
});
