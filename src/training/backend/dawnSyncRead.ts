/**
 * Synchronous reads (`dataSync`, `arraySync`) on the webgpu backend in Node.
 *
 * The trainer reads losses, norms and weighting state synchronously. tfjs-backend-webgpu implements a
 * synchronous read with an OffscreenCanvas, which Node does not have; WebGPU itself only maps a buffer
 * asynchronously (`mapAsync`). Dawn's Node binding completes that promise from an event tick it
 * schedules with `setImmediate` (a native callback that calls Dawn's ProcessEvents). So a read can be made
 * synchronous by running those ticks ourselves until the staging buffer is mapped: `setImmediate` is
 * wrapped (before Dawn starts) to remember native callbacks, each of which runs exactly once — by us or
 * by the event loop, whichever comes first. Every other callback passes straight through.
 */
import * as tf from '@tensorflow/tfjs-core';
import { promisify } from 'node:util';

interface Tick {
  run: () => void;
}
const pending = new Set<Tick>();
/** Ticks Dawn scheduled while we were pumping: handed to the event loop when the pump ends. */
const deferred: Tick[] = [];
let installed = false;
let pumping = false;
let realSetImmediate: typeof setImmediate;

const isNative = (fn: unknown) => typeof fn === 'function' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn));

/** Wraps setImmediate so Dawn's event ticks can also be run synchronously (idempotent). */
export function captureDawnTicks(): void {
  if (installed) return;
  installed = true;
  const real = (realSetImmediate = globalThis.setImmediate);
  const wrapped = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    if (!isNative(fn)) return real(fn, ...args);
    let done = false;
    const tick: Tick = {
      run: () => {
        if (done) return;
        done = true;
        pending.delete(tick);
        fn(...args);
      },
    };
    pending.add(tick);
    // While pumping, Dawn re-schedules its tick after every run: queuing each on the event loop would
    // pile up one Immediate per spin (hundreds of MB during a long read on a slow adapter).
    if (pumping) {
      deferred.push(tick);
      return undefined as unknown as NodeJS.Immediate;
    }
    return real(tick.run);
  }) as typeof setImmediate;
  Object.defineProperty(wrapped, promisify.custom, { value: (real as unknown as Record<symbol, unknown>)[promisify.custom] });
  globalThis.setImmediate = wrapped;
}

// Between ticks the pump sleeps briefly: a software adapter computes on other threads of the same cores.
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const SPINS_BEFORE_SLEEPING = 64;

/** Runs Dawn's pending ticks until `done()`; throws when Dawn has nothing left to process or time runs out. */
export function pumpDawnUntil(done: () => boolean, what: string, timeoutMs = 120_000): void {
  const deadline = Date.now() + timeoutMs;
  pumping = true;
  try {
    for (let spins = 0; !done(); spins++) {
      const next = pending.values().next();
      if (next.done) throw new Error(`WebGPU: ${what} cannot complete (Dawn has no pending work; was the device lost?)`);
      if (Date.now() > deadline) throw new Error(`WebGPU: ${what} did not complete within ${timeoutMs / 1000} s`);
      next.value.run();
      if (spins > SPINS_BEFORE_SLEEPING) Atomics.wait(sleeper, 0, 0, 0.05);
    }
  } finally {
    pumping = false;
    for (const tick of deferred.splice(0)) if (pending.has(tick)) realSetImmediate(tick.run);
  }
}

/** The members of tfjs-backend-webgpu's WebGPUBackend a synchronous read uses (as its own async read does). */
interface WebgpuBackendInternals {
  tensorMap: { get(dataId: object): { values?: tf.backend_util.BackendValues | null; dtype: tf.DataType; resource?: GPUBufferLike } };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBufferLike; releaseBuffer(buffer: GPUBufferLike): void };
  commandEncoder: { copyBufferToBuffer(src: GPUBufferLike, srcOffset: number, dst: GPUBufferLike, dstOffset: number, size: number): void };
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: tf.backend_util.BackendValues): tf.backend_util.BackendValues;
}
interface GPUBufferLike {
  size: number;
  mapState: string;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}

/** Replaces WebGPUBackend.readSync (the canvas path) by a staging-buffer copy mapped with Dawn's ticks. */
export function patchReadSync(WebGPUBackend: { prototype: object }, usage: { COPY_DST: number; MAP_READ: number }, mapRead: number): void {
  const proto = WebGPUBackend.prototype as { readSync(dataId: object): tf.backend_util.BackendValues; __mtlSyncRead?: boolean };
  if (proto.__mtlSyncRead) return;
  const original = proto.readSync;
  proto.readSync = function (this: WebgpuBackendInternals, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (data.values != null || data.dtype === 'string' || data.dtype === 'complex64' || !data.resource) return original.call(this, dataId);
    const size = data.resource.size;
    const staging = this.bufferManager.acquireBuffer(size, usage.COPY_DST | usage.MAP_READ);
    this.ensureCommandEncoderReady();
    this.endComputePassEncoder();
    this.commandEncoder.copyBufferToBuffer(data.resource, 0, staging, 0, size);
    this.submitQueue();
    // A rejection (device lost) leaves the buffer unmapped: reported below, not as an unhandled rejection.
    staging.mapAsync(mapRead).catch(() => undefined);
    pumpDawnUntil(() => staging.mapState !== 'pending', `reading a ${size}-byte tensor`);
    if (staging.mapState !== 'mapped') {
      throw new Error(`WebGPU: the device was lost (a driver reset, or the GPU removed) while reading a ${size}-byte tensor: the run cannot continue on it; resume it from its last checkpoint, on any backend`);
    }
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    this.bufferManager.releaseBuffer(staging);
    return this.convertAndCacheOnCPU(dataId, tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype));
  };
  proto.__mtlSyncRead = true;
}
