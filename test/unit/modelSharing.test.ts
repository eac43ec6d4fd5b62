/**
 * What a model shares between its tasks, decided from the config by each architecture's descriptor: gradient
 * methods and the gradient-conflict log need parameters more than one task reads, GradNorm a last shared
 * layer. A config that asks for them from a model without any is a positioned config error (it used to crash
 * inside TensorFlow.js), and the descriptor agrees with the built model (which parameters the built model
 * shares is checked against each task's own gradient in sharedParameters.test.ts).
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend } from '../../src/training/backend/select';
import { formatDiagnostic, parseExperimentText, analyseExperimentText } from '../../src/training/config';
import { METHODS } from '../../src/training/config/catalog';
import type { ModelConfig } from '../../src/training/config/schema';
import { createModel } from '../../src/training/models/registry';
import { rngFor } from '../../src/training/random/rng';

before(async () => {
  await selectBackend('cpu');
});

const FILE = 'x.mtl.json';

/** `textData`: a CSV's text column, for the architectures that read tokens. */
function text(model: Record<string, unknown>, loss: Record<string, unknown>, training: Record<string, unknown> = {}, textData = false): string {
  const config = {
    name: 'x',
    data: textData ? { source: 'csv', path: 'x.csv', text: 't' } : { source: 'synthetic', samples: 100, inputDim: 4 },
    tasks: [
      { name: 'a', type: 'regression', ...(textData && { target: 'a' }) },
      { name: 'b', type: 'regression', ...(textData && { target: 'b' }) },
    ],
    model,
    loss,
    training: { epochs: 1, ...training },
  };
  return JSON.stringify(config, null, 2);
}

/** `line:col` of `target`, searched after `after`, by plain string search. */
function pos(source: string, after: string, target: string): string {
  const offset = source.indexOf(target, source.indexOf(after));
  const before = source.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}

const problems = (source: string) => analyseExperimentText(source, FILE).diagnostics.map(formatDiagnostic);

describe('a method that needs shared parameters, on a model without any', () => {
  for (const weighting of ['pcgrad', 'mgda', 'cagrad'] as const) {
    it(`${weighting} with hard sharing and sharedUnits [] is a config error at loss.weighting`, () => {
      const source = text({ architecture: 'hard', sharedUnits: [] }, { weighting });
      assert.deepEqual(problems(source), [
        `${FILE}:${pos(source, '"weighting"', `"${weighting}"`)}: loss.weighting: "${weighting}" combines the tasks' gradients of the parameters they share, and this model shares none (model.sharedUnits is empty)`,
      ]);
    });
  }

  it('cross-stitch and mixture attention without tower layers, MMoE without expert layers share nothing; scalar attention always shares its layer', () => {
    const message = (because: string) => `loss.weighting: "pcgrad" combines the tasks' gradients of the parameters they share, and this model shares none (${because})`;
    const stitched = text({ architecture: 'cross-stitch', sharedUnits: [] }, { weighting: 'pcgrad' });
    assert.deepEqual(problems(stitched), [`${FILE}:${pos(stitched, '"weighting"', '"pcgrad"')}: ${message('model.sharedUnits is empty')}`]);
    const mixture = text({ architecture: 'soft', attention: 'mixture', sharedUnits: [] }, { weighting: 'pcgrad' });
    assert.deepEqual(problems(mixture), [`${FILE}:${pos(mixture, '"weighting"', '"pcgrad"')}: ${message('model.sharedUnits is empty')}`]);
    const routing = text({ architecture: 'routing', expertUnits: [] }, { weighting: 'pcgrad' });
    assert.deepEqual(problems(routing), [`${FILE}:${pos(routing, '"weighting"', '"pcgrad"')}: ${message('model.expertUnits is empty')}`]);
    assert.equal(parseExperimentText(text({ architecture: 'soft', sharedUnits: [] }, { weighting: 'pcgrad' }), FILE).loss.weighting, 'pcgrad');
  });

  it('the gradient-conflict log (training.conflictEvery > 0) on such a model is a config error at conflictEvery', () => {
    const source = text({ architecture: 'hard', sharedUnits: [] }, { weighting: 'equal' }, { conflictEvery: 5 });
    assert.deepEqual(problems(source), [
      `${FILE}:${pos(source, '"conflictEvery"', '5')}: training.conflictEvery: logs the conflict between the tasks' gradients of the parameters they share, and this model shares none (model.sharedUnits is empty); set it to 0`,
    ]);
    assert.equal(parseExperimentText(text({ architecture: 'hard', sharedUnits: [] }, { weighting: 'equal' }, { conflictEvery: 0 }), FILE).training.conflictEvery, 0);
  });

  it('GradNorm needs a last shared layer: none with hard sharedUnits [] or routing expertUnits []', () => {
    const hard = text({ architecture: 'hard', sharedUnits: [] }, { weighting: 'gradnorm' });
    assert.deepEqual(problems(hard), [`${FILE}:${pos(hard, '"weighting"', '"gradnorm"')}: loss.weighting: "gradnorm" balances gradient norms on the last layer the tasks share, and this model has none (model.sharedUnits is empty)`]);
    const routing = text({ architecture: 'routing', expertUnits: [] }, { weighting: 'gradnorm' });
    assert.deepEqual(problems(routing), [`${FILE}:${pos(routing, '"weighting"', '"gradnorm"')}: loss.weighting: "gradnorm" balances gradient norms on the last layer the tasks share, and this model has none (model.expertUnits is empty)`]);
  });

  it('an override that empties the trunk is reported as coming from the override', () => {
    const source = text({ architecture: 'hard', sharedUnits: [8] }, { weighting: 'mgda' });
    assert.throws(() => parseExperimentText(source, FILE, ['model.sharedUnits=[]']), /loss\.weighting: "mgda" combines the tasks' gradients of the parameters they share, and this model shares none \(model\.sharedUnits is empty\)/);
  });
});

describe('each architecture\'s descriptor knows what a model of a config shares', () => {
  const tasks = [
    { name: 'a', type: 'regression' as const, outputs: 1 },
    { name: 'b', type: 'classification' as const, classes: 3, outputs: 3 },
  ];
  const variants: Record<string, Partial<ModelConfig>[]> = {
    hard: [{ sharedUnits: [] }, { sharedUnits: [8] }, { sharedUnits: [8, 4] }],
    soft: [{ sharedUnits: [] }, { sharedUnits: [8] }, { sharedUnits: [8], attention: 'mixture' }, { sharedUnits: [], attention: 'mixture' }],
    routing: [{ expertUnits: [] }, { expertUnits: [8] }, { experts: 1, expertUnits: [8, 4] }, { experts: 3, expertUnits: [], sharedUnits: [] }],
    'cross-stitch': [{ sharedUnits: [] }, { sharedUnits: [8] }, { sharedUnits: [8, 4] }],
    transformer: [{ dModel: 8, heads: 2, layers: 1 }, { dModel: 8, heads: 2, sharing: 'task-attention' }, { dModel: 8, heads: 2, layers: 1, sharing: 'lora' }, { dModel: 8, heads: 2, layers: 1, sharing: 'lora', freezeTrunk: true }],
  };

  for (const method of METHODS.architectures) {
    it(`${method.id}: shares parameters / a last layer exactly when the built model does`, () => {
      for (const variant of variants[method.id]) {
        const model = parseExperimentText(text({ architecture: method.id, ...variant }, { weighting: 'equal' }, {}, method.inputs === 'tokens'), FILE).model;
        const built = createModel({ config: model, inputDim: 4, vocabSize: 10, tasks, rng: rngFor(1, 'init') });
        const sharing = method.sharing(model);
        const label = `${method.id} ${JSON.stringify(variant)}`;
        assert.equal(sharing.parameters, built.sharedParameters().length > 0, `${label}: shared parameters`);
        assert.equal(sharing.lastLayer, built.lastSharedParameters().length > 0, `${label}: last shared layer`);
      }
    });
  }
});
