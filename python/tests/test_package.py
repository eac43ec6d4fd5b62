"""``pip install ./python`` works offline (Debian's setuptools, no build isolation) and installs the one module."""

import os
import shutil
import subprocess
import sys
import unittest

from helpers import PYTHON_DIR, tempdir


class PackageTest(unittest.TestCase):
    def test_pip_installs_the_logger_as_one_module(self):
        tmp = tempdir(self)
        source = os.path.join(tmp, "src")
        # A copy, so the build leaves nothing in the repository.
        shutil.copytree(PYTHON_DIR, source, ignore=shutil.ignore_patterns("tests", "__pycache__", "build", "*.egg-info"))
        target = os.path.join(tmp, "site")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-build-isolation", "--no-deps",
                        "--no-index", "--target", target, source], check=True, capture_output=True)
        installed = subprocess.run([sys.executable, "-c", "import mtl_lab; print(mtl_lab.__file__)"], cwd=tmp,
                                   env={**os.environ, "PYTHONPATH": target}, check=True, capture_output=True, text=True)
        self.assertEqual(os.path.dirname(installed.stdout.strip()), target)
        with open(os.path.join(PYTHON_DIR, "mtl_lab.py"), "rb") as a, open(installed.stdout.strip(), "rb") as b:
            self.assertEqual(a.read(), b.read())


if __name__ == "__main__":
    unittest.main()
