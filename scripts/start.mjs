// `npm start`: builds the extension and opens it on the examples workspace.
//   - desktop VS Code when `code` is on the PATH: `code --extensionDevelopmentPath=<repo> examples/`;
//   - otherwise code-server (provisioned into .vscode-test/ on first use) on 127.0.0.1, URL printed;
//     Ctrl+C stops it and everything it started.
// Options: --code-server (even when `code` exists), --port <n> (code-server port; default: a free one).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const examples = path.join(root, 'examples');
const args = process.argv.slice(2);
const forceCodeServer = args.includes('--code-server');
const portIndex = args.indexOf('--port');
const port = portIndex >= 0 ? Number(args[portIndex + 1]) : undefined;
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
  console.error(`--port needs a port number, got ${args[portIndex + 1]}`);
  process.exit(2);
}

const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

function findOnPath(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const code = forceCodeServer ? undefined : findOnPath('code');
if (code) {
  console.log(`Opening ${path.relative(process.cwd(), examples) || '.'} in VS Code with MTL Lab loaded from ${root}`);
  const child = spawn(code, ['--extensionDevelopmentPath', root, examples], { stdio: 'inherit' });
  child.on('exit', (status) => process.exit(status ?? 0));
} else {
  // The launcher is TypeScript shared with the end-to-end tests; tsx loads it.
  const tsx = await import('tsx/cjs/api');
  const { startCodeServer } = tsx.require('./vscode-test/codeServer.ts', import.meta.url);
  console.log('`code` is not on the PATH: starting code-server (the first start installs it into .vscode-test/, a few minutes)…');
  const server = await startCodeServer({ workspace: examples, port });
  // startCodeServer lets go of the server's process (tests must not be held open by it); here it is the
  // whole point: serve until Ctrl+C, instead of letting Node's event loop empty and exit at once.
  server.process.ref();
  console.log(`\nMTL Lab is running in code-server ${server.install.codeServerVersion}:\n\n  ${server.workspaceUrl}\n\nOpen that URL in a browser on this machine. Ctrl+C stops it.`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping code-server…');
    await server.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stop);
  server.process.on('exit', (status, signal) => {
    if (stopping) return;
    console.error(`code-server exited (${signal ?? `status ${status}`}); its log: ${server.logFile}`);
    process.exit(1);
  });
}
