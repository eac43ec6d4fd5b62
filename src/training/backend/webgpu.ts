/**
 * The `webgpu` backend: TensorFlow.js's WebGPU kernels on Dawn (the `webgpu` npm package), which drives
 * Metal on macOS, Direct3D 12 on Windows and Vulkan on Linux. Both packages are optional and loaded at
 * run time through the ModuleLoader (never bundled): tests inject a `webgpu` module whose adapter they
 * control (tiny limits, a hardware-looking name).
 *
 * The adapter is chosen here, not by tfjs-backend-webgpu: its backend is registered with a factory that
 * opens a device on that adapter, so what the run records is what it trains on.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GpuAdapter } from '../run/records';
import { captureDawnTicks, patchReadSync } from './dawnSyncRead';
import { splitWebgpuAddN } from './webgpuAddN';
import { explainLoadError, type ModuleLoader } from './moduleLoader';
import { prepareVulkanEnvironment, type VulkanPlan } from './vulkanEnvironment';

export const WEBGPU_PACKAGES = { dawn: 'webgpu', tfjs: '@tensorflow/tfjs-backend-webgpu' } as const;

/** The parts of Dawn's GPUAdapter this backend uses. */
export interface AdapterLike {
  info: { vendor: string; architecture: string; device?: string; description: string; isFallbackAdapter?: boolean };
  limits: Record<string, number>;
  features: { has(name: string): boolean };
  requestDevice(descriptor: object): Promise<{ lost: Promise<{ reason: string; message: string }>; destroy(): void }>;
}
interface DawnModule {
  create(flags: string[]): { requestAdapter(options: object): Promise<AdapterLike | null> };
  globals: Record<string, unknown>;
}

/** Dawn's native API on each platform (the one it is asked for, so the record is exact). */
export function dawnBackendFor(platform: NodeJS.Platform): string {
  return platform === 'darwin' ? 'metal' : platform === 'win32' ? 'd3d12' : 'vulkan';
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|basic render driver/i;

/** A CPU pretending to be a GPU: correct results, no speed. */
export function isSoftwareAdapter(info: AdapterLike['info']): boolean {
  return info.isFallbackAdapter === true || SOFTWARE.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

export function describeAdapter(adapter: AdapterLike, dawnBackend: string): GpuAdapter {
  const { info, limits } = adapter;
  return {
    vendor: info.vendor || 'unknown vendor',
    architecture: info.architecture || 'unknown architecture',
    description: info.description || info.device || 'unnamed adapter',
    dawnBackend,
    software: isSoftwareAdapter(info),
    maxBufferSize: limits.maxBufferSize,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  for (; bytes >= 1024 && i < units.length - 1; i++) bytes /= 1024;
  return `${Number(bytes.toPrecision(4))} ${units[i]}`;
}

/** One line naming the adapter and its limits, for logs, events and `mtl-lab backends`. */
export function adapterSummary(a: GpuAdapter): string {
  const kind = a.software ? 'software adapter' : 'GPU';
  return `${kind} ${a.description} (${a.vendor} ${a.architecture}, Dawn ${a.dawnBackend}; max buffer ${formatBytes(a.maxBufferSize)}, max storage binding ${formatBytes(a.maxStorageBufferBindingSize)})`;
}

/** A failure that still knows which adapter it concerns (auto skipping a software adapter). */
export class WebgpuUnavailable extends Error {
  constructor(
    message: string,
    readonly adapter?: GpuAdapter,
  ) {
    super(message);
  }
}

function loadDawn(loader: ModuleLoader): DawnModule {
  try {
    return loader(WEBGPU_PACKAGES.dawn) as DawnModule;
  } catch (error) {
    // Node before 20.19 cannot require the package's ES module entry: its prebuilt addon is the same API.
    if ((error as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw new Error(explainLoadError(WEBGPU_PACKAGES.dawn, error));
    const arch = process.platform === 'darwin' ? 'universal' : process.arch;
    return loader(`${WEBGPU_PACKAGES.dawn}/dist/${process.platform}-${arch}/dawn.node`) as DawnModule;
  }
}

function noAdapterReason(plan: VulkanPlan, dawnBackend: string): string {
  if (dawnBackend !== 'vulkan') return `Dawn found no ${dawnBackend === 'metal' ? 'Metal' : 'Direct3D 12'} adapter`;
  const tried = plan.notes.length ? ` (tried ${plan.notes.join(', ')})` : '';
  return `Dawn found no Vulkan driver it can use${tried}: install the GPU's Vulkan driver, or Debian's chromium package for the SwiftShader software driver`;
}

const gpuInstances = new Map<DawnModule, ReturnType<DawnModule['create']>>();

export interface FoundAdapter {
  adapter: AdapterLike;
  info: GpuAdapter;
  globals: Record<string, unknown>;
  /** Same Dawn module and same adapter description: the device already open on it can be reused. */
  key: { dawn: object; identity: string };
}

/** The adapter Dawn offers (high-performance preference), or an error saying why there is none. */
export async function findAdapter(loader: ModuleLoader): Promise<FoundAdapter> {
  const plan = prepareVulkanEnvironment();
  const dawn = loadDawn(loader);
  captureDawnTicks();
  const dawnBackend = dawnBackendFor(process.platform);
  // One GPU object per Dawn module, kept for the life of the process: when it is collected, Dawn destroys
  // its instance under the live device (a segfault at the next garbage collection).
  let gpu = gpuInstances.get(dawn);
  if (!gpu) gpuInstances.set(dawn, (gpu = dawn.create([`backend=${dawnBackend}`])));
  // A fresh adapter each time: an adapter opens one device only.
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(noAdapterReason(plan, dawnBackend));
  const info = describeAdapter(adapter, dawnBackend);
  return { adapter, info, globals: dawn.globals, key: { dawn, identity: JSON.stringify(info) } };
}

// The limits tfjs-backend-webgpu sizes its kernels by (as its own registration asks for them), and the
// storage buffers per shader: AddN of a dozen gradients binds more than the default 8.
const TFJS_LIMITS = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage'];

interface ActiveDevice {
  adapter: GpuAdapter;
  lost?: string;
}
let active: ActiveDevice | undefined;
let activeKey: FoundAdapter['key'] | undefined;

/** The adapter of the active webgpu backend, and whether its device was lost (driver reset, GPU removed). */
export function activeWebgpu(): Readonly<ActiveDevice> | undefined {
  return tf.getBackend() === 'webgpu' ? active : undefined;
}

interface BufferManager {
  acquireBuffer(size: number, usage: number, ...rest: unknown[]): unknown;
}

/** A tensor larger than the adapter allows, as a run failure that names the limit and what to change. */
export class WebgpuLimitError extends Error {
  constructor(
    readonly limit: 'maxBufferSize' | 'maxStorageBufferBindingSize',
    readonly bytes: number,
    readonly allowed: number,
    adapter: GpuAdapter,
  ) {
    super(
      `a tensor of ${formatBytes(bytes)} does not fit the WebGPU adapter's ${limit} of ${formatBytes(allowed)} (${adapter.description}): ` +
        'reduce training.batchSize or the model\'s units, or train on the "wasm" or "cpu" backend',
    );
    this.name = 'WebgpuLimitError';
  }
}

/**
 * Checks every buffer tfjs asks for against the adapter's limits before Dawn sees it: past them Dawn
 * reports a validation error on a later call and the kernels return garbage, not an exception.
 */
function guardBufferSizes(manager: BufferManager, adapter: GpuAdapter, storageUsage: number): void {
  const acquire = manager.acquireBuffer.bind(manager);
  manager.acquireBuffer = (size, usage, ...rest) => {
    if (size > adapter.maxBufferSize) throw new WebgpuLimitError('maxBufferSize', size, adapter.maxBufferSize, adapter);
    if (usage & storageUsage && size > adapter.maxStorageBufferBindingSize) throw new WebgpuLimitError('maxStorageBufferBindingSize', size, adapter.maxStorageBufferBindingSize, adapter);
    return acquire(size, usage, ...rest);
  };
}

/** Registers and activates TensorFlow.js's WebGPU backend on `found`'s adapter. */
export async function activateWebgpu(found: FoundAdapter, loader: ModuleLoader): Promise<void> {
  // tfjs-backend-webgpu uses the WebGPU globals (GPUBufferUsage…) and registers itself only if navigator.gpu exists.
  for (const [key, value] of Object.entries(found.globals)) if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
  const gpu = { requestAdapter: async () => found.adapter };
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  let module: { WebGPUBackend: new (device: unknown, info: unknown) => tf.KernelBackend };
  try {
    module = loader(WEBGPU_PACKAGES.tfjs) as typeof module;
  } catch (error) {
    throw new Error(`${WEBGPU_PACKAGES.tfjs}: ${explainLoadError(WEBGPU_PACKAGES.tfjs, error)}`);
  }
  const { GPUBufferUsage: usage, GPUMapMode: mapMode } = found.globals as { GPUBufferUsage: { COPY_DST: number; MAP_READ: number; STORAGE: number }; GPUMapMode: { READ: number } };
  patchReadSync(module.WebGPUBackend, usage, mapMode.READ);
  // Selected again on the same adapter (tests, calibration): keep its device and compiled shaders.
  if (active && activeKey?.dawn === found.key.dawn && activeKey.identity === found.key.identity && tf.findBackend('webgpu')) {
    if (!(await tf.setBackend('webgpu'))) throw new WebgpuUnavailable(`the WebGPU backend failed to initialise on ${found.info.description}`, found.info);
    return;
  }
  const state: ActiveDevice = { adapter: found.info };
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    const { adapter } = found;
    const requiredLimits = Object.fromEntries(TFJS_LIMITS.filter((k) => adapter.limits[k] !== undefined).map((k) => [k, adapter.limits[k]]));
    const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    void device.lost.then((info) => {
      // "destroyed" is our own dispose; anything else is the driver taking the device away.
      if (info.reason !== 'destroyed') state.lost = info.message || info.reason || 'device lost';
    });
    destroyOnExit(device);
    const backend = new module.WebGPUBackend(device, adapter.info);
    guardBufferSizes((backend as unknown as { bufferManager: BufferManager }).bufferManager, found.info, usage.STORAGE);
    return backend;
  });
  if (!(await tf.setBackend('webgpu'))) throw new WebgpuUnavailable(`the WebGPU backend failed to initialise on ${found.info.description}`, found.info);
  splitWebgpuAddN(found.adapter.limits.maxStorageBuffersPerShaderStage ?? 8);
  active = state;
  activeKey = found.key;
}

const liveDevices = new Set<{ destroy(): void }>();
/** Dawn aborts the process if it exits with a live device: destroy them first. */
function destroyOnExit(device: { destroy(): void }): void {
  if (liveDevices.size === 0) process.once('exit', () => liveDevices.forEach((d) => d.destroy()));
  liveDevices.add(device);
}
