"""Log a training run of your own program (PyTorch or anything else) into an MTL Lab run directory.

Standard library only, one file: ``pip install ./python`` or copy this file beside your script. The records
follow the published contract in docs/schemas/ (record format version 1)::

    import mtl_lab
    with mtl_lab.open_run("hard-sharing", config=cfg, total_steps=1000) as run:
        for step in range(1, 1001):
            ...
            run.train(step, losses={"a": la, "b": lb}, weights={"a": 0.5, "b": 0.5})
        run.eval(step, {"a": {"loss": va}, "b": {"loss": vb}})

Started by MTL Lab (``mtl-lab train`` or Start Run on a ``"program"`` experiment), the run directory comes from
the ``MTL_LAB_RUN_DIR`` environment variable and the sweep/study values from ``MTL_LAB_OVERRIDES``
(see :func:`overrides`). Values may be Python numbers, NumPy arrays or PyTorch tensors.

What the logger guarantees: run.json is replaced atomically (temp file + rename); each record is appended as one
whole line at once, so metrics.jsonl is current within the call (well inside the contract's one second); an
exception that leaves the ``with`` block (or reaches the interpreter) marks the run ``failed`` with the
traceback's last line; SIGINT and SIGTERM call ``on_stop`` (your checkpoint), mark the run ``stopped`` and exit
with 130 / 143. ``sys.exit(code)`` before the run is closed completes it for code 0 / None and fails it otherwise
("the script exited with code 1 before closing the run"). Python gives atexit handlers no exit code, so outside a
``with`` block the logger learns it by wrapping ``sys.exit`` while a run is open: ``raise SystemExit(1)`` or the
``exit()`` builtin there, outside a ``with`` block, still complete the run; ``os._exit`` runs no handler at all (the
run stays ``running`` until MTL Lab sees the process gone and marks it failed).

Started by MTL Lab, the program also watches its launcher: MTL Lab holds one end of a pipe whose other end the
program gets as file descriptor ``MTL_LAB_PARENT_FD``. When the launcher dies (killed, or VS Code's extension host
ended), the kernel closes its end and a reader sees end-of-file; the logger then stops the program as SIGTERM would
(``on_stop`` runs) but marks the run ``failed`` ("MTL Lab's launcher ended ..."), as MTL Lab marks a run whose
built-in worker died. A program without a run open yet simply ends by SIGTERM; MTL Lab then finds run.json still
``running`` with the launcher's dead pid and marks it failed. Programs that do not import this module can watch the
same descriptor themselves.
"""

import json
import math
import os
import signal
import sys
import threading
import time
import traceback
from datetime import datetime, timezone

__all__ = ["open_run", "Run", "matrix", "conflict_matrix", "overrides", "params", "apply_overrides",
           "RECORD_FORMAT_VERSION", "ENV_RUN_DIR", "ENV_OVERRIDES", "ENV_PARAMS"]

RECORD_FORMAT_VERSION = 1
ENV_RUN_DIR = "MTL_LAB_RUN_DIR"
ENV_OVERRIDES = "MTL_LAB_OVERRIDES"
ENV_EXPERIMENT_FILE = "MTL_LAB_EXPERIMENT_FILE"
ENV_TOTAL_STEPS = "MTL_LAB_TOTAL_STEPS"
ENV_PARAMS = "MTL_LAB_PARAMS"
ENV_PARENT_FD = "MTL_LAB_PARENT_FD"
# Keys of an existing run.json (written by MTL Lab before the program started) that the program's run.json keeps.
_KEPT_KEYS = ("cluster", "baseline", "baselines")
# After the launcher is gone: how long the stop (on_stop, your checkpoint) may take before the program is ended.
ORPHAN_GRACE_SECONDS = 20
STATUSES = ("queued", "running", "completed", "stopped", "failed")
# The collapse alert's thresholds, as MTL Lab's learned softmax weighting uses them (with hysteresis).
COLLAPSE_ENTROPY, COLLAPSE_MAX_WEIGHT, RECOVER_ENTROPY, RECOVER_MAX_WEIGHT = 0.3, 0.9, 0.5, 0.8


# ------------------------------------------------------------------------------------------- values


def _plain(value):
    """A JSON-ready number or nested list from Python numbers, NumPy arrays/scalars or PyTorch tensors."""
    if hasattr(value, "detach"):  # torch.Tensor: off the graph and the GPU first
        value = value.detach().cpu()
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return float(value)
    return float(value)


def _number_map(values, what):
    if not isinstance(values, dict):
        raise TypeError("%s must be a dict of task name -> number, got %r" % (what, type(values).__name__))
    out = {}
    for key, value in values.items():
        number = _plain(value)
        if isinstance(number, list):
            raise TypeError("%s[%r] must be one number, got a list" % (what, key))
        out[str(key)] = number
    return out


def _finite(value):
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return not isinstance(value, float) or math.isfinite(value)


def _now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _process_start_ticks(pid):
    """Field 22 of /proc/<pid>/stat (Linux): lets a reader tell this process from a later one with the same pid."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        return int(stat[stat.rindex(")") + 2:].split(" ")[22 - 3])
    except (OSError, ValueError, IndexError):
        return None


def _write_atomic(path, text):
    tmp = "%s.tmp-%d-%s" % (path, os.getpid(), os.urandom(3).hex())
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------ matrices


class Matrix:
    """A named matrix with its description (title, row and column labels, unit), e.g. attention (task x tower)."""

    def __init__(self, values, rows, columns, title, description="", row_axis="row", column_axis="column",
                 unit="weight", signed=False, symmetric=False):
        self.values = _plain(values)
        if not (isinstance(self.values, list) and all(isinstance(r, list) for r in self.values)):
            raise ValueError("a matrix needs 2-D values (rows of numbers)")
        self.info = {
            "title": str(title), "description": str(description), "rowAxis": str(row_axis),
            "columnAxis": str(column_axis), "rows": [str(r) for r in rows], "columns": [str(c) for c in columns],
            "unit": str(unit), "signed": bool(signed),
        }
        if symmetric:
            self.info["symmetric"] = True
        if len(self.info["rows"]) != len(self.values) or any(len(r) != len(self.info["columns"]) for r in self.values):
            raise ValueError("matrix %r: %d x %d values for %d row and %d column labels" % (
                title, len(self.values), max([len(r) for r in self.values] or [0]), len(rows), len(columns)))


def matrix(values, rows, columns, title, **description):
    """A :class:`Matrix` to pass in ``run.train(matrices={name: ...})``; see Matrix for the keyword arguments."""
    return Matrix(values, rows, columns, title, **description)


def conflict_matrix(cosines, tasks):
    """The gradient cosine matrix (task x task), described as MTL Lab's own runs describe it."""
    return Matrix(cosines, tasks, tasks, "Gradient cosine",
                  "cosine of the per-task gradients on the shared parameters (< 0: conflict)",
                  row_axis="task", column_axis="task", unit="cosine", signed=True, symmetric=True)


# ----------------------------------------------------------------------------------------- overrides


def _parse_value(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def overrides(argv=None, environ=None):
    """The values a sweep or study sets for this run: ``{"optimizer.learningRate": 0.01, ...}``.

    From ``MTL_LAB_OVERRIDES`` (a JSON object MTL Lab passes) and then ``--set path=value`` arguments (values
    read as JSON where they parse, else as strings), later ones winning.
    """
    environ = os.environ if environ is None else environ
    argv = sys.argv[1:] if argv is None else argv
    out = {}
    text = environ.get(ENV_OVERRIDES)
    if text:
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError("%s must hold a JSON object of path -> value" % ENV_OVERRIDES)
        out.update(value)
    for i, arg in enumerate(argv):
        pair = argv[i + 1] if arg == "--set" and i + 1 < len(argv) else arg[6:] if arg.startswith("--set=") else None
        if pair is not None and "=" in pair:
            path, text = pair.split("=", 1)
            out[path] = _parse_value(text)
    return out


def params(defaults=None, environ=None):
    """Your hyperparameters: ``defaults`` updated with the experiment's resolved ``program.params`` (``MTL_LAB_PARAMS``,
    sweep and ``--set program.params.x=...`` values applied by MTL Lab)."""
    environ = os.environ if environ is None else environ
    out = dict(defaults or {})
    out.update(json.loads(environ.get(ENV_PARAMS) or "{}"))
    return out


def apply_overrides(config, values):
    """A copy of the nested dict ``config`` with each dotted path of ``values`` set."""
    config = json.loads(json.dumps(config))
    for path, value in values.items():
        node = config
        keys = path.split(".")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return config


# ------------------------------------------------------------------------------------------------ run


def _make_run_id(name, now=None):
    now = now or datetime.now()
    return "%s-%s-%s" % (name, now.strftime("%Y%m%d-%H%M%S"), os.urandom(2).hex())


class Run:
    """An open run directory. Use :func:`open_run` to make one; every method may be called from the training loop."""

    def __init__(self, run_dir, info, backend, batch_size=None, on_stop=None, collapse_alert=False):
        self.run_dir = run_dir
        self._collapse_alert = collapse_alert
        self._collapsed = False
        self.info = info
        self.on_stop = on_stop
        self._backend = backend
        self._batch_size = batch_size
        self._described = set()
        self._last_eval = None
        self._best = None  # (mean validation loss, step)
        self._started = time.time()
        self._last_info_write = 0.0
        self._last_train = None  # (time, step) for samples/s
        self._closed = False
        self._stopping = False
        self._fd = os.open(os.path.join(run_dir, "metrics.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._write_info()

    # --- records

    @property
    def step(self):
        return self.info["step"]

    def _append(self, record):
        if self._closed:
            raise RuntimeError("run %s is already %s" % (self.info["id"], self.info["status"]))
        data = (json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n").encode("utf-8")
        # One write of the whole line on an O_APPEND descriptor: readers see whole records or a torn tail.
        while data:
            data = data[os.write(self._fd, data):]

    def train(self, step, losses, total_loss=None, weights=None, epoch=0, matrices=None, conflict=None,
              samples_per_second=None):
        """One training step: per-task (unweighted) losses, the objective minimised (default sum of w*L), the task
        weights (default 1 each), named matrices ({name: Matrix or 2-D values}) and the gradient cosines (K x K
        in ``losses`` order)."""
        losses = _number_map(losses, "losses")
        weights = _number_map(weights, "weights") if weights is not None else {t: 1.0 for t in losses}
        total = _plain(total_loss) if total_loss is not None else sum(weights.get(t, 1.0) * l for t, l in losses.items())
        record = {"kind": "train", "step": int(step), "epoch": int(epoch), "time": time.time() * 1000,
                  "losses": losses, "totalLoss": total, "weights": weights,
                  "samplesPerSecond": self._samples_per_second(int(step), samples_per_second)}
        named = dict(matrices or {})
        if conflict is not None:
            named["conflict"] = conflict if isinstance(conflict, Matrix) else conflict_matrix(conflict, list(losses))
        if named:
            record["matrices"] = {}
            for name, value in named.items():
                if isinstance(value, Matrix):
                    record["matrices"][name] = value.values
                    if name not in self._described:
                        record.setdefault("matrixInfo", {})[name] = value.info
                        self._described.add(name)
                else:
                    record["matrices"][name] = _plain(value)
        if not _finite(record):
            self.event("loss-not-finite", "step %d: a logged value is not finite (NaN or infinite); record not written" % step,
                       level="warning", step=int(step), data={"losses": {t: repr(v) for t, v in losses.items()}})
            return
        self._append(record)
        self.info["step"] = max(self.info["step"], int(step))
        if self._collapse_alert:
            self._watch_collapse(int(step), weights)
        if time.time() - self._last_info_write > 2:  # run.json's step roughly current without a rewrite per step
            self._write_info()

    def _watch_collapse(self, step, weights):
        """MTL Lab's collapse alert for learned weights (as its own learned softmax): warn when the normalised
        entropy of p = w / sum(w) drops below 0.3 or max p exceeds 0.9; clear once it is above 0.5 and below 0.8."""
        total = sum(weights.values())
        if len(weights) < 2 or total <= 0:
            return
        p = {t: w / total for t, w in weights.items()}
        entropy = -sum(v * math.log(v) for v in p.values() if v > 0) / math.log(len(p))
        top = max(p, key=p.get)
        named = ", ".join("%s %.3f" % (t, v) for t, v in p.items())
        data = {"weights": list(p.values()), "entropy": entropy}
        if not self._collapsed and (entropy < COLLAPSE_ENTROPY or p[top] > COLLAPSE_MAX_WEIGHT):
            self._collapsed = True
            self.event("weights-collapsed", "task weights collapsed at step %d onto %r (%s; normalised entropy %.3f)"
                       % (step, top, named, entropy), level="warning", step=step, data=data)
        elif self._collapsed and entropy > RECOVER_ENTROPY and p[top] < RECOVER_MAX_WEIGHT:
            self._collapsed = False
            self.event("weights-recovered", "task weights spread again at step %d (%s)" % (step, named), step=step, data=data)

    def _samples_per_second(self, step, given):
        if given is not None:
            return _plain(given)
        now = time.time()
        last, self._last_train = self._last_train, (now, step)
        if not self._batch_size or last is None or now <= last[0] or step <= last[1]:
            return 0.0
        return self._batch_size * (step - last[1]) / (now - last[0])

    def eval(self, step, metrics, epoch=0):
        """Validation metrics per task: ``{"task": {"loss": ..., "accuracy": ..., "rmse": ..., "mae": ...}}``."""
        plain = {str(t): _number_map(m, "metrics[%r]" % t) for t, m in metrics.items()}
        for task, m in plain.items():
            if "loss" not in m:
                raise ValueError("metrics[%r] needs a 'loss'" % task)
        self._append({"kind": "eval", "step": int(step), "epoch": int(epoch), "time": time.time() * 1000,
                      "split": "validation", "metrics": plain})
        self._last_eval = plain
        mean = sum(m["loss"] for m in plain.values()) / max(len(plain), 1)
        if self._best is None or mean < self._best[0]:
            self._best = (mean, int(step))

    def event(self, code, message, level="info", data=None, step=None):
        """Something a reader should know, e.g. ``run.event("weights-collapsed", "...", level="warning")``."""
        if level not in ("info", "warning", "error"):
            raise ValueError("level must be info, warning or error")
        record = {"kind": "event", "step": int(self.info["step"] if step is None else step), "time": time.time() * 1000,
                  "level": level, "code": str(code), "message": str(message)}
        if data is not None:
            record["data"] = data
        self._append(record)
        self.log("[%s] %s: %s" % (level, code, message))

    def log(self, line):
        with open(os.path.join(self.run_dir, "worker.log"), "a", encoding="utf-8") as f:
            f.write("%s %s\n" % (_now_iso(), line))

    # --- status

    def _write_info(self):
        self._last_info_write = time.time()
        _write_atomic(os.path.join(self.run_dir, "run.json"), json.dumps(self.info, indent=2) + "\n")

    def complete(self):
        """The run ended normally: run.json gets the summary (last validation metrics, best step, steps/s)."""
        if self._closed:
            return
        elapsed = time.time() - self._started
        self.event("completed", "completed %d steps" % self.info["step"])
        self._finish("completed", summary={
            "metrics": self._last_eval or {}, "backend": self._backend, "steps": self.info["step"],
            "stepsPerSecond": float("%.4g" % (self.info["step"] / elapsed)) if elapsed > 0 else 0.0,
            "bestStep": self._best[1] if self._best else None})

    def fail(self, error):
        """The run failed: ``error`` is an exception (its traceback goes to worker.log) or a message."""
        if self._closed:
            return
        if isinstance(error, BaseException):
            lines = traceback.format_exception(type(error), error, error.__traceback__)
            self.log("".join(lines).rstrip())
            message = traceback.format_exception_only(type(error), error)[-1].strip()
        else:
            message = str(error)
        self.event("failed", message, level="error")
        self._finish("failed", error={"message": message, "step": self.info["step"] + 1})

    def stop(self):
        """Stopped on request (after your checkpoint): run.json says ``stopped``."""
        if self._closed:
            return
        if _launcher_lost:
            message = "MTL Lab's launcher ended while the program ran (%s); the program stopped itself at step %d%s" % (
                _launcher_lost[0], self.info["step"], "; on_stop ran first" if self.on_stop is not None else "")
            self.event("failed", message, level="error")
            self._finish("failed", error={"message": message, "step": self.info["step"] + 1})
            return
        checkpoint = "; on_stop ran first" if self.on_stop is not None else ""
        self.event("stopped", "stopped at step %d of %d%s" % (self.info["step"], self.info["totalSteps"], checkpoint))
        self._finish("stopped")

    def _finish(self, status, **patch):
        self.info.update(patch, status=status, endedAt=_now_iso(), pid=None, processStartTicks=None)
        self._write_info()
        self._closed = True
        os.close(self._fd)
        _uninstall(self)

    @property
    def closed(self):
        return self._closed

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if kind is None:
            self.complete()
        elif issubclass(kind, SystemExit):
            if not self._closed:  # else: our own signal exit, already stopped
                self._end_by_exit(error.code)
        elif issubclass(kind, KeyboardInterrupt):
            self._stop_now()
        else:
            self.fail(error)
        return False

    def _end_by_exit(self, code):
        """sys.exit / SystemExit before the run was closed: code 0 or None completes it, anything else fails it."""
        message = _exit_message(code)
        if message is None:
            self.complete()
        else:
            self.fail(message)

    def _stop_now(self):
        if self._stopping or self._closed:
            return
        self._stopping = True
        try:
            if self.on_stop is not None:
                self.on_stop()
        finally:
            self.stop()


# -------------------------------------------------------------------------------- process-wide hooks

_open_runs = []
_hooks = {}
_exit_codes = []  # [the code of the main thread's sys.exit], once called
_original_exit = sys.exit


def _on_signal(signum, frame):
    for run in list(_open_runs):
        if run._stopping:  # a second signal: do not wait for a slow checkpoint
            os._exit(128 + signum)
        run._stop_now()
    raise SystemExit(128 + signum)


def _excepthook(kind, error, tb):
    for run in list(_open_runs):
        run.fail(error)
    _hooks.get("excepthook", sys.__excepthook__)(kind, error, tb)


def _exit_message(code):
    if code is None or code == 0:
        return None
    if isinstance(code, int):
        return "the script exited with code %d before closing the run" % code
    return "the script exited before closing the run: %s" % code


def _sys_exit(code=None):
    """sys.exit while a run is open: the code is kept for _at_exit (Python tells atexit handlers no exit code)."""
    if threading.current_thread() is threading.main_thread():  # elsewhere it ends only that thread
        _exit_codes[:] = [code]
    _original_exit(code)


def _at_exit():
    for run in list(_open_runs):
        # The script ended without closing the run: normally (complete), or by sys.exit(code).
        run._end_by_exit(_exit_codes[0] if _exit_codes else None)


def _install(run, handle_signals):
    if not _open_runs:
        _hooks["excepthook"] = sys.excepthook
        sys.excepthook = _excepthook
        _hooks["exit"] = sys.exit
        sys.exit = _sys_exit
        if handle_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    _hooks[sig] = signal.signal(sig, _on_signal)
                except ValueError:  # not the main thread: Python allows signal handlers only there
                    break
    _open_runs.append(run)


def _uninstall(run):
    if run in _open_runs:
        _open_runs.remove(run)
    if not _open_runs and "excepthook" in _hooks:
        sys.excepthook = _hooks.pop("excepthook")
        sys.exit = _hooks.pop("exit")
        for sig in (signal.SIGINT, signal.SIGTERM):
            if sig in _hooks:
                signal.signal(sig, _hooks.pop(sig))


import atexit  # noqa: E402  (registered once, on import)

atexit.register(_at_exit)

_launcher_lost = []  # [why], once the launcher's pipe closed


def _watch_launcher(fd, grace=None):
    """Blocks until the launcher's end of the pipe closes, then stops this program (see the module's docstring)."""
    try:
        while os.read(fd, 64):
            pass  # the launcher never writes; anything read is ignored
        why = "its pipe closed"
    except OSError as error:
        why = "its pipe failed: %s" % error
    _launcher_lost.append(why)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(ORPHAN_GRACE_SECONDS if grace is None else grace)
    os._exit(128 + signal.SIGTERM)  # the stop did not end the program (a handler that ignores SIGTERM, a hung checkpoint)


def _start_launcher_watch(environ=None):
    """Starts the watch when MTL Lab passed its pipe, once per process: the variable is removed so that this
    program's own children (DataLoader workers, subprocesses) neither inherit the duty nor misread their fd 3."""
    environ = os.environ if environ is None else environ
    text = environ.pop(ENV_PARENT_FD, None)
    try:
        fd = int(text)
        os.fstat(fd)
        os.set_inheritable(fd, False)
    except (TypeError, ValueError, OSError):
        return None
    thread = threading.Thread(target=_watch_launcher, args=(fd,), name="mtl-lab-launcher-watch", daemon=True)
    thread.start()
    return thread


_start_launcher_watch()


def open_run(name=None, config=None, runs_dir="mtl-runs", total_steps=None, backend=None, batch_size=None,
             on_stop=None, handle_signals=True, run_dir=None, environ=None, collapse_alert=False):
    """Opens a run directory and marks it running.

    The directory is ``run_dir``, else ``$MTL_LAB_RUN_DIR`` (MTL Lab started this program and made it), else a
    new ``<runs_dir>/<name>-<yyyymmdd-hhmmss>-<4 hex>``. ``config`` (a JSON-able dict) goes to config.json unless
    MTL Lab already wrote the experiment's there. ``on_stop`` runs on SIGINT/SIGTERM before the run is marked
    stopped (write your checkpoint there). ``backend`` names where it trains, e.g. "pytorch-cuda".
    ``collapse_alert`` watches the logged task weights and writes ``weights-collapsed`` / ``weights-recovered``
    events (the dashboard's alert) when learned weights pile onto one task.
    """
    environ = os.environ if environ is None else environ
    run_dir = run_dir or environ.get(ENV_RUN_DIR)
    now = datetime.now()
    existing = None
    if run_dir:
        os.makedirs(run_dir, exist_ok=True)
        try:
            with open(os.path.join(run_dir, "run.json"), encoding="utf-8") as f:
                existing = json.load(f)
        except (OSError, ValueError):
            existing = None
    else:
        run_dir = os.path.join(runs_dir, _make_run_id(name or "run", now))
        os.makedirs(run_dir)
    run_dir = os.path.abspath(run_dir)
    name = name or (existing or {}).get("name") or os.path.basename(run_dir)
    if total_steps is None:
        total_steps = int(environ.get(ENV_TOTAL_STEPS) or (existing or {}).get("totalSteps") or 0)
    backend = backend or "python"
    stamp = _now_iso()
    info = {
        "version": RECORD_FORMAT_VERSION,
        "id": (existing or {}).get("id") or os.path.basename(run_dir),
        "name": str(name),
        "experimentFile": (existing or {}).get("experimentFile") or environ.get(ENV_EXPERIMENT_FILE),
        "status": "running",
        "createdAt": (existing or {}).get("createdAt") or stamp,
        "startedAt": stamp,
        "endedAt": None,
        "backend": backend,
        "pid": os.getpid(),
        "processStartTicks": _process_start_ticks(os.getpid()),
        "step": 0,
        "totalSteps": int(total_steps),
        "overrides": (existing or {}).get("overrides") or ["%s=%s" % (k, json.dumps(v)) for k, v in overrides([], environ).items()],
        "error": None,
        "summary": None,
    }
    # What MTL Lab recorded before the program started stays: the cluster job (a Slurm run) and a study's marks.
    for key in _KEPT_KEYS:
        if (existing or {}).get(key) is not None:
            info[key] = existing[key]
    config_file = os.path.join(run_dir, "config.json")
    if config is not None and not os.path.exists(config_file):
        _write_atomic(config_file, json.dumps(config, indent=2, default=_plain) + "\n")
    run = Run(run_dir, info, backend, batch_size=batch_size, on_stop=on_stop, collapse_alert=collapse_alert)
    _install(run, handle_signals)
    run.event("run-started", "%s: %d steps on %s" % (name, info["totalSteps"], backend))
    return run
