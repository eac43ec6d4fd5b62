/**
 * The dashboard tests drive Debian's Chromium with playwright-core (never a downloaded browser).
 * On a fresh machine this installs it with apt-get when running as root, or says exactly what to install.
 */
import { CHROMIUM_PATH, ensureSystemPackages } from './vscode-test/provision';

try {
  ensureSystemPackages(['chromium']);
  console.log(`chromium: ${CHROMIUM_PATH}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
