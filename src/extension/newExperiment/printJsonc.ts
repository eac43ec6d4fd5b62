/**
 * A JSON value printed as a commented `*.mtl.json` with jsonc-parser: the value is built up with `modify`
 * (which formats what it inserts), short containers stay on one line (their placeholder is replaced by the
 * value without formatting), a final `format` that keeps lines normalises the spacing, and comments go on
 * their own lines above the property or array element they describe.
 */
import { applyEdits, findNodeAtLocation, format, modify, parseTree, type FormattingOptions, type JSONPath } from 'jsonc-parser/lib/esm/main.js';

const FORMATTING: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };
/** Containers up to this many characters of compact JSON (and without comments inside) are printed on one line. */
const ONE_LINE = 80;

export interface JsoncComment {
  /** The property or array element the comment stands above. */
  path: JSONPath;
  lines: readonly string[];
}

const isContainer = (value: unknown): value is object => typeof value === 'object' && value !== null;
const startsWith = (path: JSONPath, prefix: JSONPath) => prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);

export function printJsonc(value: Record<string, unknown>, comments: readonly JsoncComment[] = [], header: readonly string[] = []): string {
  let text = '{}';
  const set = (path: JSONPath, v: unknown, formatted: boolean, isArrayInsertion = false) => {
    text = applyEdits(text, modify(text, path, v, { formattingOptions: formatted ? FORMATTING : undefined, isArrayInsertion }));
  };
  const commentedInside = (path: JSONPath) => comments.some((c) => c.path.length > path.length && startsWith(c.path, path));
  // One-line containers are inserted as a placeholder first and filled in once every line exists: a formatted
  // insertion reformats the line before it, which would spread a value already on that line.
  const oneLine: { path: JSONPath; value: object }[] = [];
  const put = (path: JSONPath, v: unknown, inArray: boolean) => {
    if (!isContainer(v)) return set(path, v, true, inArray);
    if (!commentedInside(path) && JSON.stringify(v).length <= ONE_LINE) {
      oneLine.push({ path, value: v });
      return set(path, 0, true, inArray);
    }
    set(path, Array.isArray(v) ? [] : {}, true, inArray);
    if (Array.isArray(v)) v.forEach((item, i) => put([...path, i], item, true));
    else for (const [key, item] of Object.entries(v)) put([...path, key], item, false);
  };
  for (const [key, item] of Object.entries(value)) put([key], item, false);
  for (const { path, value: v } of oneLine) set(path, v, false);
  text = applyEdits(text, format(text, undefined, { ...FORMATTING, keepLines: true }));

  const tree = parseTree(text);
  const insertions = comments.flatMap((comment) => {
    const node = tree && findNodeAtLocation(tree, comment.path);
    if (!node) throw new Error(`printJsonc: no value at ${JSON.stringify(comment.path)} to comment`);
    const start = node.parent?.type === 'property' ? node.parent.offset : node.offset;
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const indent = text.slice(lineStart, start);
    return [{ at: lineStart, text: comment.lines.map((line) => `${indent}// ${line}\n`).join('') }];
  });
  for (const insertion of insertions.sort((a, b) => b.at - a.at)) text = text.slice(0, insertion.at) + insertion.text + text.slice(insertion.at);
  return [...header.map((line) => `// ${line}\n`), text, '\n'].join('');
}
