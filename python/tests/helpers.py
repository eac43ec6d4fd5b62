"""Shared test helpers: a temp runs directory, reading a run back, running a script in a child interpreter."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap

PYTHON_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def read_run(run_dir):
    with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
        info = json.load(f)
    with open(os.path.join(run_dir, "metrics.jsonl"), encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    return info, records


def only_run(runs_dir):
    (name,) = os.listdir(runs_dir)
    return os.path.join(runs_dir, name)


def script(source, tmp):
    """Writes a child script that imports mtl_lab from python/ and returns its path."""
    path = os.path.join(tmp, "script.py")
    with open(path, "w", encoding="utf-8") as f:
        f.write("import sys\nsys.path.insert(0, %r)\n" % PYTHON_DIR + textwrap.dedent(source))
    return path


def start(source, tmp, test, env=None):
    """Starts the script in a child interpreter; the test's cleanup kills it if it still runs."""
    child = subprocess.Popen([sys.executable, script(source, tmp)], cwd=tmp, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})

    def end():
        if child.poll() is None:
            child.kill()
        child.communicate()

    test.addCleanup(end)
    return child


def tempdir(test):
    d = tempfile.TemporaryDirectory()
    test.addCleanup(d.cleanup)
    return d.name
