/**
 * Debian's Chromium driven by playwright-core (never `playwright install`, which downloads). The flags
 * keep it from reaching for the network (sync, component updates, QUIC probes flood a closed network)
 * and let it run as root in a container.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_PATH } from './provision';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launchChromium(options: { headless?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}. Install it with \`apt-get install -y chromium\` or set MTL_E2E_CHROMIUM to its path.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: options.headless ?? true, args: CHROMIUM_ARGS });
}
