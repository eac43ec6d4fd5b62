/**
 * The Python logger's tests, the PyTorch examples and the Transformer's reference checks (test/reference/*.py)
 * run on Debian's Python with its NumPy and PyTorch
 * (`python3-numpy`, `python3-torch`; there is no PyPI here). On a fresh machine this installs them with apt-get
 * when running as root, or says exactly what to install. Nothing is skipped when they are missing: the tests fail.
 */
import { ensureSystemPackages } from './vscode-test/provision';

export const PYTHON = process.env.MTL_PYTHON ?? '/usr/bin/python3';
export const PYTHON_PACKAGES = ['python3', 'python3-numpy', 'python3-torch'] as const;

if (process.argv[1]?.endsWith('ensure-python.ts')) {
  try {
    ensureSystemPackages(PYTHON_PACKAGES);
    console.log(`python: ${PYTHON} (python3-numpy, python3-torch)`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
