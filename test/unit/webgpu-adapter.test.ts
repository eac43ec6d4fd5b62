/**
 * The webgpu backend without a GPU: which adapters count as software, how Chromium's Vulkan loader and
 * SwiftShader are adopted, and what auto records when Dawn offers no adapter or a software one (injected
 * `webgpu` modules; the real adapter is exercised in test/worker/webgpu*.test.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { selectBackend, type ModuleLoader } from '../../src/training/backend/select';
import { planVulkanEnvironment, type FileSystemView } from '../../src/training/backend/vulkanEnvironment';
import { adapterSummary, describeAdapter, formatBytes, isSoftwareAdapter, type AdapterLike } from '../../src/training/backend/webgpu';

const fakeFs = (files: string[]): FileSystemView => ({
  exists: (f) => files.some((x) => x === f || x.startsWith(`${f}/`)),
  list: (dir) => files.filter((x) => x.startsWith(`${dir}/`)).map((x) => x.slice(dir.length + 1)),
});
const chromium = ['/usr/lib/chromium/libvulkan.so.1', '/usr/lib/chromium/vk_swiftshader_icd.json'];
const runtime = { XDG_RUNTIME_DIR: '/run/user/1000' };

describe('Vulkan environment (Linux)', () => {
  it('adopts Chromium\'s loader and SwiftShader when the system has neither', () => {
    const plan = planVulkanEnvironment(runtime, fakeFs([...chromium, '/run/user/1000']), 'linux');
    assert.equal(plan.preload, '/usr/lib/chromium/libvulkan.so.1');
    assert.deepEqual(plan.env, { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' });
    assert.deepEqual(plan.notes, ['Vulkan loader from /usr/lib/chromium', 'SwiftShader driver from /usr/lib/chromium']);
  });

  it('leaves a machine with its own loader and GPU driver alone', () => {
    const files = [...chromium, '/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/share/vulkan/icd.d/nvidia_icd.json', '/run/user/1000'];
    assert.deepEqual(planVulkanEnvironment(runtime, fakeFs(files), 'linux'), { env: {}, notes: [] });
  });

  it('never overrides a driver the user chose, and creates a runtime directory when there is none', () => {
    const plan = planVulkanEnvironment({ VK_ICD_FILENAMES: '/opt/my_icd.json' }, fakeFs(chromium), 'linux');
    assert.equal(plan.env.VK_ICD_FILENAMES, undefined);
    assert.match(plan.env.XDG_RUNTIME_DIR ?? '', /mtl-lab-runtime-\d+$/);
  });

  it('does nothing on macOS and Windows (Metal, Direct3D 12)', () => {
    assert.deepEqual(planVulkanEnvironment({}, fakeFs(chromium), 'darwin'), { env: {}, notes: [] });
    assert.deepEqual(planVulkanEnvironment({}, fakeFs(chromium), 'win32'), { env: {}, notes: [] });
  });
});

const info = (vendor: string, architecture: string, description: string, isFallbackAdapter = false) => ({ vendor, architecture, description, isFallbackAdapter });

describe('adapters', () => {
  it('tells software adapters from GPUs', () => {
    assert.equal(isSoftwareAdapter(info('google', 'swiftshader', 'SwiftShader driver 5.0.0')), true);
    assert.equal(isSoftwareAdapter(info('mesa', '', 'llvmpipe (LLVM 15.0.6, 256 bits)')), true);
    assert.equal(isSoftwareAdapter(info('microsoft', '', 'Microsoft Basic Render Driver')), true);
    assert.equal(isSoftwareAdapter(info('x', 'y', 'z', true)), true, 'Dawn\'s own fallback flag');
    assert.equal(isSoftwareAdapter(info('apple', 'metal-3', 'Apple M2')), false);
    assert.equal(isSoftwareAdapter(info('nvidia', 'ada', 'NVIDIA GeForce RTX 4070')), false);
  });

  it('summarises an adapter with its Dawn backend and limits', () => {
    const adapter = { info: info('apple', 'metal-3', 'Apple M2'), limits: { maxBufferSize: 4 * 2 ** 30, maxStorageBufferBindingSize: 128 * 2 ** 20 } } as unknown as AdapterLike;
    const described = describeAdapter(adapter, 'metal');
    assert.deepEqual(described, { vendor: 'apple', architecture: 'metal-3', description: 'Apple M2', dawnBackend: 'metal', software: false, maxBufferSize: 4294967296, maxStorageBufferBindingSize: 134217728 });
    assert.equal(adapterSummary(described), 'GPU Apple M2 (apple metal-3, Dawn metal; max buffer 4 GiB, max storage binding 128 MiB)');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(100), '100 B');
  });
});

/** A `webgpu` module whose only adapter is `adapter` (or none); the native packages are missing. */
function dawnWith(adapter: Partial<AdapterLike> | null): ModuleLoader {
  const dawn = { create: () => ({ requestAdapter: async () => adapter }), globals: {} };
  return (pkg) => {
    if (pkg === 'webgpu') return dawn;
    throw Object.assign(new Error(`Cannot find module '${pkg}'`), { code: 'MODULE_NOT_FOUND' });
  };
}

describe('auto and webgpu without a usable GPU', () => {
  it('records why there is no adapter and goes on to wasm', async () => {
    const s = await selectBackend('auto', dawnWith(null));
    assert.equal(s.name, 'wasm');
    const webgpu = s.attempts.find((a) => a.name === 'webgpu')!;
    assert.equal(webgpu.ok, false);
    assert.match(webgpu.detail, process.platform === 'linux' ? /^Dawn found no Vulkan driver it can use/ : /^Dawn found no (Metal|Direct3D 12) adapter/);
  });

  it('skips a software adapter with the reason and the adapter in the attempt', async () => {
    const software = { info: info('google', 'swiftshader', 'SwiftShader driver 5.0.0', true), limits: { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30 } };
    const s = await selectBackend('auto', dawnWith(software));
    assert.equal(s.name, 'wasm');
    const webgpu = s.attempts.find((a) => a.name === 'webgpu')!;
    assert.match(webgpu.detail, /^software adapter SwiftShader driver 5\.0\.0 \(google swiftshader, Dawn \w+; max buffer 1 GiB, max storage binding 1 GiB\): auto never picks a software adapter/);
    assert.equal(webgpu.adapter?.software, true);
  });

  it('an explicit webgpu without the package says so', async () => {
    const missing: ModuleLoader = (pkg) => {
      throw Object.assign(new Error(`Cannot find module '${pkg}'`), { code: 'MODULE_NOT_FOUND' });
    };
    await assert.rejects(selectBackend('webgpu', missing), /backend "webgpu" cannot be used: webgpu: module not installed/);
  });
});
