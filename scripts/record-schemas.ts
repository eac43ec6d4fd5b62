/**
 * The published record format: JSON Schemas of run.json and of each metrics.jsonl record kind, generated from
 * the one TypeBox definition (src/training/run/records.ts), for writers other than MTL Lab (the Python logger in
 * python/, any program). `node --import tsx scripts/record-schemas.ts` rewrites docs/schemas/;
 * test/unit/recordSchemas.test.ts fails when a committed file is stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { EvalRecordSchema, EventRecordSchema, RECORD_FORMAT_VERSION, RunInfoSchema, TrainRecordSchema } from '../src/training/run/records';

export const RECORD_SCHEMAS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'schemas');

const SCHEMAS: Record<string, { title: string; description: string; schema: TSchema }> = {
  run: { title: 'MTL Lab run.json', description: 'The run directory\'s status file, replaced atomically (temp file + rename).', schema: RunInfoSchema },
  'train-record': { title: 'MTL Lab train record', description: 'A metrics.jsonl line with "kind": "train": one training step.', schema: TrainRecordSchema },
  'eval-record': { title: 'MTL Lab eval record', description: 'A metrics.jsonl line with "kind": "eval": validation metrics per task.', schema: EvalRecordSchema },
  'event-record': { title: 'MTL Lab event record', description: 'A metrics.jsonl line with "kind": "event": something a reader should know (warnings, status changes).', schema: EventRecordSchema },
};

/** File name → file text, in a stable order. */
export function recordSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, { title, description, schema }] of Object.entries(SCHEMAS)) {
    const document = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title,
      description: `${description} Record format version ${RECORD_FORMAT_VERSION}.`,
      // JSON.stringify drops TypeBox's symbol keys: what is left is plain JSON Schema.
      ...(JSON.parse(JSON.stringify(schema)) as object),
    };
    files.set(`${name}.schema.json`, JSON.stringify(document, null, 2) + '\n');
  }
  return files;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(RECORD_SCHEMAS_DIR, { recursive: true });
  for (const [name, text] of recordSchemaFiles()) writeFileSync(path.join(RECORD_SCHEMAS_DIR, name), text);
  process.stdout.write(`wrote ${recordSchemaFiles().size} schemas to ${path.relative(process.cwd(), RECORD_SCHEMAS_DIR)}\n`);
}
