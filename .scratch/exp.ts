import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selectBackend } from '../src/training/backend/select';
import { parseExperimentText } from '../src/training/config/parse';
import { loadDataset } from '../src/training/data/load';
import { train } from '../test/helpers/engine';
const FILLERS = ['the', 'cat', 'sat', 'on', 'mat', 'red', 'sun', 'big', 'dog', 'ran', 'far', 'away', 'old', 'tree', 'blue', 'sky'];
function markerCsv(rows: number, seed: number): string {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const lines = ['text,alpha,beta'];
  for (let r = 0; r < rows; r++) {
    const words = Array.from({ length: Number(process.env.N ?? 6) }, () => FILLERS[Math.floor(next() * FILLERS.length)]);
    const [a, b] = [next() < 0.5, next() < 0.5];
    if (a) words.splice(Math.floor(next() * (words.length + 1)), 0, 'alpha');
    if (b) words.splice(Math.floor(next() * (words.length + 1)), 0, 'beta');
    lines.push(`${words.join(' ')},${a ? 'yes' : 'no'},${b ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}
const [lr, epochs, sharing] = [Number(process.argv[2]), Number(process.argv[3]), process.argv[4]];
(async () => {
  await selectBackend('cpu');
  const dir = mkdtempSync(path.join(tmpdir(), 'x-'));
  writeFileSync(path.join(dir, 'markers.csv'), markerCsv(400, 11));
  const experiment = { name: 'm', seed: 3, data: { source: 'csv', path: 'markers.csv', text: 'text', tokenizer: { vocabSize: 100, maxLength: Number(process.env.L ?? 16) }, validationSplit: 0.2 },
    tasks: [{ name: 'alpha', type: 'classification', target: 'alpha' }, { name: 'beta', type: 'classification', target: 'beta' }],
    model: { architecture: 'transformer', sharing, dModel: 16, heads: 2, layers: Number(process.env.LAYERS ?? 1), feedForwardUnits: 32, taskUnits: [] },
    optimizer: { learningRate: lr }, training: { epochs, batchSize: 32, evalEvery: 1000, logEvery: 10 }, backend: 'cpu' };
  const config = parseExperimentText(JSON.stringify(experiment), 'm.mtl.json');
  const dataset = await loadDataset(config, dir);
  const tok = dataset.tokenizer!;
  console.log(tok.encode('alpha beta the cat'), tok.tokens(tok.encode('alpha beta the cat')));
  const { trainer, records } = await train(config, dataset);
  console.log(JSON.stringify(records.filter((r) => r.kind === 'eval').map((r: any) => [r.step, r.metrics.alpha.accuracy, r.metrics.beta.accuracy])));
  if (sharing === 'task-attention') {
    const ids = tok.encode('the cat alpha sat on beta mat');
    while (ids.length < Number(process.env.L ?? 16)) ids.push(0);
    const m = trainer.model.forward(tf.tensor2d([ids], [1, Number(process.env.L ?? 16)]), { training: false }).matrices!['token-attention'].values.arraySync();
    console.log(tok.tokens(ids).join(' '));
    for (const row of m) console.log(row.map((v) => v.toFixed(2)).join(' '));
  }
})();
