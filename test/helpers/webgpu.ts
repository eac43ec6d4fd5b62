/** Test helpers for the webgpu backend: a loader without the native packages, and injected adapters. */
import { nodeModuleLoader, type ModuleLoader } from '../../src/training/backend/moduleLoader';
import { findAdapter, type AdapterLike } from '../../src/training/backend/webgpu';

/** Only the native TensorFlow packages are "missing"; webgpu, wasm and cpu load for real. */
export const withoutNative: ModuleLoader = (pkg) => {
  if (pkg.startsWith('@tensorflow/tfjs-node')) throw Object.assign(new Error(`Cannot find module '${pkg}'`), { code: 'MODULE_NOT_FOUND' });
  return nodeModuleLoader()(pkg);
};

type Device = Awaited<ReturnType<AdapterLike['requestDevice']>>;

/**
 * Dawn's real adapter behind a different name and limits (what another machine would report).
 * `onDevice` sees the device opened on it (a test can make it "lost").
 */
export async function injectedAdapter(info: Partial<AdapterLike['info']>, limits: Record<string, number> = {}, onDevice?: (device: Device) => Device): Promise<ModuleLoader> {
  const real = await findAdapter(withoutNative);
  const adapter: AdapterLike = {
    info: { ...real.adapter.info, ...info },
    limits: new Proxy(real.adapter.limits, { get: (target, key: string) => limits[key] ?? target[key] }),
    features: real.adapter.features,
    requestDevice: async (descriptor) => {
      const device = await real.adapter.requestDevice(descriptor);
      return onDevice ? onDevice(device) : device;
    },
  };
  const dawn = { create: () => ({ requestAdapter: async () => adapter }), globals: real.globals };
  return (pkg) => (pkg === 'webgpu' ? dawn : withoutNative(pkg));
}
