/**
 * The unit tests check the Transformer against PyTorch (test/reference/*.py run by Debian's /usr/bin/python3).
 * On a fresh machine this installs python3-torch with apt-get when running as root, or says exactly what to install.
 */
import { ensureSystemPackages } from './vscode-test/provision';

try {
  ensureSystemPackages(['python3-torch']);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
