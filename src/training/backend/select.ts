/**
 * Choosing and loading the TensorFlow.js backend, and saying out loud which one and why.
 *
 * Order for "auto": tensorflow-gpu (CUDA, `@tensorflow/tfjs-node-gpu`), webgpu (Dawn: Metal, Vulkan,
 * Direct3D 12; hardware adapters only), tensorflow (native CPU, `@tensorflow/tfjs-node`), wasm, cpu
 * (plain JS). The native and WebGPU packages are optional dependencies, often absent: they are looked up
 * at run time through a `ModuleLoader`, which tests replace to simulate installed / missing / broken
 * modules. An explicit choice that cannot load is an error, never a silent fallback.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// Gradients are registered by a side-effect module that tfjs-core's entry point does not import.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BackendName } from '../config/schema';
import type { GpuAdapter } from '../run/records';
import { explainLoadError, nodeModuleLoader, type ModuleLoader } from './moduleLoader';
import { activateWebgpu, adapterSummary, findAdapter, WebgpuUnavailable } from './webgpu';

export { explainLoadError, nodeModuleLoader, type ModuleLoader };

export type ConcreteBackend = Exclude<BackendName, 'auto'>;
export const AUTO_ORDER: readonly ConcreteBackend[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

const NATIVE_PACKAGES: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

export interface BackendAttempt {
  name: ConcreteBackend;
  ok: boolean;
  /** Why it was not chosen, or what was loaded. */
  detail: string;
  /** webgpu: the adapter Dawn offered, also when it was not chosen (auto skips software adapters). */
  adapter?: GpuAdapter;
}

export interface BackendSelection {
  name: ConcreteBackend;
  attempts: BackendAttempt[];
  /** One line for logs and the `backend-selected` event. */
  message: string;
  /** The adapter trained on (webgpu). */
  adapter?: GpuAdapter;
  /** Something the user should know about the choice (an explicit webgpu on a software adapter). */
  warning?: string;
  /** auto with a GPU adapter: the timed steps that chose between it and the best CPU backend. */
  calibration?: Calibration;
}

/**
 * Times a few training steps of the run's own model and batch on the active backend (`backend` names
 * it): milliseconds per step after a warm-up step. Given to `selectBackend` by whoever knows the run.
 */
export type StepTimer = (backend: ConcreteBackend) => Promise<number>;

export interface Calibration {
  /** Milliseconds per step, per candidate; null where the candidate failed at the run's sizes. */
  msPerStep: Partial<Record<ConcreteBackend, number | null>>;
  /** Why a candidate failed while being timed (e.g. a tensor past the adapter's limits). */
  errors?: Partial<Record<ConcreteBackend, string>>;
  chosen: ConcreteBackend;
}

export interface SelectOptions {
  /** auto only: with a hardware GPU adapter, time it against the best CPU backend and keep the faster. */
  calibrate?: StepTimer;
}

export class BackendError extends Error {
  constructor(
    message: string,
    readonly attempts: BackendAttempt[],
  ) {
    super(message);
    this.name = 'BackendError';
  }
}

function wasmBinaryDir(): string {
  // In dist/ the build copies the .wasm files beside the bundle; from source, use the package's own.
  if (existsSync(path.join(__dirname, 'tfjs-backend-wasm-simd.wasm'))) return __dirname;
  const req = createRequire(__filename);
  return path.join(path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
}

async function tryNative(name: 'tensorflow-gpu' | 'tensorflow', loader: ModuleLoader): Promise<string> {
  const pkg = NATIVE_PACKAGES[name];
  try {
    loader(pkg);
  } catch (error) {
    throw new Error(explainLoadError(pkg, error));
  }
  // Both native packages register the backend under the name "tensorflow" in the shared global engine.
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the module loaded but its backend failed to initialise');
  if (name === 'tensorflow-gpu') {
    const usingGpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
    if (usingGpu === false) throw new Error('TensorFlow loaded but sees no CUDA GPU (check the driver, CUDA 11.2 and cuDNN 8.1)');
  }
  return `${pkg} loaded`;
}

async function tryWasm(): Promise<string> {
  const dir = wasmBinaryDir();
  setWasmPaths(dir + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error(`the WebAssembly binaries in ${dir} failed to initialise`);
  return 'WebAssembly (SIMD) loaded';
}

async function tryCpu(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the plain JavaScript backend failed to initialise');
  return 'plain JavaScript';
}

/** How a backend is being tried: `auto` refuses software GPUs; `explicit` and `probe` accept them. */
type TryMode = 'auto' | 'explicit' | 'probe';

interface Loaded {
  detail: string;
  adapter?: GpuAdapter;
}

async function tryWebgpu(loader: ModuleLoader, mode: TryMode): Promise<Loaded> {
  const found = await findAdapter(loader);
  const summary = adapterSummary(found.info);
  if (found.info.software && mode === 'auto') {
    throw new WebgpuUnavailable(`${summary}: auto never picks a software adapter (it is slower than the CPU backends); "backend": "webgpu" uses it anyway`, found.info);
  }
  await activateWebgpu(found, loader);
  const note = found.info.software && mode === 'probe' ? '; auto skips a software adapter, "backend": "webgpu" uses it' : '';
  return { detail: summary + note, adapter: found.info };
}

async function tryBackend(name: ConcreteBackend, loader: ModuleLoader, mode: TryMode): Promise<Loaded> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return { detail: await tryNative(name, loader) };
    case 'webgpu':
      return tryWebgpu(loader, mode);
    case 'wasm':
      return { detail: await tryWasm() };
    case 'cpu':
      return { detail: await tryCpu() };
  }
}

function failedAttempt(name: ConcreteBackend, error: unknown): BackendAttempt {
  const adapter = error instanceof WebgpuUnavailable ? error.adapter : undefined;
  return { name, ok: false, detail: (error as Error).message, ...(adapter ? { adapter } : {}) };
}

/**
 * Loads and activates a backend. "auto" walks AUTO_ORDER and keeps the first that loads, remembering
 * why each earlier one did not; an explicit name either loads or throws BackendError.
 */
export async function selectBackend(requested: BackendName, loader: ModuleLoader = nodeModuleLoader(), options: SelectOptions = {}): Promise<BackendSelection> {
  // Production mode: no debug checks, and no console advert for tfjs-node (we say which backend runs, and why).
  tf.enableProdMode();
  const candidates = requested === 'auto' ? AUTO_ORDER : [requested];
  const attempts: BackendAttempt[] = [];
  for (const name of candidates) {
    try {
      const { detail, adapter } = await tryBackend(name, loader, requested === 'auto' ? 'auto' : 'explicit');
      attempts.push({ name, ok: true, detail, ...(adapter ? { adapter } : {}) });
      if (name === 'webgpu' && requested === 'auto' && options.calibrate) return await calibrated(attempts, loader, options.calibrate);
      const others = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.detail}`);
      const warning = adapter?.software ? `training on a software GPU (${adapter.description}): correct but slower than the wasm or cpu backends` : undefined;
      const message = `backend ${name} (${detail})` + (others.length ? `; not chosen: ${others.join('; ')}` : '') + (warning ? `; ${warning}` : '');
      return { name, attempts, message, ...(adapter ? { adapter } : {}), ...(warning ? { warning } : {}) };
    } catch (error) {
      attempts.push(failedAttempt(name, error));
    }
  }
  const reasons = attempts.map((a) => `${a.name}: ${a.detail}`).join('; ');
  throw new BackendError(
    requested === 'auto' ? `no TensorFlow.js backend could be loaded (${reasons})` : `backend "${requested}" cannot be used: ${reasons}`,
    attempts,
  );
}

const formatMs = (ms: number | null | undefined) => (ms == null ? 'failed' : `${ms >= 100 ? Math.round(ms) : ms.toPrecision(3)} ms/step`);

/**
 * auto found a GPU adapter: a GPU is not faster for every model (small ones are often quicker on the
 * CPU, where no kernel launch or read-back waits), so the next CPU backend in AUTO_ORDER is loaded too,
 * both are timed on the run's own model and batch, and the faster one stays active.
 */
async function calibrated(attempts: BackendAttempt[], loader: ModuleLoader, timer: StepTimer): Promise<BackendSelection> {
  const gpu = attempts[attempts.length - 1];
  let cpu: ConcreteBackend | undefined;
  for (const name of AUTO_ORDER.slice(AUTO_ORDER.indexOf('webgpu') + 1)) {
    try {
      attempts.push({ name, ok: true, detail: (await tryBackend(name, loader, 'auto')).detail });
      cpu = name;
      break;
    } catch (error) {
      attempts.push(failedAttempt(name, error));
    }
  }
  const msPerStep: Calibration['msPerStep'] = {};
  const errors: NonNullable<Calibration['errors']> = {};
  const time = async (name: ConcreteBackend) => {
    if (!(await tf.setBackend(name))) throw new Error(`backend ${name} failed to activate`);
    try {
      msPerStep[name] = await timer(name);
    } catch (error) {
      msPerStep[name] = null;
      errors[name] = (error as Error).message;
    }
  };
  if (cpu) await time(cpu);
  await time('webgpu');
  const gpuMs = msPerStep.webgpu ?? Infinity;
  const chosen: ConcreteBackend = cpu && (msPerStep[cpu] ?? Infinity) < gpuMs ? cpu : 'webgpu';
  if (!(await tf.setBackend(chosen))) throw new BackendError(`backend ${chosen} failed to activate after calibration`, attempts);
  const calibration: Calibration = { msPerStep, ...(Object.keys(errors).length ? { errors } : {}), chosen };
  const figures = Object.entries(msPerStep).map(([name, ms]) => `${name} ${formatMs(ms)}${errors[name as ConcreteBackend] ? ` (${errors[name as ConcreteBackend]})` : ''}`);
  const chosenAttempt = attempts.find((a) => a.name === chosen)!;
  const others = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.detail}`);
  const message =
    `backend ${chosen} (${chosenAttempt.detail}); calibrated on the run's model and batch: ${figures.join(', ')}` +
    (chosen === 'webgpu' ? '' : `, so the GPU (${gpu.detail}) is not used; "backend": "webgpu" pins it`) +
    (others.length ? `; not chosen: ${others.join('; ')}` : '');
  return { name: chosen, attempts, message, calibration, ...(chosen === 'webgpu' && gpu.adapter ? { adapter: gpu.adapter } : {}) };
}

/**
 * Which backends could load here, without keeping any of them active (for `mtl-lab backends` and the
 * extension's `Check Training Backends`). Each is tried in turn; the last one that loaded stays set.
 */
export async function probeBackends(loader: ModuleLoader = nodeModuleLoader()): Promise<BackendAttempt[]> {
  tf.enableProdMode();
  const results: BackendAttempt[] = [];
  for (const name of AUTO_ORDER) {
    try {
      const { detail, adapter } = await tryBackend(name, loader, 'probe');
      results.push({ name, ok: true, detail, ...(adapter ? { adapter } : {}) });
    } catch (error) {
      results.push(failedAttempt(name, error));
    }
  }
  return results;
}
