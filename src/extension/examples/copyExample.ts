/**
 * Copies a shipped example experiment into the user's workspace for MTL Lab: Open Examples: the file,
 * the data file a CSV example names beside it, and nothing of the user's overwritten. The examples point
 * `$schema` at the repository's schemas/ folder for editors outside VS Code; in a workspace that path
 * leads nowhere (VS Code would warn "Unable to load schema"), and the extension supplies the schema for
 * every `*.mtl.json` anyway, so the copy drops it. Pure Node (no `vscode`): tested directly.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { findNodeAtLocation, parseTree } from 'jsonc-parser/lib/esm/main.js';

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

/** Copies `file` from `examplesDir` into `targetDir` unless it is there already; returns the target path. */
export async function copyExample(examplesDir: string, file: string, targetDir: string): Promise<string> {
  await fs.mkdir(targetDir, { recursive: true });
  const target = path.join(targetDir, file);
  if (existsSync(target)) return target;
  const text = withoutUnreachableSchema(await fs.readFile(path.join(examplesDir, file), 'utf8'), targetDir);
  await fs.writeFile(target, text);
  // A CSV example references its data beside it.
  const dataPath = /"path"\s*:\s*"([^"]+)"/.exec(text)?.[1];
  if (dataPath && !path.isAbsolute(dataPath)) {
    const from = path.join(examplesDir, dataPath);
    const to = path.join(targetDir, dataPath);
    if (existsSync(from) && !existsSync(to)) {
      await fs.mkdir(path.dirname(to), { recursive: true });
      await fs.copyFile(from, to);
    }
  }
  return target;
}
