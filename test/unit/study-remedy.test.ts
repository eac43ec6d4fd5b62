/** A remedy written into the experiment file: comments and formatting kept, sweep keys added or replaced, a study added. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseExperimentText } from '../../src/training/config/parse';
import { withRemedy } from '../../src/extension/study/remedy';

test('a remedy sweep goes into a file without sweep or study, comments kept, and the result parses', () => {
  const text = `// my experiment
{
  "name": "e", // the name
  /* tasks */
  "tasks": [ { "name": "a", "type": "regression" }, { "name": "b", "type": "regression" } ]
}
`;
  const result = withRemedy(text, { 'loss.weighting': ['equal', 'pcgrad', 'cagrad'] });
  assert.ok(result.ok);
  assert.ok(result.text.startsWith('// my experiment\n{\n  "name": "e", // the name\n  /* tasks */\n'), result.text);
  const config = parseExperimentText(result.text, 'e.mtl.json');
  assert.deepEqual(config.sweep, { 'loss.weighting': ['equal', 'pcgrad', 'cagrad'] });
  assert.deepEqual(config.study, { seeds: [1, 2, 3], baselines: 'auto' });
});

test('on the example study: the swept key is replaced, other keys, the study and every comment stay', () => {
  const text = readFileSync(path.resolve(__dirname, '../../examples/sharing-study.mtl.json'), 'utf8');
  const result = withRemedy(text, { 'loss.weighting': ['uncertainty', 'famo', 'equal'] });
  assert.ok(result.ok);
  const comments = (t: string) => t.split('\n').filter((l) => l.trim().startsWith('//'));
  assert.deepEqual(comments(result.text), comments(text));
  const config = parseExperimentText(result.text, 'sharing-study.mtl.json');
  assert.deepEqual(config.sweep, { 'loss.weighting': ['uncertainty', 'famo', 'equal'] });
  assert.deepEqual(config.study?.seeds, [1, 2, 3]);
  assert.equal(result.text.match(/"loss\.weighting"/g)?.length, 1, 'the key is replaced, not added twice');
  assert.match((withRemedy('{ "name": ', { x: [1] }) as { message: string }).message, /syntax error/);
});
