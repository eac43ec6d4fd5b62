import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/training/backend/select';
import { parseExperimentText } from '../../src/training/config/parse';
import type { Dataset, ResolvedTask, Split } from '../../src/training/data/dataset';
import { hasFusedKernels } from '../../src/training/engine/fusedKernels';
import { makeBatch, softmaxCrossEntropy } from '../../src/training/engine/losses';
import { createOptimizer } from '../../src/training/engine/optimizers';
import { Trainer } from '../../src/training/engine/trainer';
import type { Parameter } from '../../src/training/models/dense';
import type { OptimizerConfig } from '../../src/training/config/schema';
import { Rng } from '../../src/training/random/rng';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** The stock formulation the fused loss replaces, with tfjs's own gradient. */
function referenceCrossEntropy(logits: tf.Tensor2D, target: tf.Tensor2D, divisor: number): tf.Scalar {
  return tf.div(tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)))), divisor);
}

function makeParams(seed: number): Parameter[] {
  const shapes = [[6, 4], [4], [4, 3], [3]];
  return shapes.map((shape, i) => ({
    name: `p${i}`,
    variable: tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed + i)),
    decay: shape.length > 1,
  }));
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fused training kernels on ${backend}`, () => {
    before(async () => {
      await selectBackend(backend);
    });

    it('are used on this backend', () => {
      assert.equal(hasFusedKernels(), true);
    });

    it('softmax cross-entropy: value and gradient equal the stock ops, unlabelled rows included', () => {
      tf.tidy(() => {
        const logits = tf.mul(tf.randomNormal([6, 5], 0, 1, 'float32', 1), 4) as tf.Tensor2D;
        // Rows 0–3 labelled (one-hot), rows 4–5 unlabelled (all zero): they must add no loss and get no gradient.
        const target = tf.concat([tf.cast(tf.oneHot(tf.tensor1d([0, 3, 4, 1], "int32"), 5), "float32"), tf.zeros([2, 5])]) as tf.Tensor2D;
        const divisor = 4;
        const fused = softmaxCrossEntropy(logits, target, divisor);
        const reference = referenceCrossEntropy(logits, target, divisor);
        assert.ok(Math.abs(fused.dataSync()[0] - reference.dataSync()[0]) < 1e-5, `loss ${fused.dataSync()[0]} vs ${reference.dataSync()[0]}`);
        const upstream = tf.scalar(1.7);
        const gFused = tf.grad((z: tf.Tensor) => tf.mul(softmaxCrossEntropy(z as tf.Tensor2D, target, divisor), upstream))(logits);
        const gRef = tf.grad((z: tf.Tensor) => tf.mul(referenceCrossEntropy(z as tf.Tensor2D, target, divisor), upstream))(logits);
        assert.ok(maxAbsDiff(gFused, gRef) < 1e-5, `gradient differs by ${maxAbsDiff(gFused, gRef)}`);
        assert.equal(tf.sum(tf.abs(tf.slice(gFused, [4, 0], [2, 5]))).dataSync()[0], 0);
      });
    });

    it('softmax cross-entropy stays finite for huge logits', () => {
      tf.tidy(() => {
        const logits = tf.tensor2d([[1000, -1000, 0]]);
        const target = tf.tensor2d([[0, 1, 0]]);
        const value = softmaxCrossEntropy(logits, target, 1).dataSync()[0];
        assert.ok(Math.abs(value - 2000) < 1e-2, `got ${value}`);
      });
    });

    const configs: OptimizerConfig[] = [
      { name: 'adam', learningRate: 0.01, weightDecay: 0, clipNorm: null },
      { name: 'adam', learningRate: 0.01, weightDecay: 0.1, clipNorm: 0.5 },
      { name: 'sgd', learningRate: 0.05, weightDecay: 0.01, clipNorm: 1, momentum: 0.9 },
      { name: 'sgd', learningRate: 0.05, weightDecay: 0, clipNorm: null },
      { name: 'rmsprop', learningRate: 0.01, weightDecay: 0, clipNorm: 0.3, momentum: 0.5 },
      { name: 'rmsprop', learningRate: 0.01, weightDecay: 0.05, clipNorm: null },
    ];
    for (const config of configs) {
      it(`optimizer ${config.name} (decay ${config.weightDecay}, clip ${config.clipNorm}, momentum ${config.momentum ?? 0}): one fused kernel equals the per-tensor ops`, () => {
        const fusedParams = makeParams(10);
        const refParams = makeParams(10);
        const fused = createOptimizer(fusedParams, config, { fused: true });
        const reference = createOptimizer(refParams, config, { fused: false });
        for (let step = 0; step < 6; step++) {
          tf.tidy(() => {
            // The same gradients for both; the last parameter gets none in odd steps (it must stay put).
            const grads = (params: Parameter[]) => {
              const out: Record<string, tf.Tensor> = {};
              params.forEach((p, i) => {
                if (i === 3 && step % 2 === 1) return;
                out[p.variable.name] = tf.randomNormal(p.variable.shape, 0, 1, 'float32', 1000 + 100 * step + i);
              });
              return out;
            };
            const nFused = fused.apply(grads(fusedParams));
            const nRef = reference.apply(grads(refParams));
            assert.ok(Math.abs(nFused.dataSync()[0] - nRef.dataSync()[0]) < 1e-4, `global norm ${nFused.dataSync()[0]} vs ${nRef.dataSync()[0]}`);
          });
        }
        fusedParams.forEach((p, i) => {
          const d = maxAbsDiff(p.variable, refParams[i].variable);
          assert.ok(d < 1e-5, `${p.name} differs by ${d}`);
        });
        const fusedSlots = fused.slots();
        const refSlots = reference.slots();
        assert.deepEqual([...fusedSlots.keys()], [...refSlots.keys()]);
        for (const [key, v] of fusedSlots) assert.ok(maxAbsDiff(v, refSlots.get(key)!) < 1e-5, `slot ${key}`);
        tf.dispose([...fusedParams, ...refParams].map((p) => p.variable));
        tf.dispose([...fusedSlots.values(), ...refSlots.values()]);
      });
    }

    it('a training step of the article model runs few kernels and leaks no tensors', async () => {
      const tasks: ResolvedTask[] = [10, 20].map((classes, k) => ({ name: `t${k}`, type: 'classification', outputs: classes, classes }));
      const rng = new Rng(3);
      const rows = 32;
      const x = Float32Array.from({ length: rows * 100 }, () => rng.uniform());
      const labels: Split['labels'] = {};
      for (const t of tasks) labels[t.name] = { values: Float32Array.from({ length: rows }, () => rng.int(t.outputs)), mask: new Uint8Array(rows).fill(1) };
      const train: Split = { size: rows, x, labels };
      const dataset: Dataset = { inputDim: 100, featureNames: [], tasks, train, validation: { size: 0, x: new Float32Array(0), labels: {} }, trainForEpoch: () => train, describe: 'test' };
      const config = parseExperimentText(
        JSON.stringify({
          name: 'k',
          seed: 1,
          data: { source: 'synthetic', generator: 'random', samples: 100, inputDim: 100 },
          tasks: tasks.map((t) => ({ name: t.name, type: 'classification', classes: t.classes })),
          model: { architecture: 'hard', sharedUnits: [50], taskUnits: [] },
          optimizer: { name: 'adam', learningRate: 0.001 },
          training: { epochs: 1, batchSize: 32 },
        }),
        'k.mtl.json',
      );
      const trainer = new Trainer(config, dataset, { stepsPerEpoch: 1, batchesForEpoch: () => [Int32Array.from({ length: rows }, (_, i) => i)] });
      const batch = makeBatch(train, 100, tasks, Int32Array.from({ length: rows }, (_, i) => i));
      const info = { step: 1, epoch: 0, stepInEpoch: 0, stepsPerEpoch: 1 };
      trainer.trainStep(batch, info, 1, false);
      const before = tf.memory().numTensors;
      const profile = await tf.profile(() => {
        trainer.trainStep(batch, info, 1, false);
      });
      assert.equal(tf.memory().numTensors, before, 'tensors leaked by a step');
      const kernels = profile.kernels.filter((k) => tf.getKernel(k.name, backend)).length;
      // 190 with the stock formulation; 39 when this test was written. A jump means a fused path broke.
      assert.ok(kernels <= 45, `${kernels} kernels per step: ${profile.kernels.map((k) => k.name).join(' ')}`);
      tf.dispose([batch.x, ...batch.tasks.map((t) => t.target)]);
    });
  });
}
