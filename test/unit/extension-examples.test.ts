/** Open Examples' copy: the file and its data into the workspace, a dangling `$schema` dropped, nothing overwritten. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { copyExample, listExamples, LOGGER_FILES, withoutUnreachableSchema } from '../../src/extension/examples/copyExample';
import { parseExperimentText } from '../../src/training/config/parse';

const examples = path.resolve(__dirname, '../../examples');

test('every shipped example copies into a workspace as a valid config without a dangling $schema; CSV data comes along', async () => {
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'mtl-examples-'));
  try {
    const target = path.join(workspace, 'examples');
    const listed = await listExamples(examples);
    assert.deepEqual(listed.filter((f) => f.startsWith('pytorch/')), ['pytorch/hard-sharing.mtl.json', 'pytorch/learned-softmax.mtl.json', 'pytorch/soft-attention.mtl.json'], 'Open Examples lists the PyTorch examples');
    for (const file of listed) {
      const copied = await copyExample(examples, file, target);
      const text = readFileSync(copied, 'utf8');
      assert.ok(!text.includes('"$schema"'), `${file}: the repository-relative $schema is dropped`);
      assert.match(text, /\/\/ /, `${file}: comments are kept`);
      const config = parseExperimentText(text, copied);
      if (config.data.source === 'csv') assert.ok(existsSync(path.resolve(target, config.data.path!)), `${file}: its data file is copied beside it`);
      if (config.program) {
        // The script and the logger it imports land beside the experiment, byte for byte.
        const script = config.program.command.find((w) => w.endsWith('.py'))!;
        for (const [from, to] of [[path.join(examples, 'pytorch', script), script], ...LOGGER_FILES.map((f) => [path.join(examples, '../python', f), f])]) {
          assert.equal(readFileSync(path.join(path.dirname(copied), to!), 'utf8'), readFileSync(from!, 'utf8'), `${file}: ${to} is copied beside it`);
        }
      }
    }
    // The user's edits are never overwritten by a second copy.
    const first = path.join(target, 'orchard.mtl.json');
    await fs.writeFile(first, '// mine\n{}\n');
    await copyExample(examples, 'orchard.mtl.json', target);
    assert.equal(readFileSync(first, 'utf8'), '// mine\n{}\n');
  } finally {
    await fs.rm(workspace, { recursive: true, force: true });
  }
});

test('a $schema that resolves (or is a URL) is kept', () => {
  const text = '// header\n{\n  "$schema": "../schemas/mtl-experiment.schema.json",\n  // c\n  "name": "x"\n}\n';
  assert.equal(withoutUnreachableSchema(text, examples), text, 'from examples/ the repository schema exists');
  const url = '{ "$schema": "https://example.org/s.json", "name": "x" }';
  assert.equal(withoutUnreachableSchema(url, '/nowhere'), url);
  assert.equal(withoutUnreachableSchema(text, '/nowhere'), '// header\n{\n  // c\n  "name": "x"\n}\n');
});
