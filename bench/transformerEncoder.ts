/**
 * The encoder both bench/transformer.ts (throughput against PyTorch) and bench/profile-transformer.ts (where a step's
 * time goes) train: d = 128, 2 pre-LN layers, 4 heads, feed-forward 512, 64 tokens, batch 32, vocabulary 8000, mean
 * pooling, one 10-class head, Adam, on fixed pseudo-random token ids.
 */
import { parseExperimentText } from '../src/training/config/parse';
import type { Dataset, ResolvedTask, Split } from '../src/training/data/dataset';
import { BatchSampler } from '../src/training/data/sampler';
import { makeBatch } from '../src/training/engine/losses';
import { Trainer } from '../src/training/engine/trainer';

export const [D, LAYERS, HEADS, TOKENS, BATCH, VOCAB] = [128, 2, 4, 64, 32, 8000];

function dataset(): Dataset {
  const tasks: ResolvedTask[] = [{ name: 'a', type: 'classification', outputs: 10, classes: 10 }];
  const x = Int32Array.from({ length: BATCH * TOKENS }, (_, i) => 1 + ((i * 7919) % (VOCAB - 1)));
  const split: Split = { size: BATCH, x, labels: { a: { values: Float32Array.from({ length: BATCH }, (_, i) => i % 10), mask: new Uint8Array(BATCH).fill(1) } } };
  return { inputDim: TOKENS, featureNames: [], vocabSize: VOCAB, tasks, train: split, validation: { ...split, size: 0 }, trainForEpoch: () => split, describe: 'random ids' };
}

/** A Trainer of the encoder (on the current backend) and one training step of it on the same batch. */
export function benchEncoder(): { step(s: number): void } {
  const text = { name: 'bench', data: { source: 'csv', path: 'x.csv', text: 't', tokenizer: { maxLength: TOKENS } }, tasks: [{ name: 'a', type: 'classification', target: 'a' }], model: { architecture: 'transformer', dModel: D, layers: LAYERS, heads: HEADS, feedForwardUnits: 4 * D, taskUnits: [] } };
  const config = parseExperimentText(JSON.stringify(text), 'bench.mtl.json');
  const data = dataset();
  const trainer = new Trainer(config, data, new BatchSampler(data.train, data.tasks, config.training, config.seed));
  const rows = Int32Array.from({ length: BATCH }, (_, i) => i);
  return {
    step(s: number) {
      const batch = makeBatch(data.train, TOKENS, data.tasks, rows);
      trainer.trainStep(batch, { step: s, epoch: 0, stepInEpoch: s, stepsPerEpoch: 1 }, s, false);
      batch.x.dispose();
      batch.tasks.forEach((t) => t.target.dispose());
    },
  };
}
