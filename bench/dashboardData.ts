/** The synthetic records both dashboard benchmarks feed: computed on the fly, deterministic per (step, seed). */
import type { MetricRecord } from '../src/training/run/records';

export const TASKS = ['income', 'marital', 'age'];

/** One train record of a synthetic run, computed on the fly (a million records are never held at once). */
export function trainRecord(step: number, seed: number, start: number): MetricRecord {
  const noise = (k: number) => Math.sin(step * 12.9898 + seed * 78.233 + k * 37.719) * 43758.5453 % 1;
  const losses: Record<string, number> = {};
  const weights: Record<string, number> = {};
  TASKS.forEach((t, k) => {
    losses[t] = (0.7 + 0.1 * (seed % 5)) * Math.exp(-step / (20_000 + 5_000 * k)) + 0.1 + 0.05 * noise(k);
    weights[t] = 1 / 3 + 0.1 * Math.sin(step / 5000 + k);
  });
  return { kind: 'train', step, epoch: Math.floor(step / 1000), time: start + step * 20, losses, totalLoss: losses.income + losses.marital + losses.age, weights, samplesPerSecond: 1500 + 100 * noise(9) };
}

export function evalRecord(step: number, start: number): MetricRecord {
  return {
    kind: 'eval', step, epoch: Math.floor(step / 1000), time: start + step * 20 + 5, split: 'validation',
    metrics: { income: { loss: 0.3 + 1 / step, accuracy: 0.9 - 10 / step }, marital: { loss: 0.4 + 1 / step, accuracy: 0.85 - 10 / step }, age: { loss: 0.2 + 1 / step, rmse: 0.45 + 1 / step, mae: 0.3 } },
  };
}
