/**
 * Copies a shipped example experiment into the user's workspace for MTL Lab: Open Examples: the file,
 * the data file a CSV example names beside it, and nothing of the user's overwritten. The examples point
 * `$schema` at the repository's schemas/ folder for editors outside VS Code; in a workspace that path
 * leads nowhere (VS Code would warn "Unable to load schema"), and the extension supplies the schema for
 * every `*.mtl.json` anyway, so the copy drops it. A program example (examples/pytorch/) brings the files its
 * command names and the single-file Python logger beside them, so `import mtl_lab` works without a pip install.
 * Pure Node (no `vscode`): tested directly.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { findNodeAtLocation, getNodeValue, parseTree } from 'jsonc-parser/lib/esm/main.js';

/** `text` without a relative `$schema` that does not exist from `directory` (comments and formatting kept). */
export function withoutUnreachableSchema(text: string, directory: string): string {
  const root = parseTree(text, [], { allowTrailingComma: true });
  const value = root && findNodeAtLocation(root, ['$schema']);
  const schema: unknown = value?.value;
  if (!value?.parent || typeof schema !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(schema) || existsSync(path.resolve(directory, schema))) return text;
  // Remove just the property (and its comma); its whole line when it stands alone, so comments around it stay.
  const property = value.parent;
  const start = property.offset;
  let end = start + property.length;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  if (text[end] === ',') end++;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', end);
  if (text.slice(lineStart, start).trim() === '' && text.slice(end, lineEnd === -1 ? text.length : lineEnd).trim() === '') {
    return text.slice(0, lineStart) + text.slice(lineEnd === -1 ? text.length : lineEnd + 1);
  }
  return text.slice(0, start) + text.slice(end);
}

/** The example experiments under `examplesDir` and one folder down (pytorch/), as relative paths, sorted. */
export async function listExamples(examplesDir: string): Promise<string[]> {
  const entries = await fs.readdir(examplesDir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.filter((e) => e.isDirectory()).map(async (d) => (await fs.readdir(path.join(examplesDir, d.name))).map((f) => `${d.name}/${f}`)),
  );
  return [...entries.filter((e) => e.isFile()).map((e) => e.name), ...nested.flat()].filter((f) => f.endsWith('.mtl.json')).sort();
}

/** The Python logger's files, shipped in python/ beside examples/. */
export const LOGGER_FILES = ['mtl_lab.py', 'mtl_lab_torch.py'];

/** Copies `file` (relative to `examplesDir`, e.g. "pytorch/x.mtl.json") into `targetDir` unless it is there already;
 * returns the target path. */
export async function copyExample(examplesDir: string, file: string, targetDir: string): Promise<string> {
  const target = path.join(targetDir, file);
  const [fromDir, toDir] = [path.dirname(path.join(examplesDir, file)), path.dirname(target)];
  await fs.mkdir(toDir, { recursive: true });
  if (existsSync(target)) return target;
  const text = withoutUnreachableSchema(await fs.readFile(path.join(examplesDir, file), 'utf8'), toDir);
  await fs.writeFile(target, text);
  const root = parseTree(text, [], { allowTrailingComma: true });
  const commandNode = root && findNodeAtLocation(root, ['program', 'command']);
  const command: unknown = commandNode && getNodeValue(commandNode);
  // A CSV example references its data beside it; a program example its script(s), which import the logger.
  const beside: [string, string][] = [];
  const dataPath = root && findNodeAtLocation(root, ['data', 'path'])?.value;
  if (typeof dataPath === 'string') beside.push([path.join(fromDir, dataPath), path.join(toDir, dataPath)]);
  if (Array.isArray(command)) {
    for (const word of command) if (typeof word === 'string') beside.push([path.join(fromDir, word), path.join(toDir, word)]);
    for (const name of LOGGER_FILES) beside.push([path.join(examplesDir, '..', 'python', name), path.join(toDir, name)]);
  }
  for (const [from, to] of beside) {
    if (!existsSync(from) || !(await fs.stat(from)).isFile() || existsSync(to)) continue;
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.copyFile(from, to);
  }
  return target;
}
