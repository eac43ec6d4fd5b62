/**
 * Every loss weighting and gradient method (the registry's list, so a new one is covered without editing this file)
 * trains on the Transformer trunk with each `model.sharing`, in process through runExperiment on a tiny text set, on
 * the CPU backend (tfjs's reference kernels) and on WebAssembly (the fast-path kernels, and intermediates freed
 * before the backward pass): the run completes, every logged loss and task weight is finite, the model's shared
 * parameters are exactly its trunk (embeddings, blocks, outer norm: transformer.ts) and every one of them moved from
 * its initial values (read from a run of the same config stopped before its first step). GradNorm's last shared
 * layer is the last block's second feed-forward kernel (with no block, `layers: 0`, the outer norm's gain), and its
 * weights leave 1 / 1. With a frozen LoRA trunk nothing is shared: the methods that need shared parameters or a last
 * shared layer (their descriptor's `needs`) are refused at loss.weighting with file:line:col before a run directory
 * exists, and the others train the low-rank updates while the checkpoint holds no trunk tensor (it is not trained).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseExperimentText } from '../../src/training/config/parse';
import { createModel } from '../../src/training/models/registry';
import { rngFor } from '../../src/training/random/rng';
import { InputError } from '../../src/training/run/inputError';
import { readRecordsSync } from '../../src/training/run/metricsTail';
import type { TrainRecord } from '../../src/training/run/records';
import { runExperiment } from '../../src/training/run/runExperiment';
import { WEIGHTING_METHODS } from '../../src/training/weighting/registry';

const WORDS = { code: ['compiler', 'library', 'python', 'rust', 'parser'], media: ['audio', 'video', 'player', 'codec', 'music'], net: ['server', 'client', 'proxy', 'socket', 'mail'] };
const FILLERS = ['the', 'a', 'tool', 'for', 'with', 'small', 'fast', 'simple'];

/** 40 package-like texts: `kind` (3 classes) from the topic words, `tags` (multilabel) from what else they mention; every fifth row has no tags. */
function jsonl(): string {
  let s = 5;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const kinds = Object.keys(WORDS) as (keyof typeof WORDS)[];
  return Array.from({ length: 40 }, (_, i) => {
    const kind = kinds[i % 3];
    const words = [pick(WORDS[kind]), pick(FILLERS), pick(WORDS[kind]), pick(FILLERS), pick(FILLERS)];
    const tags = [next() < 0.5 ? 'gui' : 'cli', ...(next() < 0.4 ? ['doc'] : [])];
    words.push(...tags.map((t) => `${t}s`));
    return JSON.stringify({ text: words.join(' '), kind, tags: i % 5 === 4 ? null : tags.join(',') });
  }).join('\n') + '\n';
}

const TASKS = ['kind', 'tags'];
const SHARINGS = [{ sharing: 'hard' }, { sharing: 'task-attention' }, { sharing: 'lora', loraRank: 2 }, { sharing: 'lora', loraRank: 2, freezeTrunk: true }] as const;
type Sharing = (typeof SHARINGS)[number] | { sharing: 'hard'; layers: 0 };
const label = (model: Sharing) => model.sharing + ('freezeTrunk' in model ? ' (freezeTrunk)' : '');

const BACKENDS = ['cpu', 'wasm'] as const;

function experiment(model: Sharing, weighting: Weighting, backend: Backend): string {
  const config = {
    name: `tw-${model.sharing}-${weighting.id}`,
    seed: 4,
    data: { source: 'jsonl', path: 'packages.jsonl', text: 'text', tokenizer: { vocabSize: 40, maxLength: 10 }, validationSplit: 0.2 },
    tasks: [
      { name: 'kind', type: 'classification', target: 'kind' },
      { name: 'tags', type: 'multilabel', target: 'tags' },
    ],
    model: { architecture: 'transformer', layers: 1, dModel: 8, heads: 2, feedForwardUnits: 16, taskUnits: [], dropout: 0.1, ...model },
    loss: { weighting: weighting.id, ...weighting.newExperiment?.values?.(TASKS) },
    optimizer: { learningRate: 0.01 },
    training: { epochs: 1, batchSize: 8, logEvery: 1, evalEvery: 1000 },
    backend,
  };
  return JSON.stringify(config, null, 2);
}

/** `line:col` of `target`, searched after `after`. */
function pos(source: string, after: string, target: string): string {
  const offset = source.indexOf(target, source.indexOf(after));
  const lines = source.slice(0, offset).split('\n');
  return `${lines.length}:${lines[lines.length - 1].length + 1}`;
}

/** A run's checkpoint: tensor name → values. */
function checkpoint(runDir: string): Map<string, Float32Array> {
  const dir = path.join(runDir, 'checkpoint');
  const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as { tensors: { name: string; offset: number; length: number }[] };
  const buf = readFileSync(path.join(dir, 'tensors.bin'));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return new Map(state.tensors.map((e) => [e.name, data.slice(e.offset, e.offset + e.length)]));
}

/** The names the model gives its shared parameters and its last shared layer (they do not depend on the vocabulary or the sequence length). */
function sharedNames(source: string): { shared: string[]; last: string[] } {
  const config = parseExperimentText(source, 'x.mtl.json');
  const tasks = [
    { name: 'kind', type: 'classification' as const, outputs: 3, classes: 3 },
    { name: 'tags', type: 'multilabel' as const, outputs: 3, classes: 3 },
  ];
  const model = createModel({ config: config.model, inputDim: 10, vocabSize: 40, tasks, rng: rngFor(1, 'init') });
  return { shared: model.sharedParameters().map((p) => `param/${p.name}`), last: model.lastSharedParameters().map((p) => `param/${p.name}`) };
}

/** The trunk's tensors in a checkpoint, by the names transformerModel.ts gives them. */
const TRUNK = /^param\/(embedding|block\d+|final-norm)\//;

const moved = (a: Float32Array, b: Float32Array) => a.some((v, i) => Math.abs(v - b[i]) > 1e-7);

type Weighting = (typeof WEIGHTING_METHODS)[number];
type Backend = (typeof BACKENDS)[number];

/** What a method that needs shared parameters or a last shared layer is told when a frozen trunk has none (semantics.ts). */
const refusal = (weighting: Weighting) =>
  weighting.needs === 'last-shared-layer' ? 'balances gradient norms on the last layer the tasks share, and this model has none' : "combines the tasks' gradients of the parameters they share, and this model shares none";

describe('every loss weighting and gradient method on the Transformer trunk', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mtl-tf-weightings-'));
  writeFileSync(path.join(dir, 'packages.jsonl'), jsonl());
  const runsDir = path.join(dir, 'runs');
  const refusedRunsDir = path.join(dir, 'refused-runs');
  const write = (source: string, name: string) => {
    const file = path.join(dir, `${name}.mtl.json`);
    writeFileSync(file, source);
    return file;
  };

  it('the registry has methods of each kind this file checks (none needing, shared parameters, a last shared layer)', () => {
    assert.ok(WEIGHTING_METHODS.length >= 12, `${WEIGHTING_METHODS.length} methods`);
    assert.ok(WEIGHTING_METHODS.some((m) => m.needs === undefined));
    assert.ok(WEIGHTING_METHODS.some((m) => m.needs === 'last-shared-layer'));
    assert.ok(WEIGHTING_METHODS.some((m) => m.needs === 'shared-parameters'));
  });

  async function refused(file: string, source: string, weighting: Weighting): Promise<void> {
    await assert.rejects(runExperiment({ configPath: file, runsDir: refusedRunsDir }, { shouldStop: () => false }), (error: Error) => {
      assert.ok(error instanceof InputError, String(error));
      const at = pos(source, '"loss"', `"${weighting.id}"`);
      assert.match(error.message, new RegExp(`^${escape(file)}:${at}: loss\\.weighting: "${weighting.id}" ${escape(refusal(weighting))} \\(model\\.freezeTrunk is true\\)`));
      return true;
    });
    assert.ok(!existsSync(refusedRunsDir), 'no run directory');
  }

  /** Trains the config to the end; its train records and final checkpoint. */
  async function trained(file: string, backend: Backend): Promise<{ train: TrainRecord[]; final: Map<string, Float32Array> }> {
    const { runDir, info } = await runExperiment({ configPath: file, runsDir }, { shouldStop: () => false });
    assert.equal(info.status, 'completed', JSON.stringify(info.error));
    assert.equal(info.backend, backend);
    const train = readRecordsSync(runDir).filter((r): r is TrainRecord => r.kind === 'train');
    assert.equal(train.length, info.totalSteps);
    assert.ok(info.totalSteps >= 4, `${info.totalSteps} steps`);
    for (const r of train) {
      assert.deepEqual(Object.keys(r.losses).sort(), TASKS);
      assert.deepEqual(Object.keys(r.weights).sort(), TASKS);
      const values = [...Object.values(r.losses), ...Object.values(r.weights), r.totalLoss];
      assert.ok(values.every(Number.isFinite), `step ${r.step}: ${JSON.stringify({ losses: r.losses, weights: r.weights, total: r.totalLoss })}`);
    }
    return { train, final: checkpoint(runDir) };
  }

  for (const backend of BACKENDS) {
    for (const model of SHARINGS) {
      describe(`${backend}: sharing ${label(model)}`, () => {
        const frozen = 'freezeTrunk' in model;
        const name = (id: string) => `${backend}-${model.sharing}${frozen ? '-frozen' : ''}-${id}`;
        let initial: Map<string, Float32Array>;

        it('the initial weights: a run stopped before its first step', async () => {
          const { runDir, info } = await runExperiment({ configPath: write(experiment(model, WEIGHTING_METHODS[0], backend), name('initial')), runsDir }, { shouldStop: () => true });
          assert.equal(info.status, 'stopped');
          assert.equal(info.step, 0);
          initial = checkpoint(runDir);
        });

        for (const weighting of WEIGHTING_METHODS) {
          const rejected = frozen && weighting.needs !== undefined;
          const promise = rejected ? 'refused at loss.weighting (a frozen trunk shares nothing)' : frozen ? 'trains the low-rank updates, finite losses and weights, no trunk tensor trained' : 'trains, finite losses and weights, the whole trunk moves';
          it(`${weighting.id}: ${promise}`, async () => {
            const source = experiment(model, weighting, backend);
            const file = write(source, name(weighting.id));
            if (rejected) return refused(file, source, weighting);
            const { train, final } = await trained(file, backend);
            const { shared, last } = sharedNames(source);
            const trunk = [...final.keys()].filter((key) => TRUNK.test(key));
            if (frozen) {
              assert.deepEqual(shared, [], 'a frozen trunk is no shared parameters');
              assert.deepEqual(last, []);
              assert.deepEqual(trunk, [], 'no trunk tensor is trained');
              // B starts at 0 (the updates start as no change); every one of them must have moved.
              const updates = [...final.keys()].filter((key) => key.startsWith('param/lora/') && key.endsWith('/lora-b'));
              assert.equal(updates.length, TASKS.length * 4, updates.join(', '));
              const still = updates.filter((key) => !moved(final.get(key)!, initial.get(key)!));
              assert.deepEqual(still, [], `low-rank updates that did not move: ${still.join(', ')}`);
              return;
            }
            assert.ok(trunk.length === 2 + 16 + 2, trunk.join(', '));
            assert.deepEqual(shared, trunk, 'the shared parameters are the trunk');
            assert.deepEqual(last, ['param/block0/ff2/w'], "GradNorm's last shared layer: the last block's second feed-forward kernel");
            const still = shared.filter((key) => !moved(final.get(key)!, initial.get(key)!));
            assert.deepEqual(still, [], `trunk tensors that did not move: ${still.join(', ')}`);
            if (weighting.needs === 'last-shared-layer') {
              const weights = train[train.length - 1].weights;
              assert.ok(TASKS.some((task) => Math.abs(weights[task] - 1) > 1e-6), `the weights balanced on that layer moved: ${JSON.stringify(weights)}`);
            }
          });
        }
      });
    }

    // With no encoder block the tasks pool the embeddings: the last layer they share is the outer norm (its gain).
    for (const weighting of WEIGHTING_METHODS.filter((m) => m.needs === 'last-shared-layer')) {
      it(`${backend}: ${weighting.id} with layers 0 balances on the outer norm's gain`, async () => {
        const model = { sharing: 'hard', layers: 0 } as const;
        const source = experiment(model, weighting, backend);
        const { train, final } = await trained(write(source, `${backend}-no-blocks-${weighting.id}`), backend);
        const { shared, last } = sharedNames(source);
        assert.deepEqual(shared, ['param/embedding/tokens', 'param/embedding/positions', 'param/final-norm/gamma', 'param/final-norm/beta']);
        assert.deepEqual(last, ['param/final-norm/gamma']);
        assert.deepEqual([...final.keys()].filter((key) => TRUNK.test(key)), shared);
        // Its initial value is known without a run: a LayerNorm gain starts at 1.
        assert.ok([...final.get('param/final-norm/gamma')!].some((v) => Math.abs(v - 1) > 1e-7), 'the gain trained');
        const weights = train[train.length - 1].weights;
        assert.ok(TASKS.some((task) => Math.abs(weights[task] - 1) > 1e-6), `the weights moved: ${JSON.stringify(weights)}`);
      });
    }
  }
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
