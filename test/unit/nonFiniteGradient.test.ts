/**
 * A NaN gradient behind a finite loss is handled like a non-finite loss (`training.onNonFinite`): the
 * run fails naming the step and the task, or the batch is skipped with an event — and either way no
 * parameter, optimiser slot or weighting state takes the NaN. The optimiser on its own applies nothing
 * when the gradient's global norm is not finite, on both of its paths.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { loadDataset } from '../../src/training/data/load';
import { BatchSampler } from '../../src/training/data/sampler';
import { createOptimizer } from '../../src/training/engine/optimizers';
import { NonFiniteGradientError } from '../../src/training/engine/nonFinite';
import { Trainer } from '../../src/training/engine/trainer';
import type { Parameter } from '../../src/training/models/dense';
import { EVENT_CODES, type EventRecord, type MetricRecord, type TrainRecord } from '../../src/training/run/records';
import { config } from '../helpers/engine';

/** Identity forward, NaN backward: what a numerically broken op deep in a model does. */
const nanBackward = tf.customGrad((...args: unknown[]) => ({ value: tf.add(args[0] as tf.Tensor, 0), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.mul(dy as tf.Tensor, NaN) })) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;

const BAD_STEP = 3;

/** A trainer whose task "b" gets a NaN gradient (its loss stays finite) at step BAD_STEP only. */
async function poisonedTrainer(weighting: string, onNonFinite: 'fail' | 'skip-batch') {
  const cfg = config({ loss: { weighting }, training: { epochs: 1, batchSize: 32, logEvery: 1, evalEvery: 1000, conflictEvery: 2, onNonFinite } });
  const dataset = await loadDataset(cfg, process.cwd());
  const trainer = new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
  const forward = trainer.model.forward.bind(trainer.model);
  trainer.model.forward = (x, options) => {
    const result = forward(x, options);
    if (options.training && trainer.position.step + 1 === BAD_STEP) result.outputs[1] = nanBackward(result.outputs[1]);
    return result;
  };
  return trainer;
}

function snapshot(params: Parameter[]): Map<string, Float32Array> {
  return new Map(params.map((p) => [p.name, Float32Array.from(p.variable.dataSync())]));
}

function allFinite(params: Parameter[]): boolean {
  return params.every((p) => p.variable.dataSync().every((v) => Number.isFinite(v)));
}

before(async () => {
  await selectBackend('cpu');
});

describe('a NaN gradient with a finite loss', () => {
  for (const weighting of ['equal', 'mgda', 'gradnorm'] as const) {
    it(`${weighting}, onNonFinite "fail": the run fails naming the step and the task; nothing took the NaN`, async () => {
      const trainer = await poisonedTrainer(weighting, 'fail');
      const records: MetricRecord[] = [];
      await assert.rejects(trainer.run({ onRecord: (r) => records.push(r), shouldStop: () => false }), (error: unknown) => {
        assert.ok(error instanceof NonFiniteGradientError, String(error));
        assert.equal(error.step, BAD_STEP);
        assert.equal(error.task, 'b');
        assert.match(error.message, /^gradient of task "b" is NaN at step 3 \(first in parameter "[^"]+"\)/);
        // The run records its failure as an event with this code (runExperiment).
        assert.ok(EVENT_CODES.includes(error.code) && error.code === 'gradient-not-finite', error.code);
        return true;
      });
      assert.ok(allFinite(trainer.params), 'no parameter took the NaN');
      assert.ok(trainer.weighting.weights().every(Number.isFinite), `finite weights: ${trainer.weighting.weights()}`);
      assert.equal(records.filter((r) => r.kind === 'train').length, BAD_STEP - 1, 'the steps before it trained');
    });
  }

  for (const weighting of ['equal', 'pcgrad', 'mgda', 'gradnorm'] as const) {
    it(`${weighting}, onNonFinite "skip-batch": the batch is skipped with an event, the run goes on`, async () => {
      const trainer = await poisonedTrainer(weighting, 'skip-batch');
      const records: MetricRecord[] = [];
      let beforeBadStep: Map<string, Float32Array> | undefined;
      let atSkip: Map<string, Float32Array> | undefined;
      let weightsBefore: number[] = [];
      let weightsAtSkip: number[] = [];
      const outcome = await trainer.run({
        onRecord: (r) => {
          records.push(r);
          if (r.kind === 'train' && r.step === BAD_STEP - 1) [beforeBadStep, weightsBefore] = [snapshot(trainer.params), trainer.weighting.weights()];
          if (r.kind === 'event' && r.step === BAD_STEP) [atSkip, weightsAtSkip] = [snapshot(trainer.params), trainer.weighting.weights()];
        },
        shouldStop: () => false,
      });
      assert.equal(outcome, 'completed');
      const events = records.filter((r): r is EventRecord => r.kind === 'event');
      assert.equal(events.length, 1, JSON.stringify(events));
      const [skipped] = events;
      assert.deepEqual({ step: skipped.step, level: skipped.level, code: skipped.code }, { step: BAD_STEP, level: 'warning', code: 'batch-skipped' });
      assert.match(skipped.message, /^gradient of task "b" is NaN at step 3 \(first in parameter "[^"]+"\); batch skipped \(training\.onNonFinite = "skip-batch"\)$/);
      const data = skipped.data as { quantity: string; task: string; parameter: string; value: string };
      assert.deepEqual({ quantity: data.quantity, task: data.task, value: data.value }, { quantity: 'gradient', task: 'b', value: 'NaN' });
      assert.ok(trainer.model.parameters().some((p) => p.name === data.parameter), `a parameter name: ${data.parameter}`);
      for (const [name, values] of beforeBadStep!) assert.deepEqual(atSkip!.get(name), values, `${name} unchanged by the skipped step`);
      assert.deepEqual(weightsAtSkip, weightsBefore, 'the task weights unchanged by the skipped step');
      const steps = records.filter((r): r is TrainRecord => r.kind === 'train').map((r) => r.step);
      assert.deepEqual(steps, Array.from({ length: trainer.totalSteps }, (_, i) => i + 1).filter((s) => s !== BAD_STEP));
      assert.equal(trainer.optimizer.iterations, trainer.totalSteps - 1, 'the optimiser did not count the skipped step');
      assert.ok(allFinite(trainer.params), 'every parameter finite at the end');
      assert.ok(trainer.weighting.weights().every(Number.isFinite));
    });
  }
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`the optimiser on ${backend} with a non-finite gradient`, () => {
    before(async () => {
      await selectBackend(backend);
    });
    for (const fused of [true, false]) {
      for (const bad of [NaN, Infinity]) {
        it(`${fused ? 'fused kernel' : 'per-tensor ops'}, a ${bad} gradient: returns the norm and changes nothing`, () => {
          const params: Parameter[] = [
            { name: 'w', variable: tf.variable(tf.tensor2d([[1, -2], [3, 0.5]])), decay: true },
            { name: 'b', variable: tf.variable(tf.tensor1d([0.25, -1])), decay: false },
          ];
          const optimizer = createOptimizer(params, { name: 'adam', learningRate: 0.1, weightDecay: 0.01, clipNorm: 1 }, { fused });
          const grads = (second: number) => ({ [params[0].variable.name]: tf.tensor2d([[0.1, 0.2], [0.3, 0.4]]), [params[1].variable.name]: tf.tensor1d([second, 0.5]) });
          assert.ok(Number.isFinite(optimizer.apply(grads(0.5))), 'a finite step first, so the slots hold values');
          const before = snapshot(params);
          const slotsBefore = new Map([...optimizer.slots()].map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
          const norm = optimizer.apply(grads(bad));
          assert.ok(!Number.isFinite(norm), `norm ${norm}`);
          for (const [name, values] of before) assert.deepEqual(params.find((p) => p.name === name)!.variable.dataSync(), values, `${name} unchanged`);
          for (const [key, v] of optimizer.slots()) assert.deepEqual(v.dataSync(), slotsBefore.get(key), `slot ${key} unchanged`);
          assert.equal(optimizer.iterations, 1, 'the step is not counted');
          tf.dispose([...params.map((p) => p.variable), ...optimizer.slots().values()]);
        });
      }
    }
  });
}
