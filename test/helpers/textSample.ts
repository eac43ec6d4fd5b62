/**
 * Tests train the text examples on the first 300 rows of their data (the shipped file holds 63 692 texts):
 * `textSample` writes those rows into `dir` and returns the file's path, for a `data.path` override.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

const examplesDir = path.resolve(__dirname, '../../examples');

/** Whether an example's text (its .mtl.json) trains on text data. */
export const isTextExample = (exampleText: string): boolean => exampleText.includes('"text":');

export function textSample(exampleText: string, dir: string, rows = 300): string {
  const data = /"path"\s*:\s*"([^"]+)"/.exec(exampleText)![1]!;
  const lines = gunzipSync(readFileSync(path.join(examplesDir, data))).toString('utf8').split('\n').slice(0, rows);
  const sample = path.join(dir, `${path.basename(data, '.gz')}.sample.jsonl`);
  writeFileSync(sample, lines.join('\n') + '\n');
  return sample;
}
