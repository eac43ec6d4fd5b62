/**
 * SVG figures to PNG through a headless Chromium, when the machine has one (Node has no rasteriser of its own):
 * `MTL_LAB_CHROMIUM`, else `chromium`, `chromium-browser`, `google-chrome` on PATH. Each file is loaded from
 * disk and screenshot at twice its size (`--force-device-scale-factor=2`), so a figure is print-sharp.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome'];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.MTL_LAB_CHROMIUM) return env.MTL_LAB_CHROMIUM;
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of CANDIDATES) {
      const file = path.join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Writes `png` from `svgFile` (width × height CSS pixels); rejects with Chromium's message on failure. */
export function svgFileToPng(chromium: string, svgFile: string, png: string, width: number, height: number): Promise<void> {
  const args = ['--headless', '--disable-gpu', '--no-sandbox', '--hide-scrollbars', '--force-device-scale-factor=2', `--window-size=${width},${height}`, `--screenshot=${png}`, pathToFileURL(path.resolve(svgFile)).href];
  return new Promise((resolve, reject) => {
    execFile(chromium, args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(chromium)} could not draw ${path.basename(svgFile)}: ${(stderr || error.message).trim().split('\n').slice(-1)[0]}`));
      else resolve();
    });
  });
}
