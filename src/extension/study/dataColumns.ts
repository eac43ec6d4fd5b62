/**
 * A data file's column names for Start Study's plan, read the host's way: the first line of a CSV (the CSV parser
 * is loaded on first use, see scripts/lazyBundles.mjs), or a JSON Lines file's keys. The CLI reads the whole table
 * (data/tabular.ts); both name columns as the loader does.
 */
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExperimentConfig } from '../../training/config/schema';
import { csvHeaderColumns } from '../../training/data/csv';
import { parseJsonl } from '../../training/data/jsonl';

const HEAD_BYTES = 64 * 1024;

export async function dataColumns(config: ExperimentConfig, configDir: string): Promise<string[]> {
  if (config.data.path === undefined) return [];
  const file = path.resolve(configDir, config.data.path);
  if (config.data.source === 'jsonl') return parseJsonl(await readFile(file, 'utf8'), config.data.path).columns;
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return csvHeaderColumns(buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, ''), config.data.path);
  } finally {
    await handle.close();
  }
}
