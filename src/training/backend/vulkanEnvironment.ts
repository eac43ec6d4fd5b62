/**
 * Linux only: making Dawn find a Vulkan driver on machines without one installed system-wide.
 *
 * Dawn (the `webgpu` package) opens `libvulkan.so.1` with dlopen and asks the Vulkan loader for drivers
 * (ICDs). Many machines without a GPU have neither; Debian's `chromium` package ships both a loader and
 * SwiftShader's software Vulkan driver in /usr/lib/chromium. When the system has no loader or no driver,
 * the process itself adopts Chromium's, so every process that loads Dawn (the worker forked by the
 * extension, `mtl-lab train`, the tests) works alike without anyone passing environment variables along:
 *  - the loader is preloaded by absolute path (dlopen then finds it by its soname, as if
 *    LD_LIBRARY_PATH had named its folder, which glibc reads only when the process starts);
 *  - VK_ICD_FILENAMES and XDG_RUNTIME_DIR are read when Dawn creates its Vulkan instance, so setting
 *    them in process.env before that is enough.
 * A machine with its own loader and drivers (a real GPU) is left untouched: SwiftShader is only a fallback.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CHROMIUM_DIRS = ['/usr/lib/chromium', '/usr/lib/chromium-browser'];
const LOADER = 'libvulkan.so.1';
const SYSTEM_LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib64', '/lib'];
const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];
const SWIFTSHADER_ICD = 'vk_swiftshader_icd.json';

export interface FileSystemView {
  exists(file: string): boolean;
  /** The names in a folder, [] when it does not exist. */
  list(dir: string): string[];
}

export interface VulkanPlan {
  /** A Vulkan loader to preload by absolute path (none on the system). */
  preload?: string;
  /** Variables to set in this process before Dawn starts. */
  env: Record<string, string>;
  /** What was adopted, for the backend's detail line ("SwiftShader from /usr/lib/chromium"). */
  notes: string[];
}

const realFs: FileSystemView = {
  exists: existsSync,
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};

/** What this process needs so Dawn finds a Vulkan loader and a driver; pure given `fs` and `env`. */
export function planVulkanEnvironment(env: NodeJS.ProcessEnv, fs: FileSystemView = realFs, platform: NodeJS.Platform = process.platform): VulkanPlan {
  const plan: VulkanPlan = { env: {}, notes: [] };
  if (platform !== 'linux') return plan;
  const chromium = CHROMIUM_DIRS.find((dir) => fs.exists(path.join(dir, LOADER)) || fs.exists(path.join(dir, SWIFTSHADER_ICD)));
  const libraryDirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...SYSTEM_LIB_DIRS];
  if (!libraryDirs.some((dir) => fs.exists(path.join(dir, LOADER))) && chromium && fs.exists(path.join(chromium, LOADER))) {
    plan.preload = path.join(chromium, LOADER);
    plan.notes.push(`Vulkan loader from ${chromium}`);
  }
  const driverChosen = Boolean(env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES);
  const systemDrivers = ICD_DIRS.some((dir) => fs.list(dir).some((f) => f.endsWith('.json')));
  if (!driverChosen && !systemDrivers && chromium && fs.exists(path.join(chromium, SWIFTSHADER_ICD))) {
    plan.env.VK_ICD_FILENAMES = path.join(chromium, SWIFTSHADER_ICD);
    plan.notes.push(`SwiftShader driver from ${chromium}`);
  }
  // The Vulkan loader and Dawn look for per-user runtime files there; without it Dawn finds no adapter.
  if (!env.XDG_RUNTIME_DIR || !fs.exists(env.XDG_RUNTIME_DIR)) plan.env.XDG_RUNTIME_DIR = path.join(os.tmpdir(), `mtl-lab-runtime-${os.userInfo().uid}`);
  return plan;
}

// glibc's RTLD_NODELETE: keeps the loader mapped after Node's dlopen gives up on it (it is no Node addon).
const RTLD_NODELETE = 0x1000;
let applied: VulkanPlan | undefined;

/** Applies planVulkanEnvironment to this process, once (later calls return the same plan and change nothing). */
export function prepareVulkanEnvironment(): VulkanPlan {
  if (applied) return applied;
  const plan = (applied = planVulkanEnvironment(process.env));
  for (const [key, value] of Object.entries(plan.env)) process.env[key] = value;
  if (plan.env.XDG_RUNTIME_DIR) {
    mkdirSync(plan.env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
    if ((statSync(plan.env.XDG_RUNTIME_DIR).mode & 0o077) !== 0) throw new Error(`${plan.env.XDG_RUNTIME_DIR} must be private to its owner (mode 0700)`);
  }
  if (plan.preload) {
    const { RTLD_NOW, RTLD_GLOBAL } = os.constants.dlopen as Record<string, number>;
    try {
      process.dlopen({ exports: {} } as NodeJS.Module, plan.preload, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
    } catch (error) {
      // Expected: "Module did not self-register" — the library is loaded all the same (RTLD_NODELETE).
      if (!/did not self-register/.test((error as Error).message)) throw error;
    }
  }
  return plan;
}
