/**
 * The `"program"` section of an experiment: checked by the one config schema, with positioned errors, and varied by
 * `--set` like any other key (its `params` are free-form, so a sweep can vary the program's own hyperparameters).
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { diagnoseExperimentText, formatDiagnostic, parseExperimentText } from '../../src/training/config/load';

const text = (program: string) => `{
  "name": "p",
  "tasks": [{ "name": "a", "type": "regression" }],
  "program": ${program}
}`;

const errors = (program: string, overrides: string[] = []) => diagnoseExperimentText(text(program), 'p.mtl.json', overrides).map(formatDiagnostic);

it('a valid program: defaults filled, params free-form and overridable', () => {
  const config = parseExperimentText(text('{ "command": ["python", "train.py"], "params": { "lr": 0.1, "layers": [8] } }'), 'p.mtl.json', ['program.params.lr=0.5']);
  assert.deepEqual(config.program, { command: ['python', 'train.py'], params: { lr: 0.5, layers: [8] }, setArguments: false, firstRecordTimeout: 300 });
});

it('bad program sections are errors at their position, with the JSON path', () => {
  assert.deepEqual(errors('{ "command": [] }'), ['p.mtl.json:4:27: program.command: must have at least 1 item, got 0']);
  assert.deepEqual(errors('{ "command": ["x"], "cwdd": "." }'), ['p.mtl.json:4:34: program: unknown key "cwdd"; did you mean "cwd"?']);
  assert.deepEqual(errors('{ "command": ["x"], "env": { "1X": "y" } }'), ['p.mtl.json:4:43: program.env: unknown key "1X"']);
  assert.equal(errors('{ "command": ["x"], "firstRecordTimeout": 0 }').length, 1);
  assert.match(errors('{ "command": ["x"], "firstRecordTimeout": 0 }')[0]!, /^p\.mtl\.json:4:\d+: program\.firstRecordTimeout: /);
  assert.match(errors('{ "command": "python train.py" }')[0]!, /^p\.mtl\.json:4:\d+: program\.command: /);
});
