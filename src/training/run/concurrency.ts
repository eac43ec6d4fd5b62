/**
 * How many runs train at once by default — `mtl-lab study --jobs` and `mtlLab.maxConcurrentRuns` alike: one per
 * core (each worker is single-threaded, so N workers on N cores scale), as far as free memory has room for them
 * (about 512 MB per worker, what a worker with its dataset and the TensorFlow.js backend takes), at least one.
 */
import os from 'node:os';

export const MEMORY_PER_WORKER = 512 * 1024 * 1024;

export function defaultConcurrency(cores = os.availableParallelism(), freeMemory = os.freemem()): number {
  return Math.max(1, Math.min(cores, Math.floor(freeMemory / MEMORY_PER_WORKER)));
}
