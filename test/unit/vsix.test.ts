/**
 * The packaged extension: `npm run package` must make a .vsix without warnings that holds only what
 * runs (dist, media, schemas, the examples, README, CHANGELOG, LICENSE, icon) — no sources, tests, source maps or
 * node_modules — and whose manifest points at files that are inside it. Packs with the same vsce
 * arguments as the `package` script (read from package.json), into a temporary folder. Needs a build.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { inflateRawSync } from 'node:zlib';

const root = path.resolve(__dirname, '..', '..');

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localHeaderOffset: number;
}

/** Reads a zip's central directory (a .vsix is a zip). */
function zipEntries(zip: Buffer): ZipEntry[] {
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes (it ends with a comment of ≤ 64 KiB).
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.notEqual(eocd, -1, 'the .vsix is a zip (end of central directory found)');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50, `central directory entry ${i} has its signature`);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      method: zip.readUInt16LE(offset + 10),
      compressedSize: zip.readUInt32LE(offset + 20),
      localHeaderOffset: zip.readUInt32LE(offset + 42),
      name: zip.toString('utf8', offset + 46, offset + 46 + nameLength),
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function readEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const local = entry.localHeaderOffset;
  assert.equal(zip.readUInt32LE(local), 0x04034b50, `${entry.name} has a local header`);
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data;
  assert.equal(entry.method, 8, `${entry.name} is stored or deflated`);
  return inflateRawSync(data);
}

/** The vsce arguments of the `package` npm script, so this test checks what `npm run package` makes. */
function packageScriptArgs(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const script = manifest.scripts.package;
  assert.ok(script, 'package.json has a "package" script');
  const match = /vsce package([^&|;]*)/.exec(script);
  assert.ok(match, `the package script runs vsce package (it is: ${script})`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}

let scratch: string;
let vsix: string;
let output: string;
let entries: ZipEntry[];
let zip: Buffer;

before(() => {
  assert.ok(existsSync(path.join(root, 'dist', 'extension.js')), 'dist/extension.js exists (run `npm run build` first)');
  scratch = mkdtempSync(path.join(os.tmpdir(), 'mtl-vsix-'));
  vsix = path.join(scratch, 'mtl-lab.vsix');
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const result = spawnSync(process.execPath, [vsce, 'package', ...packageScriptArgs(), '--out', vsix], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  output = `${result.stdout}\n${result.stderr}`;
  assert.equal(result.status, 0, `vsce package succeeds:\n${output}`);
  zip = readFileSync(vsix);
  entries = zipEntries(zip);
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('vsce packages without warnings', () => {
  const warnings = output.split('\n').filter((line) => /warning/i.test(line));
  assert.deepEqual(warnings, [], 'vsce printed no warning');
});

test('the .vsix holds only what runs', () => {
  const names = entries.map((entry) => entry.name).filter((name) => !name.endsWith('/'));
  const allowed = [
    /^\[Content_Types\]\.xml$/,
    /^extension\.vsixmanifest$/,
    /^extension\/package\.json$/,
    /^extension\/package\.nls(\.[a-z-]+)?\.json$/,
    /^extension\/dist\/.+\.(js|wasm|css|ttf|woff2?|json)$/,
    /^extension\/media\/.+/,
    /^extension\/schemas\/.+\.json$/,
    /^extension\/examples\/[^/]+\.mtl\.json$/,
    /^extension\/examples\/data\/[^/]+\.csv$/,
    /^extension\/examples\/data\/[^/]+\.(jsonl\.gz|md)$/,
    /^extension\/examples\/pytorch\/[^/]+\.(mtl\.json|py)$/,
    /^extension\/python\/mtl_lab(_torch)?\.py$/,
    /^extension\/readme\.md$/i,
    /^extension\/changelog\.md$/i,
    /^extension\/license(\.txt)?$/i,
  ];
  const unexpected = names.filter((name) => !allowed.some((pattern) => pattern.test(name)));
  assert.deepEqual(unexpected, [], 'no file outside dist, media, schemas, examples, README, CHANGELOG, LICENSE');
  for (const forbidden of [/\.ts$/, /\.map$/, /node_modules\//, /^extension\/(src|test|scripts|bench)\//]) {
    assert.deepEqual(names.filter((name) => forbidden.test(name)), [], `nothing matches ${forbidden}`);
  }
});

test('the .vsix holds everything the extension needs', () => {
  const names = new Set(entries.map((entry) => entry.name));
  const lower = new Set([...names].map((name) => name.toLowerCase()));
  for (const required of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/csvHead.js', 'extension/dist/slurmRunner.js', 'extension/dist/studyHost.js', 'extension/dist/newExperiment.js', 'extension/dist/worker.js', 'extension/dist/cli.js', 'extension/schemas/mtl-experiment.schema.json', 'extension/media/icon.png']) {
    assert.ok(names.has(required), `${required} is packaged`);
  }
  for (const required of ['extension/readme.md', 'extension/changelog.md']) assert.ok(lower.has(required), `${required} is packaged`);
  assert.ok(lower.has('extension/license.txt') || lower.has('extension/license'), 'the LICENSE is packaged');
  assert.ok([...names].some((name) => /^extension\/dist\/[^/]+\.wasm$/.test(name)), 'the tfjs WebAssembly binaries are packaged beside the worker');
  // MTL Lab: Open Examples copies these out of the installed extension (with the data a CSV example names).
  const examples = readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.mtl.json'));
  assert.ok(examples.length >= 5, 'the repository has examples');
  for (const example of examples) assert.ok(names.has(`extension/examples/${example}`), `example ${example} is packaged`);
  for (const data of readdirSync(path.join(root, 'examples', 'data'))) assert.ok(names.has(`extension/examples/data/${data}`), `example data ${data} is packaged`);
  // The PyTorch program examples, their scripts, and the logger they import once copied.
  for (const file of readdirSync(path.join(root, 'examples', 'pytorch'))) assert.ok(names.has(`extension/examples/pytorch/${file}`), `example file pytorch/${file} is packaged`);
  for (const file of ['mtl_lab.py', 'mtl_lab_torch.py']) assert.ok(names.has(`extension/python/${file}`), `the logger's ${file} is packaged`);
});

test("the packaged manifest points at files inside the package", () => {
  const entry = entries.find((e) => e.name === 'extension/package.json');
  assert.ok(entry);
  const manifest = JSON.parse(readEntry(zip, entry).toString('utf8')) as {
    main: string;
    icon: string;
    license: string;
    repository?: unknown;
    contributes?: { jsonValidation?: { url: string }[] };
  };
  const names = new Set(entries.map((e) => e.name));
  const inside = (relative: string) => names.has(path.posix.join('extension', relative.replace(/^\.\//, '')));
  assert.ok(inside(manifest.main), `main (${manifest.main}) is in the package`);
  assert.ok(inside(manifest.icon), `icon (${manifest.icon}) is in the package`);
  const icon = readEntry(zip, entries.find((e) => e.name === path.posix.join('extension', manifest.icon))!);
  assert.deepEqual([...icon.subarray(1, 4)], [0x50, 0x4e, 0x47], 'the icon is a PNG');
  assert.ok(icon.readUInt32BE(16) >= 128 && icon.readUInt32BE(20) >= 128, 'the icon is at least 128×128');
  assert.equal(manifest.license, 'MIT');
  // No public repository yet: the manifest names none rather than a made-up URL, and packaging says so
  // explicitly (vsce would otherwise stop to ask).
  const script = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.package;
  assert.ok(manifest.repository || script.includes('--allow-missing-repository'), 'a repository, or packaging that states there is none');
  for (const validation of manifest.contributes?.jsonValidation ?? []) {
    if (/^https?:/.test(validation.url)) continue;
    assert.ok(inside(validation.url), `jsonValidation schema ${validation.url} is in the package`);
  }
  const license = readEntry(zip, entries.find((e) => /^extension\/license(\.txt)?$/i.test(e.name))!).toString('utf8');
  assert.match(license, /MIT License/);
  assert.match(license, /MTL Lab contributors/);
});
