/**
 * Every registered loss weighting keeps its state across a checkpoint: a run stopped after 7 steps and
 * resumed from its checkpoint writes the same records as an uninterrupted run (a new weighting is covered
 * by registering it). test/worker/worker.test.ts checks the same through a real worker for one config.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../src/training/backend/select';
import { METHODS } from '../../src/training/config/catalog';
import { loadDataset } from '../../src/training/data/load';
import { BatchSampler } from '../../src/training/data/sampler';
import { loadCheckpoint, saveCheckpoint } from '../../src/training/engine/checkpoint';
import { Trainer } from '../../src/training/engine/trainer';
import type { MetricRecord } from '../../src/training/run/records';
import { config, train } from '../helpers/engine';

let dir: string;
before(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(path.join(tmpdir(), 'mtl-resume-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Records without what depends on the clock. */
const comparable = (records: MetricRecord[]) =>
  records.map((r) => {
    const { time: _time, ...rest } = r as MetricRecord & { samplesPerSecond?: number };
    if ('samplesPerSecond' in rest) delete (rest as { samplesPerSecond?: number }).samplesPerSecond;
    return rest;
  });

const STOP_AT = 7;

describe('a stopped and resumed run equals an uninterrupted one, for every weighting', () => {
  for (const method of METHODS.weightings) {
    it(method.id, async () => {
      const cfg = config({
        model: { architecture: 'hard', sharedUnits: [8], taskUnits: [4], dropout: 0.1 },
        loss: { weighting: method.id, ...(method.id === 'static' ? { weights: { a: 0.7, b: 0.3 } } : {}), ...(method.id === 'dwa' ? { window: 3 } : {}) },
        optimizer: { name: 'adam', learningRate: 0.01 },
        training: { epochs: 2, batchSize: 32, logEvery: 1, evalEvery: 5 },
      });
      const dataset = await loadDataset(cfg, process.cwd());
      const whole = await train(cfg, dataset);
      const stopped = await train(cfg, dataset, (step) => step >= STOP_AT);
      assert.equal(stopped.outcome, 'stopped');
      const checkpoint = path.join(dir, method.id);
      saveCheckpoint(stopped.trainer, checkpoint);
      const resumed = new Trainer(cfg, dataset, new BatchSampler(dataset.train, dataset.tasks, cfg.training, cfg.seed));
      loadCheckpoint(resumed, checkpoint);
      const records: MetricRecord[] = [];
      assert.equal(await resumed.run({ onRecord: (r) => records.push(r), shouldStop: () => false }), 'completed');
      const rest = whole.records.filter((r) => r.step > STOP_AT);
      assert.ok(rest.length > 10);
      assert.deepEqual(comparable(records), comparable(rest));
    });
  }
});
