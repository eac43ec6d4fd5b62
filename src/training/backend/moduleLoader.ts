/**
 * How the optional backend packages are found at run time, and why one did not load in a few words.
 * Tests replace the ModuleLoader to simulate installed, missing or broken packages.
 */
import { createRequire } from 'node:module';

/** Loads a package by name (like `require`), throwing as `require` does when it is missing or broken. */
export type ModuleLoader = (packageName: string) => unknown;

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
