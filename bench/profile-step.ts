// Quick profile: where a training step's time goes (not part of the benchmark suite).
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/training/backend/select';
import { HardSharingModel } from '../src/training/models/hardSharing';
import { Rng } from '../src/training/random/rng';
import { createOptimizer } from '../src/training/engine/optimizers';

async function main() {
  await selectBackend((process.argv[2] as 'wasm') ?? 'wasm');
  const [inDim, hidden, batch] = (process.argv[3] ?? '100,50,32').split(',').map(Number);
  const tasks = [{ name: 'a', type: 'classification' as const, outputs: 10, classes: 10 }, { name: 'b', type: 'classification' as const, outputs: 20, classes: 20 }];
  const model = new HardSharingModel({ config: { architecture: 'hard', sharedUnits: [hidden], taskUnits: [], activation: 'relu', dropout: 0 }, inputDim: inDim, tasks, rng: new Rng(1) });
  const params = model.parameters();
  const opt = createOptimizer(params, { name: 'adam', learningRate: 0.001, weightDecay: 0, clipNorm: null });
  const x = tf.randomNormal([batch, inDim]) as tf.Tensor2D;
  const y1 = tf.cast(tf.oneHot(tf.zeros([batch], 'int32'), 10), 'float32');
  const y2 = tf.cast(tf.oneHot(tf.zeros([batch], 'int32'), 20), 'float32');
  const vars = params.map((p) => p.variable);
  const step = (withOpt: boolean) => {
    const { value, grads } = tf.variableGrads(() => {
      const o = model.forward(x, { training: true }).outputs;
      const l1 = tf.div(tf.neg(tf.sum(tf.mul(y1, tf.logSoftmax(o[0])))), batch);
      const l2 = tf.div(tf.neg(tf.sum(tf.mul(y2, tf.logSoftmax(o[1])))), batch);
      return tf.add(l1, l2) as tf.Scalar;
    }, vars);
    if (withOpt) opt.apply(grads);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  for (let i = 0; i < 50; i++) step(true);
  for (const withOpt of [false, true]) {
    const n = 300;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) step(withOpt);
    const ms = (performance.now() - t0) / n;
    console.log(`${withOpt ? 'fwd+bwd+adam' : 'fwd+bwd     '}: ${ms.toFixed(3)} ms/step (${(1000 / ms).toFixed(0)} steps/s)`);
  }
  let kernels = 0;
  const prof = await tf.profile(() => { step(true); });
  kernels = prof.kernels.length;
  const byName = new Map<string, number>();
  for (const k of prof.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + 1);
  console.log('kernels per step', kernels, [...byName.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join(' '));
  console.log('tensors alive', tf.memory().numTensors);
}
void main();
