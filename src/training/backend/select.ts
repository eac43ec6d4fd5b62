/**
 * Choosing and loading the TensorFlow.js backend, and saying out loud which one and why.
 *
 * Order for "auto": tensorflow-gpu (CUDA, `@tensorflow/tfjs-node-gpu`), tensorflow (native CPU,
 * `@tensorflow/tfjs-node`), wasm, cpu (plain JS). The native packages are optional dependencies that
 * download libtensorflow at install time, so they are often absent: they are looked up at run time
 * through a `ModuleLoader`, which tests replace to simulate installed / missing / broken modules.
 * An explicit choice that cannot load is an error, never a silent fallback.
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

export type ConcreteBackend = Exclude<BackendName, 'auto'>;
export const AUTO_ORDER: readonly ConcreteBackend[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

const NATIVE_PACKAGES: Record<'tensorflow-gpu' | 'tensorflow', string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

/** Loads a package by name (like `require`), throwing as `require` does when it is missing or broken. */
export type ModuleLoader = (packageName: string) => unknown;

export interface BackendAttempt {
  name: ConcreteBackend;
  ok: boolean;
  /** Why it was not chosen, or what was loaded. */
  detail: string;
}

export interface BackendSelection {
  name: ConcreteBackend;
  attempts: BackendAttempt[];
  /** One line for logs and the `backend-selected` event. */
  message: string;
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

/** The default loader: Node's `require`, also searching `extraPaths` (e.g. the extension's global storage). */
export function nodeModuleLoader(extraPaths: readonly string[] = []): ModuleLoader {
  const req = createRequire(__filename);
  return (packageName) => {
    const resolved = req.resolve(packageName, { paths: [...extraPaths, process.cwd(), __dirname] });
    return req(resolved);
  };
}

/** Turns a load failure into the short reason users see ("module not installed", "libcudart.so.11.0 not found"). */
export function explainLoadError(packageName: string, error: unknown): string {
  const err = error as { code?: string; message?: string };
  const message = String(err?.message ?? error);
  if (err?.code === 'MODULE_NOT_FOUND' && message.includes(`'${packageName}'`)) return 'module not installed';
  const sharedLib = /([\w.+-]+\.so(?:\.[\d.]+)?): cannot open shared object file/.exec(message);
  if (sharedLib) return `${sharedLib[1]} not found`;
  const dll = /([\w.-]+\.dll)/i.exec(message);
  if (dll && /not found|could not be found|cannot find/i.test(message)) return `${dll[1]} not found`;
  return message.split('\n')[0].trim() || 'failed to load';
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

async function tryBackend(name: ConcreteBackend, loader: ModuleLoader): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNative(name, loader);
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return tryCpu();
  }
}

/**
 * Loads and activates a backend. "auto" walks AUTO_ORDER and keeps the first that loads, remembering
 * why each earlier one did not; an explicit name either loads or throws BackendError.
 */
export async function selectBackend(requested: BackendName, loader: ModuleLoader = nodeModuleLoader()): Promise<BackendSelection> {
  // Production mode: no debug checks, and no console advert for tfjs-node (we say which backend runs, and why).
  tf.enableProdMode();
  const candidates = requested === 'auto' ? AUTO_ORDER : [requested];
  const attempts: BackendAttempt[] = [];
  for (const name of candidates) {
    try {
      const detail = await tryBackend(name, loader);
      attempts.push({ name, ok: true, detail });
      const others = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.detail}`);
      const message = `backend ${name} (${detail})` + (others.length ? `; not chosen: ${others.join('; ')}` : '');
      return { name, attempts, message };
    } catch (error) {
      attempts.push({ name, ok: false, detail: (error as Error).message });
    }
  }
  const reasons = attempts.map((a) => `${a.name}: ${a.detail}`).join('; ');
  throw new BackendError(
    requested === 'auto' ? `no TensorFlow.js backend could be loaded (${reasons})` : `backend "${requested}" cannot be used: ${reasons}`,
    attempts,
  );
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
      results.push({ name, ok: true, detail: await tryBackend(name, loader) });
    } catch (error) {
      results.push({ name, ok: false, detail: (error as Error).message });
    }
  }
  return results;
}
