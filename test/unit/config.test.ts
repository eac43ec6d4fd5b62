import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  applyOverrides,
  ConfigError,
  diagnoseExperimentText,
  displayPath,
  formatDiagnostic,
  isConfigError,
  loadExperimentConfig,
  locateJsonPath,
  parseExperimentText,
  type ExperimentConfig,
} from '../../src/training/config';

const FILE = 'experiments/a.mtl.json';

/**
 * A config patched freely, into invalid shapes too: that is the point of these tests, so its type is
 * deliberately loose.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Patchable = Record<string, any>;

/** A valid config on synthetic data, as a plain object to patch. */
function base(): Patchable {
  return {
    name: 'base',
    data: { source: 'synthetic', samples: 200, inputDim: 8 },
    tasks: [
      { name: 'task1', type: 'regression' },
      { name: 'task2', type: 'classification', classes: 3 },
    ],
    model: { architecture: 'hard' },
    loss: { weighting: 'equal' },
    training: { epochs: 2 },
  };
}

/** The config as a pretty-printed file text after `patch`. */
function text(patch: (c: Patchable) => void = () => {}): string {
  const c = base();
  patch(c);
  return JSON.stringify(c, null, 2);
}

/**
 * `line:col` (1-based) of `target`, searching from the first occurrence of `after` — found by plain
 * string search, independently of the code under test.
 */
function pos(source: string, after: string, target = after): string {
  const start = source.indexOf(after);
  assert.ok(start >= 0, `"${after}" not in the text`);
  const offset = source.indexOf(target, start);
  assert.ok(offset >= 0, `"${target}" not after "${after}"`);
  const before = source.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

function problems(source: string, overrides: string[] = []): string[] {
  return diagnoseExperimentText(source, FILE, overrides).map(formatDiagnostic);
}

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('config: the example from the issue', () => {
  const example = `{
  "name": "synthetic-hard-sharing",
  "seed": 42,
  "data": { "source": "synthetic", "generator": "mmoe", "samples": 12000, "inputDim": 100, "correlation": 0.8, "validationSplit": 0.2 },
  "tasks": [
    { "name": "task1", "type": "regression" },
    { "name": "task2", "type": "classification", "classes": 10 }
  ],
  "model": { "architecture": "hard", "sharedUnits": [64], "taskUnits": [16] },
  "loss": { "weighting": "equal" },
  "optimizer": { "name": "adam", "learningRate": 0.001, "clipNorm": null },
  "training": { "epochs": 10, "batchSize": 32, "sampling": "proportional", "logEvery": 1, "evalEvery": 100 },
  "backend": "auto"
}`;

  test('parses to a complete config, keys in schema order', () => {
    const config = parseExperimentText(example, FILE);
    const expected: ExperimentConfig = {
      name: 'synthetic-hard-sharing',
      seed: 42,
      data: { source: 'synthetic', generator: 'mmoe', samples: 12000, inputDim: 100, correlation: 0.8, noise: 0.1, validationSplit: 0.2 },
      tasks: [
        { name: 'task1', type: 'regression' },
        { name: 'task2', type: 'classification', classes: 10 },
      ],
      model: { architecture: 'hard', sharedUnits: [64], taskUnits: [16], activation: 'relu', dropout: 0 },
      loss: { weighting: 'equal' },
      optimizer: { name: 'adam', learningRate: 0.001, weightDecay: 0, clipNorm: null },
      training: { epochs: 10, batchSize: 32, sampling: 'proportional', logEvery: 1, evalEvery: 100, conflictEvery: 0, earlyStopping: null, onNonFinite: 'fail' },
      backend: 'auto',
    };
    assert.deepEqual(config, expected);
    // config.json is written from this: the order of keys is the schema's, not the file's.
    assert.deepEqual(Object.keys(config.data), ['source', 'generator', 'samples', 'inputDim', 'correlation', 'noise', 'validationSplit']);
    assert.deepEqual(diagnoseExperimentText(example, FILE), []);
  });

  test('the error message format of the issue, exactly', () => {
    // The example with the architecture value moved to line 12, column 5.
    const edited = `{
  "name": "synthetic-hard-sharing",
  "seed": 42,
  "data": { "source": "synthetic", "generator": "mmoe", "samples": 12000, "inputDim": 100, "correlation": 0.8, "validationSplit": 0.2 },
  "tasks": [
    { "name": "task1", "type": "regression" },
    { "name": "task2", "type": "classification", "classes": 10 }
  ],
  "loss": { "weighting": "equal" },
  "backend": "auto",
  "model": { "architecture":
    "nope", "sharedUnits": [64], "taskUnits": [16] },
  "optimizer": { "name": "adam", "learningRate": 0.001, "clipNorm": null },
  "training": { "epochs": 10, "batchSize": 32, "sampling": "proportional", "logEvery": 1, "evalEvery": 100 }
}`;
    assert.deepEqual(problems(edited), ['experiments/a.mtl.json:12:5: model.architecture: expected one of "hard", "soft", "routing", "cross-stitch", "transformer"']);
  });
});

describe('config: JSON with comments', () => {
  test('line and block comments and trailing commas are accepted', () => {
    const source = `// An experiment
{
  /* the name */ "name": "commented",
  "tasks": [
    { "name": "a", "type": "regression", }, // trailing comma inside
  ],
  "training": { "epochs": 1, },
}
`;
    const config = parseExperimentText(source, FILE);
    assert.equal(config.name, 'commented');
    assert.equal(config.training.epochs, 1);
  });

  test('a byte order mark is ignored and positions count without it', () => {
    const source = '\uFEFF{ "name": 5, "tasks": [{ "name": "a", "type": "regression" }] }';
    assert.deepEqual(problems(source), ['experiments/a.mtl.json:1:11: name: expected a string, got a number']);
  });

  test('CRLF line endings count as one line break', () => {
    const source = '{\r\n  "name": "x",\r\n  "seed": -1,\r\n  "tasks": [{ "name": "a", "type": "regression" }]\r\n}';
    assert.deepEqual(problems(source), ['experiments/a.mtl.json:3:11: seed: must be ≥ 0, got -1']);
  });
});

describe('config: syntax errors', () => {
  test('a missing comma: its line and column, and no schema noise', () => {
    const source = '{\n  "name": "x"\n  "seed": 1\n}';
    assert.deepEqual(problems(source), ['experiments/a.mtl.json:3:3: expected "," between entries']);
  });

  test('an unterminated string', () => {
    const source = '{\n  "name": "x,\n}';
    assert.deepEqual(problems(source)[0], 'experiments/a.mtl.json:2:11: unterminated string');
  });

  test('single quotes and bare words', () => {
    assert.equal(problems("{ 'name': 1 }")[0], 'experiments/a.mtl.json:1:3: strings and keys need double quotes');
    assert.equal(problems('{ "name": tru }')[0], 'experiments/a.mtl.json:1:11: unexpected "tru"');
  });

  test('an unclosed object and an empty file', () => {
    assert.deepEqual(problems('{\n  "name": "x"\n'), ['experiments/a.mtl.json:3:1: expected "}" to close the object']);
    assert.deepEqual(problems('  \n'), ['experiments/a.mtl.json:1:1: the file is empty; expected a JSON object']);
  });

  test('parseExperimentText throws a ConfigError carrying the diagnostics', () => {
    const error = thrown(() => parseExperimentText('{ "name": "x" "seed": 1 }', FILE));
    assert.equal(error.message, 'experiments/a.mtl.json:1:15: expected "," between entries');
    assert.deepEqual(error.diagnostics, [{ file: FILE, line: 1, column: 15, path: '', message: 'expected "," between entries' }]);
    assert.ok(isConfigError(error));
  });
});

describe('config: schema errors, one kind at a time', () => {
  test('wrong type', () => {
    const source = text((c) => (c.optimizer = { learningRate: '0.1' }));
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"learningRate": ', '"0.1"')}: optimizer.learningRate: expected a number, got a string`]);
  });

  test('not an integer', () => {
    const source = text((c) => (c.training.epochs = 2.5));
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"epochs": ', '2.5')}: training.epochs: expected an integer, got 2.5`]);
  });

  test('out of range: ≥, >, ≤, <', () => {
    const source = text((c) => {
      c.training.batchSize = 0;
      c.optimizer = { learningRate: 0 };
      c.data.validationSplit = 0.95;
      c.model.dropout = 1;
    });
    assert.deepEqual(problems(source), [
      `${FILE}:${pos(source, '"validationSplit": ', '0.95')}: data.validationSplit: must be ≤ 0.9, got 0.95`,
      `${FILE}:${pos(source, '"dropout": ', '1')}: model.dropout: must be < 1, got 1`,
      `${FILE}:${pos(source, '"batchSize": ', '0')}: training.batchSize: must be ≥ 1, got 0`,
      `${FILE}:${pos(source, '"learningRate": ', '0')}: optimizer.learningRate: must be > 0, got 0`,
    ]);
  });

  test('enum, with a close-spelling suggestion when there is one', () => {
    const source = text((c) => {
      c.model.architecture = 'Soft';
      c.backend = 'web-gpu';
    });
    assert.deepEqual(problems(source), [
      `${FILE}:${pos(source, '"Soft"')}: model.architecture: expected one of "hard", "soft", "routing", "cross-stitch", "transformer"; did you mean "soft"?`,
      `${FILE}:${pos(source, '"web-gpu"')}: backend: expected one of "auto", "tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"; did you mean "webgpu"?`,
    ]);
  });

  test('pattern and empty string: one message per value', () => {
    assert.deepEqual(problems(text((c) => (c.name = 'my experiment'))), [
      `${FILE}:2:11: name: must start with a letter or digit and contain only letters, digits, ".", "_" and "-", got "my experiment"`,
    ]);
    assert.deepEqual(problems(text((c) => (c.name = ''))), [`${FILE}:2:11: name: must not be empty`]);
  });

  test('minItems and maxItems', () => {
    const empty = text((c) => (c.tasks = []));
    assert.deepEqual(problems(empty), [`${FILE}:${pos(empty, '"tasks": ', '[]')}: tasks: must have at least 1 item, got 0`]);
    const deep = text((c) => (c.model.sharedUnits = Array(17).fill(8)));
    assert.deepEqual(problems(deep), [`${FILE}:${pos(deep, '"sharedUnits": ', '[')}: model.sharedUnits: must have at most 16 items, got 17`]);
  });

  test('an array item of the wrong type points at the item', () => {
    const source = text((c) => (c.model.sharedUnits = [32, 'wide']));
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"sharedUnits": ', '"wide"')}: model.sharedUnits[1]: expected an integer, got a string`]);
  });

  test('an object expected', () => {
    const source = text((c) => (c.model = [1]));
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"model": ', '[')}: model: expected an object, got an array`]);
  });

  test('unions: the alternatives, or the problem inside the matching object', () => {
    const source = text((c) => {
      c.optimizer = { clipNorm: 'x' };
      c.loss = { weighting: 'dwa', window: 0 };
      c.training.earlyStopping = { patience: 0 };
    });
    assert.deepEqual(problems(source), [
      `${FILE}:${pos(source, '"window": ', '0')}: loss.window: expected "epoch" or an integer ≥ 1, got 0`,
      `${FILE}:${pos(source, '"patience": ', '0')}: training.earlyStopping.patience: must be ≥ 1, got 0`,
      `${FILE}:${pos(source, '"clipNorm": ', '"x"')}: optimizer.clipNorm: expected a number > 0 or null, got "x"`,
    ]);
  });

  test('unknown keys: at the key, with a suggestion when one is close', () => {
    const source = text((c) => {
      c.optimizer = { learning_rate: 0.1 };
      c.model.sharedUnit = [8];
      c.epochs = 3;
      c.tasks[0].colour = 'red';
    });
    assert.deepEqual(problems(source), [
      `${FILE}:${pos(source, '"colour"')}: tasks[0]: unknown key "colour"`,
      `${FILE}:${pos(source, '"sharedUnit"')}: model: unknown key "sharedUnit"; did you mean "sharedUnits"?`,
      `${FILE}:${pos(source, '"learning_rate"')}: optimizer: unknown key "learning_rate"; did you mean "learningRate"?`,
      `${FILE}:${pos(source, '"epochs": 3')}: unknown key "epochs"; did you mean "training.epochs"?`,
    ]);
  });

  test('a missing required key points at the object that lacks it', () => {
    const source = text((c) => (c.tasks[1] = { name: 'task2' }));
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"task1"', '{')}: tasks[1]: missing required key "type"`]);
    assert.deepEqual(problems('{ "tasks": [{ "name": "a", "type": "regression" }] }'), [`${FILE}:1:1: missing required key "name"`]);
  });

  test('a key written twice in one object', () => {
    const source = '{\n  "name": "a",\n  "tasks": [{ "name": "a", "type": "regression" }],\n  "name": "b"\n}';
    assert.deepEqual(problems(source), [`${FILE}:4:3: duplicate key "name" (only the last one would count)`]);
  });
});

describe('config: defaults', () => {
  const minimal = '{ "name": "m", "tasks": [{ "name": "a", "type": "regression" }] }';

  test('a minimal config gets every default that applies, and none that does not', () => {
    const config = parseExperimentText(minimal, FILE);
    assert.deepEqual(config, {
      name: 'm',
      seed: 42,
      data: { source: 'synthetic', generator: 'mmoe', samples: 12000, inputDim: 100, correlation: 0.8, noise: 0.1, validationSplit: 0.2 },
      tasks: [{ name: 'a', type: 'regression' }],
      model: { architecture: 'hard', sharedUnits: [64], taskUnits: [16], activation: 'relu', dropout: 0 },
      loss: { weighting: 'equal' },
      optimizer: { name: 'adam', learningRate: 0.001, weightDecay: 0, clipNorm: null },
      training: { epochs: 10, batchSize: 32, sampling: 'proportional', logEvery: 1, evalEvery: 100, conflictEvery: 0, earlyStopping: null, onNonFinite: 'fail' },
      backend: 'auto',
    });
  });

  test('architecture- and strategy-specific defaults appear only where they apply', () => {
    const soft = parseExperimentText(minimal, FILE, ['model.architecture=soft']);
    assert.equal(soft.model.attention, 'scalar');
    assert.equal(soft.model.experts, undefined);
    const routing = parseExperimentText(minimal, FILE, ['model.architecture=routing']);
    assert.deepEqual([routing.model.experts, routing.model.expertUnits, routing.model.attention], [4, [32], undefined]);
    const softmax = parseExperimentText(minimal, FILE, ['loss.weighting=softmax']);
    assert.deepEqual(softmax.loss, { weighting: 'softmax', entropy: 0, floor: 0, normalize: 'none' });
    const dwa = parseExperimentText(minimal, FILE, ['loss.weighting=dwa']);
    assert.deepEqual(dwa.loss, { weighting: 'dwa', temperature: 2, window: 'epoch' });
    assert.equal(parseExperimentText(minimal, FILE, ['optimizer.name=sgd']).optimizer.momentum, 0);
    assert.equal(parseExperimentText(minimal, FILE, ['training.sampling=temperature']).training.samplingTemperature, 2);
    assert.deepEqual(parseExperimentText(minimal, FILE, ['training.earlyStopping={"patience":3}']).training.earlyStopping, { patience: 3, minDelta: 0 });
  });

  test('data defaults follow the source and generator', () => {
    const random = parseExperimentText(minimal, FILE, ['data.generator=random']);
    assert.deepEqual(random.data, { source: 'synthetic', generator: 'random', samples: 12000, inputDim: 100, validationSplit: 0.2 });
    const csv = parseExperimentText('{ "name": "c", "data": { "source": "csv", "path": "x.csv" }, "tasks": [{ "name": "a", "type": "regression", "target": "y" }] }', FILE);
    assert.deepEqual(csv.data, { source: 'csv', path: 'x.csv', features: 'auto', impute: 'none', validationSplit: 0.2 });
  });

  test('the input object is not changed', () => {
    const source = text();
    const before = source;
    parseExperimentText(source, FILE, ['training.epochs=3']);
    assert.equal(source, before);
  });
});

describe('config: overrides', () => {
  test('JSON values at nested paths, with bracket and dotted indices', () => {
    const config = parseExperimentText(text(), FILE, ['training.epochs=3', 'model.sharedUnits=[32,32]', 'tasks[1].classes=5', 'seed=7']);
    assert.equal(config.training.epochs, 3);
    assert.deepEqual(config.model.sharedUnits, [32, 32]);
    assert.equal(config.tasks[1].classes, 5);
    assert.equal(config.seed, 7);
    assert.equal(parseExperimentText(text(), FILE, ['tasks.1.classes=6']).tasks[1].classes, 6);
    // In order, a later one wins; an index addresses the array an earlier override wrote.
    assert.deepEqual(parseExperimentText(text(), FILE, ['model.sharedUnits=[1,2]', 'model.sharedUnits[1]=9']).model.sharedUnits, [1, 9]);
  });

  test('a value that is not JSON is a string', () => {
    const config = parseExperimentText(text(), FILE, ['model.architecture=soft', 'description=two words']);
    assert.equal(config.model.architecture, 'soft');
    assert.equal(config.description, 'two words');
  });

  test('missing objects are created; null counts as missing; quoted keys; appending', () => {
    const config = parseExperimentText(text((c) => (c.training.earlyStopping = null)), FILE, [
      'training.earlyStopping.patience=4',
      'loss.weighting=static',
      'loss.weights["task1"]=0.7',
      'loss.weights.task2=0.3',
      'tasks[2]={"name":"task3","type":"regression"}',
      'loss.weights.task3=1',
    ]);
    assert.deepEqual(config.training.earlyStopping, { patience: 4, minDelta: 0 });
    assert.deepEqual(config.loss.weights, { task1: 0.7, task2: 0.3, task3: 1 });
    assert.equal(config.tasks.length, 3);
  });

  test('problems in overridden values name the override instead of a position', () => {
    const error = thrown(() => parseExperimentText(text(), FILE, ['optimizer.learningRate=-1', 'training.earlyStopping.minDelta=0']));
    assert.deepEqual(error.message.split('\n'), [
      'experiments/a.mtl.json: optimizer.learningRate: must be > 0, got -1 (from --set optimizer.learningRate=-1)',
      'experiments/a.mtl.json: training.earlyStopping: missing required key "patience" (from --set training.earlyStopping.minDelta=0)',
    ]);
    // Editors still get a place: the nearest one in the file.
    // The base config has no "optimizer" object, so the nearest place is the root object.
    assert.deepEqual([error.diagnostics[0].line, error.diagnostics[0].column], [1, 1]);
    assert.equal(error.diagnostics[0].override, 'optimizer.learningRate=-1');
  });

  test('a bad override is named', () => {
    assert.deepEqual(problems(text(), ['foo']), ['experiments/a.mtl.json: --set "foo": expected path=value']);
    assert.deepEqual(problems(text(), ['tasks[5].name=x', 'name.first=x', 'a..b=1', 'tasks.x=1', 'model.sharedUnits=[32,']), [
      'experiments/a.mtl.json: --set "tasks[5].name=x": tasks[5]: index out of range (tasks has 2 items)',
      'experiments/a.mtl.json: --set "name.first=x": name is the string "base", so it has no "first"',
      'experiments/a.mtl.json: --set "a..b=1": empty key (two dots in a row) in path "a..b"',
      'experiments/a.mtl.json: --set "tasks.x=1": tasks is an array: index it with a number, e.g. tasks[0]',
      `experiments/a.mtl.json: --set "model.sharedUnits=[32,": the value is not valid JSON (${jsonError('[32,')})`,
    ]);
  });

  test('applyOverrides on its own: a copy, the applied paths, and ConfigError for bad syntax', () => {
    const input = { a: { b: 1 }, list: [{ x: 1 }] };
    const { value, applied } = applyOverrides(input, ['a.b=2', 'list.0.x=3', 'c.d.e=true', 'list[1]={"x":4}']);
    assert.deepEqual(value, { a: { b: 2 }, list: [{ x: 3 }, { x: 4 }], c: { d: { e: true } } });
    assert.deepEqual(input, { a: { b: 1 }, list: [{ x: 1 }] });
    assert.deepEqual(applied.map((a) => [a.path, a.created]), [
      [['a', 'b'], []],
      [['list', 0, 'x'], []],
      [['c', 'd', 'e'], [['c'], ['c', 'd']]],
      [['list', 1], []],
    ]);
    const error = thrown(() => applyOverrides(input, ['foo', '=1']));
    assert.deepEqual(error.message.split('\n'), ['--set "foo": expected path=value', '--set "=1": empty path in path ""']);
  });
});

function jsonError(textValue: string): string {
  try {
    JSON.parse(textValue);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

describe('config: semantic checks', () => {
  test('duplicate task names', () => {
    const source = text((c) => (c.tasks[1].name = 'task1'));
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"regression"', '"task1"')}: tasks[1].name: duplicate task name "task1" (also tasks[0].name)`]);
  });

  test('classes: required for classification on synthetic data, only for classification', () => {
    const missing = text((c) => delete c.tasks[1].classes);
    assert.deepEqual(problems(missing), [`${FILE}:${pos(missing, '"task1"', '{')}: tasks[1]: missing required key "classes" (a classification task on synthetic data must say how many)`]);
    const onRegression = text((c) => (c.tasks[0].classes = 4));
    assert.deepEqual(problems(onRegression), [`${FILE}:${pos(onRegression, '"classes": 4', '4')}: tasks[0].classes: only used by type "classification"`]);
  });

  test('target and path: required for csv and jsonl, forbidden for synthetic', () => {
    const csv = text((c) => (c.data = { source: 'csv' }));
    assert.deepEqual(problems(csv), [
      `${FILE}:${pos(csv, '"data": ', '{')}: data: missing required key "path" (the CSV file, relative to this config)`,
      `${FILE}:${pos(csv, '"tasks": ', '{')}: tasks[0]: missing required key "target" (every task names its label column when data.source is "csv")`,
      `${FILE}:${pos(csv, '"task1"', '{')}: tasks[1]: missing required key "target" (every task names its label column when data.source is "csv")`,
    ]);
    const synthetic = text((c) => {
      c.data.path = 'x.csv';
      c.tasks[0].target = 'y';
    });
    assert.deepEqual(problems(synthetic), [
      `${FILE}:${pos(synthetic, '"x.csv"')}: data.path: only used by source "csv" or "jsonl"`,
      `${FILE}:${pos(synthetic, '"y"')}: tasks[0].target: only used by data.source "csv" or "jsonl"`,
    ]);
  });

  test('synthetic-only keys are reported for csv and jsonl; mmoe-only ones for the random generator', () => {
    const jsonl = text((c) => {
      c.data = { source: 'jsonl', path: 'd.jsonl', generator: 'mmoe', samples: 10, inputDim: 3, correlation: 0.5, noise: 0.2 };
      c.tasks[0].target = 'y1';
      c.tasks[1].target = 'y2';
    });
    assert.deepEqual(
      problems(jsonl),
      ['"mmoe"', '10', '3', '0.5', '0.2'].map((v, i) => `${FILE}:${pos(jsonl, `"${['generator', 'samples', 'inputDim', 'correlation', 'noise'][i]}": `, v)}: data.${['generator', 'samples', 'inputDim', 'correlation', 'noise'][i]}: only used by source "synthetic"`),
    );
    const random = text((c) => (c.data = { source: 'synthetic', generator: 'random', correlation: 0.5 }));
    assert.deepEqual(problems(random), [`${FILE}:${pos(random, '0.5')}: data.correlation: only used by generator "mmoe"`]);
  });

  test('the random generator accepts regression tasks', () => {
    const config = parseExperimentText(text((c) => (c.data = { source: 'synthetic', generator: 'random' })), FILE);
    assert.deepEqual(config.tasks.map((t) => t.type), ['regression', 'classification']);
  });

  test('architecture-specific keys', () => {
    const hard = text((c) => (c.model = { architecture: 'hard', attention: 'scalar', experts: 2, expertUnits: [8] }));
    assert.deepEqual(problems(hard), [
      `${FILE}:${pos(hard, '"scalar"')}: model.attention: only used by architecture "soft"`,
      `${FILE}:${pos(hard, '"experts": ', '2')}: model.experts: only used by architecture "routing"`,
      `${FILE}:${pos(hard, '"expertUnits": ', '[')}: model.expertUnits: only used by architecture "routing"`,
    ]);
    // Keys of the architecture in use are fine; the defaulted architecture counts as used.
    assert.deepEqual(problems(text((c) => (c.model = { architecture: 'routing', experts: 2, expertUnits: [8] }))), []);
    const defaulted = text((c) => (c.model = { experts: 2 }));
    assert.deepEqual(problems(defaulted), [`${FILE}:${pos(defaulted, '"experts": ', '2')}: model.experts: only used by architecture "routing"`]);
  });

  test('strategy-specific keys, and the value problems inside them are moot', () => {
    const source = text((c) => (c.loss = { weighting: 'equal', weights: { task1: -1 }, entropy: 0.1, floor: 0.1, normalize: 'log', temperature: 2, window: 0 }));
    assert.deepEqual(problems(source), [
      `${FILE}:${pos(source, '"weights": ', '{')}: loss.weights: only used by weighting "static"`,
      `${FILE}:${pos(source, '"entropy": ', '0.1')}: loss.entropy: only used by weighting "softmax"`,
      `${FILE}:${pos(source, '"floor": ', '0.1')}: loss.floor: only used by weighting "softmax"`,
      `${FILE}:${pos(source, '"log"')}: loss.normalize: only used by weighting "softmax"`,
      `${FILE}:${pos(source, '"temperature": ', '2')}: loss.temperature: only used by weighting "dwa"`,
      `${FILE}:${pos(source, '"window": ', '0')}: loss.window: only used by weighting "dwa"`,
    ]);
  });

  test('optimizer momentum and sampling temperature', () => {
    const source = text((c) => {
      c.optimizer = { name: 'adam', momentum: 0.9 };
      c.training.samplingTemperature = 3;
    });
    assert.deepEqual(problems(source), [
      `${FILE}:${pos(source, '"samplingTemperature": ', '3')}: training.samplingTemperature: only used by sampling "temperature"`,
      `${FILE}:${pos(source, '"momentum": ', '0.9')}: optimizer.momentum: only used by optimizer "sgd" or "rmsprop"`,
    ]);
    assert.deepEqual(problems(text((c) => (c.training = { sampling: 'temperature', samplingTemperature: 3 }))), []);
  });

  test('static weighting: a weight for every task, from tasks[].weight or loss.weights', () => {
    const missing = text((c) => {
      c.loss = { weighting: 'static', weights: { task1: 0.7 } };
    });
    assert.deepEqual(problems(missing), [
      `${FILE}:${pos(missing, '"task1"', '{')}: tasks[1]: no weight for task "task2": weighting "static" needs one for every task (set tasks[1].weight or loss.weights.task2)`,
    ]);
    const mixed = text((c) => {
      c.loss = { weighting: 'static', weights: { task1: 0.7 } };
      c.tasks[1].weight = 0.3;
    });
    assert.deepEqual(parseExperimentText(mixed, FILE).loss, { weighting: 'static', weights: { task1: 0.7 } });
    assert.equal(parseExperimentText(mixed, FILE).tasks[1].weight, 0.3);
  });

  test('static weighting: unknown task names in loss.weights, and all-zero weights', () => {
    const unknown = text((c) => (c.loss = { weighting: 'static', weights: { task1: 1, task2: 1, tsak2: 1, other: 2 } }));
    assert.deepEqual(problems(unknown), [
      `${FILE}:${pos(unknown, '"tsak2"')}: loss.weights: no task named "tsak2"; did you mean "task2"?`,
      `${FILE}:${pos(unknown, '"other"')}: loss.weights: no task named "other"`,
    ]);
    const zero = text((c) => (c.loss = { weighting: 'static', weights: { task1: 0, task2: 0 } }));
    assert.deepEqual(problems(zero), [`${FILE}:${pos(zero, '"static"')}: loss.weighting: weighting "static" needs at least one positive task weight; all are 0`]);
  });

  test('softmax floor must be below 1/K', () => {
    const source = text((c) => (c.loss = { weighting: 'softmax', floor: 0.5 }));
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"floor": ', '0.5')}: loss.floor: must be < 1/K = 0.5 with 2 tasks, got 0.5`]);
    assert.equal(parseExperimentText(text((c) => (c.loss = { weighting: 'softmax', floor: 0.49 })), FILE).loss.floor, 0.49);
  });

  test('classification and weight keys against task type and weighting', () => {
    const source = text((c) => (c.tasks[0].weight = 1));
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"weight": ', '1')}: tasks[0].weight: only used by loss.weighting "static"`]);
  });

  test('feature columns: no duplicates, no targets', () => {
    const source = text((c) => {
      c.data = { source: 'csv', path: 'x.csv', features: ['a', 'b', 'a', 'y1'] };
      c.tasks[0].target = 'y1';
      c.tasks[1].target = 'y2';
    });
    assert.deepEqual(problems(source), [
      `${FILE}:${pos(source, '"b"', '"a"')}: data.features[2]: duplicate column "a"`,
      `${FILE}:${pos(source, '"features"', '"y1"')}: data.features[3]: column "y1" is the target of task "task1"; a label cannot be an input`,
    ]);
  });

  test('early stopping needs a validation split', () => {
    const source = text((c) => {
      c.data.validationSplit = 0;
      c.training.earlyStopping = { patience: 2 };
    });
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"earlyStopping": ', '{')}: training.earlyStopping: needs validation data, but data.validationSplit is 0`]);
  });

  test('an invalid governing value does not add noise about the keys it governs', () => {
    const source = text((c) => (c.model = { architecture: 'mixture', experts: 2 }));
    assert.deepEqual(problems(source), [`${FILE}:${pos(source, '"mixture"')}: model.architecture: expected one of "hard", "soft", "routing", "cross-stitch", "transformer"`]);
  });
});

describe('config: many problems at once', () => {
  test('every problem is reported, in file order, one per line', () => {
    const source = text((c) => {
      c.seed = -1;
      c.tasks[1].name = 'task1';
      c.model.architecture = 'deep';
      c.training.epochs = 0;
      c.bogus = true;
    });
    const error = thrown(() => parseExperimentText(source, FILE, ['optimizer.learningRate=0']));
    assert.deepEqual(error.message.split('\n'), [
      `${FILE}:${pos(source, '"regression"', '"task1"')}: tasks[1].name: duplicate task name "task1" (also tasks[0].name)`,
      `${FILE}:${pos(source, '"deep"')}: model.architecture: expected one of "hard", "soft", "routing", "cross-stitch", "transformer"`,
      `${FILE}:${pos(source, '"epochs": ', '0')}: training.epochs: must be ≥ 1, got 0`,
      `${FILE}:${pos(source, '"seed": ', '-1')}: seed: must be ≥ 0, got -1`,
      `${FILE}:${pos(source, '"bogus"')}: unknown key "bogus"`,
      `${FILE}: optimizer.learningRate: must be > 0, got 0 (from --set optimizer.learningRate=0)`,
    ]);
    assert.equal(error.diagnostics.length, 6);
  });
});

describe('config: positions for later checks', () => {
  const source = text((c) => {
    c.data = { source: 'csv', path: 'x.csv' };
    c.tasks[0].target = 'y1';
    c.tasks[1].target = 'y3';
  });

  test('locateJsonPath finds a value', () => {
    const [line, column] = pos(source, '"y3"').split(':').map(Number);
    assert.deepEqual(locateJsonPath(source, ['tasks', 1, 'target']), { line, column });
  });

  test('a path that is not in the text leads to the nearest object on the way', () => {
    const [line, column] = pos(source, '"data": ', '{').split(':').map(Number);
    assert.deepEqual(locateJsonPath(source, ['data', 'features']), { line, column });
    assert.deepEqual(locateJsonPath('', ['x']), undefined);
  });
});

describe('config: loading files', () => {
  test('a file inside the working directory is named relative to it; a missing file is a ConfigError', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mtl-config-'));
    const cwd = process.cwd();
    try {
      mkdirSync(path.join(dir, 'experiments'));
      writeFileSync(path.join(dir, 'experiments/good.mtl.json'), text());
      writeFileSync(path.join(dir, 'experiments/bad.mtl.json'), text((c) => (c.model.architecture = 'nope')));
      process.chdir(dir);
      const loaded = await loadExperimentConfig(path.join(dir, 'experiments/good.mtl.json'), ['training.epochs=4']);
      assert.equal(loaded.file, path.join('experiments', 'good.mtl.json'));
      assert.equal(loaded.config.training.epochs, 4);
      assert.equal(loaded.text, text());

      await assert.rejects(loadExperimentConfig('experiments/bad.mtl.json'), (error: unknown) => {
        assert.ok(isConfigError(error));
        assert.match(error.message, /^experiments\/bad\.mtl\.json:\d+:\d+: model\.architecture: expected one of "hard", "soft", "routing", "cross-stitch", "transformer"$/);
        return true;
      });
      await assert.rejects(loadExperimentConfig('experiments/none.mtl.json'), (error: unknown) => {
        assert.ok(isConfigError(error));
        assert.equal(error.message, `${path.join('experiments', 'none.mtl.json')}: file not found`);
        assert.deepEqual(error.diagnostics[0], { file: path.join('experiments', 'none.mtl.json'), line: 0, column: 0, path: '', message: 'file not found' });
        return true;
      });
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(displayPath('/elsewhere/x.mtl.json', '/work/project'), '/elsewhere/x.mtl.json');
    assert.equal(displayPath('/work/project/a/x.mtl.json', '/work/project'), path.join('a', 'x.mtl.json'));
  });
});
