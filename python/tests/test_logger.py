"""The logger's output is the published contract (validated against docs/schemas/), written safely."""

import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import mtl_lab  # noqa: E402
import schema_check  # noqa: E402
from helpers import only_run, read_run, start, tempdir  # noqa: E402


def run_example(runs_dir, **kwargs):
    """A small run touching every record kind and field the logger writes."""
    with mtl_lab.open_run("demo", config={"lr": 0.1}, runs_dir=runs_dir, total_steps=3, batch_size=8, **kwargs) as run:
        attention = mtl_lab.matrix([[0.7, 0.3], [0.2, 0.8]], ["a", "b"], ["0", "1"], "Attention",
                                   description="each task's attention over the towers", row_axis="task",
                                   column_axis="tower")
        for step in (1, 2, 3):
            run.train(step, {"a": 1.0 / step, "b": 2.0 / step}, weights={"a": 0.25, "b": 0.75},
                      matrices={"attention": attention}, conflict=[[1.0, -0.5], [-0.5, 1.0]])
        run.eval(3, {"a": {"loss": 0.4, "accuracy": 0.9}, "b": {"loss": 0.6, "rmse": 0.7}})
        run.event("weights-collapsed", "b takes 99%", level="warning", data={"task": "b"})
    return only_run(runs_dir)


class SchemaTest(unittest.TestCase):
    def test_every_record_and_run_json_match_the_published_schemas(self):
        info, records = read_run(run_example(tempdir(self)))
        self.assertEqual(schema_check.errors(schema_check.load("run"), info), [])
        self.assertEqual({r["kind"] for r in records}, {"train", "eval", "event"})
        for record in records:
            self.assertEqual(schema_check.record_errors(record), [], record)

    def test_the_checker_catches_a_broken_record(self):
        # Guards the guard: a checker that accepts everything would make the test above meaningless.
        bad = {"kind": "train", "step": 0, "epoch": 0, "time": 1, "losses": {"a": "x"}, "totalLoss": 1, "weights": {}}
        self.assertEqual(sorted(schema_check.record_errors(bad)),
                         ["/: missing 'samplesPerSecond'", "/losses/a/: expected number, got 'x'", "/step/: below 1"])

    def test_record_contents(self):
        run_dir = run_example(tempdir(self))
        info, records = read_run(run_dir)
        trains = [r for r in records if r["kind"] == "train"]
        self.assertEqual([r["step"] for r in trains], [1, 2, 3])
        self.assertAlmostEqual(trains[1]["totalLoss"], 0.25 * 0.5 + 0.75 * 1.0)
        self.assertEqual(trains[0]["matrices"]["conflict"], [[1.0, -0.5], [-0.5, 1.0]])
        # Descriptions once per run, with the first record that holds the matrix.
        self.assertEqual(sorted(trains[0]["matrixInfo"]), ["attention", "conflict"])
        self.assertNotIn("matrixInfo", trains[1])
        self.assertEqual(trains[0]["matrixInfo"]["conflict"]["rows"], ["a", "b"])
        self.assertTrue(trains[0]["matrixInfo"]["conflict"]["symmetric"])
        self.assertEqual([r["code"] for r in records if r["kind"] == "event"], ["run-started", "weights-collapsed", "completed"])
        self.assertEqual(info["status"], "completed")
        self.assertEqual(info["step"], 3)
        self.assertIsNone(info["pid"])
        self.assertEqual(info["summary"]["metrics"]["b"], {"loss": 0.6, "rmse": 0.7})
        self.assertEqual(info["summary"]["bestStep"], 3)
        with open(os.path.join(run_dir, "config.json")) as f:
            self.assertEqual(json.load(f), {"lr": 0.1})

    def test_numpy_and_torch_values(self):
        import numpy as np
        import torch
        runs = tempdir(self)
        with mtl_lab.open_run("tensors", runs_dir=runs) as run:
            run.train(1, {"a": torch.tensor(0.5), "b": np.float32(0.25)}, weights={"a": np.float64(1), "b": 2},
                      matrices={"gates": mtl_lab.matrix(torch.tensor([[0.5, 0.5]]), ["a"], ["0", "1"], "Gates")},
                      conflict=np.eye(2), total_loss=torch.tensor(1.0, requires_grad=True) * 2)
        _, records = read_run(only_run(runs))
        train = records[1]
        self.assertEqual(train["losses"], {"a": 0.5, "b": 0.25})
        self.assertEqual(train["totalLoss"], 2.0)
        self.assertEqual(train["matrices"], {"gates": [[0.5, 0.5]], "conflict": [[1.0, 0.0], [0.0, 1.0]]})

    def test_a_non_finite_loss_becomes_an_event_never_an_invalid_line(self):
        runs = tempdir(self)
        with mtl_lab.open_run("nan", runs_dir=runs) as run:
            run.train(1, {"a": float("nan")})
        _, records = read_run(only_run(runs))
        self.assertEqual([r.get("code", r["kind"]) for r in records], ["run-started", "loss-not-finite", "completed"])

    def test_a_bad_matrix_is_refused_where_it_is_made(self):
        with self.assertRaisesRegex(ValueError, "2 x 2 values for 1 row and 2 column labels"):
            mtl_lab.matrix([[1, 2], [3, 4]], ["a"], ["0", "1"], "Attention")


class EnvironmentTest(unittest.TestCase):
    def test_adopts_the_run_directory_mtl_lab_made(self):
        run_dir = os.path.join(tempdir(self), "exp-20260101-000000-abcd")
        os.makedirs(run_dir)
        made = {"version": 1, "id": "exp-20260101-000000-abcd", "name": "exp", "experimentFile": "/x/exp.mtl.json",
                "status": "running", "createdAt": "2026-01-01T00:00:00.000Z", "overrides": ["seed=2"], "totalSteps": 9,
                "cluster": {"runner": "slurm", "jobId": "12", "arrayTaskId": 3, "output": "/r/.slurm/exp-12_3.out",
                            "submittedAt": "2026-01-01T00:00:00.000Z"},
                "baselines": {"a": "k1", "b": "k2"}}
        with open(os.path.join(run_dir, "run.json"), "w") as f:
            json.dump(made, f)
        env = {mtl_lab.ENV_RUN_DIR: run_dir, mtl_lab.ENV_OVERRIDES: '{"seed": 2}'}
        with mtl_lab.open_run(environ=env) as run:
            self.assertEqual(run.run_dir, run_dir)
        info, _ = read_run(run_dir)
        self.assertEqual((info["id"], info["name"], info["experimentFile"], info["createdAt"], info["overrides"], info["totalSteps"]),
                         (made["id"], "exp", "/x/exp.mtl.json", made["createdAt"], ["seed=2"], 9))
        # The Slurm job and a study's marks, recorded before the program started, stay (the runner and Δm read them).
        self.assertEqual((info["cluster"], info["baselines"]), (made["cluster"], made["baselines"]))

    def test_overrides_from_the_environment_then_the_command_line(self):
        got = mtl_lab.overrides(["--set", "optimizer.learningRate=0.01", "--set=name=x", "--other"],
                                {mtl_lab.ENV_OVERRIDES: '{"seed": 1, "optimizer.learningRate": 0.1}'})
        self.assertEqual(got, {"seed": 1, "optimizer.learningRate": 0.01, "name": "x"})
        self.assertEqual(mtl_lab.apply_overrides({"optimizer": {"learningRate": 1, "kind": "adam"}}, got),
                         {"optimizer": {"learningRate": 0.01, "kind": "adam"}, "seed": 1, "name": "x"})


    def test_params_are_the_defaults_updated_with_the_experiments(self):
        env = {mtl_lab.ENV_PARAMS: '{"lr": 0.5, "layers": [8]}'}
        self.assertEqual(mtl_lab.params({"lr": 0.1, "epochs": 3}, env), {"lr": 0.5, "epochs": 3, "layers": [8]})
        self.assertEqual(mtl_lab.params({"lr": 0.1}, {}), {"lr": 0.1})


class WritingTest(unittest.TestCase):
    def test_run_json_is_replaced_atomically(self):
        runs = tempdir(self)
        run = mtl_lab.open_run("atomic", runs_dir=runs, handle_signals=False)
        path = os.path.join(run.run_dir, "run.json")
        seen, done = [], threading.Event()

        def read():
            while not done.is_set():
                with open(path) as f:
                    seen.append(json.load(f)["status"])  # a partial file would raise here

        reader = threading.Thread(target=read)
        reader.start()
        for _ in range(300):
            run._write_info()
        done.set()
        reader.join()
        run.complete()
        self.assertGreater(len(seen), 0)
        self.assertEqual([f for f in os.listdir(run.run_dir) if ".tmp-" in f], [])

    def test_a_record_is_on_disk_within_a_second_while_the_script_runs(self):
        tmp = tempdir(self)
        child = start("""
            import mtl_lab, time
            run = mtl_lab.open_run("live", runs_dir="runs")
            run.train(1, {"a": 1.0})
            print("logged", flush=True)
            time.sleep(30)
        """, tmp, self)
        self.assertEqual(child.stdout.readline().strip(), "logged")
        deadline = time.time() + 1.0
        kinds = []
        while time.time() < deadline and "train" not in kinds:
            _, records = read_run(only_run(os.path.join(tmp, "runs")))
            kinds = [r["kind"] for r in records]
            time.sleep(0.05)
        self.assertIn("train", kinds)


class EndingTest(unittest.TestCase):
    def test_an_uncaught_exception_marks_the_run_failed_with_the_tracebacks_last_line(self):
        tmp = tempdir(self)
        child = start("""
            import mtl_lab
            run = mtl_lab.open_run("crash", runs_dir="runs")
            run.train(1, {"a": 1.0})
            raise ValueError("shape mismatch in tower 2")
        """, tmp, self)
        _, err = child.communicate(timeout=30)
        self.assertEqual(child.returncode, 1)
        self.assertIn("ValueError: shape mismatch in tower 2", err)  # the script's own traceback still printed
        info, records = read_run(only_run(os.path.join(tmp, "runs")))
        self.assertEqual(info["status"], "failed")
        self.assertEqual(info["error"], {"message": "ValueError: shape mismatch in tower 2", "step": 2})
        self.assertEqual(records[-1]["code"], "failed")
        with open(os.path.join(only_run(os.path.join(tmp, "runs")), "worker.log")) as f:
            self.assertIn("Traceback (most recent call last)", f.read())

    def test_an_exception_leaving_the_with_block_marks_the_run_failed(self):
        runs = tempdir(self)
        with self.assertRaises(ZeroDivisionError):
            with mtl_lab.open_run("crash", runs_dir=runs):
                1 / 0
        info, _ = read_run(only_run(runs))
        self.assertEqual((info["status"], info["error"]["message"]), ("failed", "ZeroDivisionError: division by zero"))

    def _stopped_by(self, sig, code):
        tmp = tempdir(self)
        child = start("""
            import mtl_lab, time
            def checkpoint():
                open("checkpoint.pt", "w").write(str(run.step))
            with mtl_lab.open_run("stop", runs_dir="runs", on_stop=checkpoint) as run:
                step = 0
                while True:
                    step += 1
                    run.train(step, {"a": 1.0})
                    if step == 5:
                        print("training", flush=True)
                    time.sleep(0.01)
        """, tmp, self)
        self.assertEqual(child.stdout.readline().strip(), "training")
        child.send_signal(sig)
        child.communicate(timeout=30)
        self.assertEqual(child.returncode, code)
        info, records = read_run(only_run(os.path.join(tmp, "runs")))
        self.assertEqual(info["status"], "stopped")
        self.assertIsNone(info["error"])
        with open(os.path.join(tmp, "checkpoint.pt")) as f:
            self.assertEqual(int(f.read()), info["step"])  # the checkpoint ran before the status was written
        self.assertEqual(records[-1]["code"], "stopped")
        self.assertGreaterEqual(info["step"], 5)

    def test_sigterm_checkpoints_then_stops(self):
        self._stopped_by(signal.SIGTERM, 143)

    def test_sigint_checkpoints_then_stops(self):
        self._stopped_by(signal.SIGINT, 130)

    def test_a_run_opened_outside_the_main_thread_still_logs(self):
        runs, errors = tempdir(self), []

        def train():
            try:
                with mtl_lab.open_run("thread", runs_dir=runs) as run:
                    run.train(1, {"a": 1.0})
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        worker = threading.Thread(target=train)
        worker.start()
        worker.join()
        self.assertEqual(errors, [])
        self.assertEqual(read_run(only_run(runs))[0]["status"], "completed")

    def test_a_script_that_ends_without_closing_completes(self):
        tmp = tempdir(self)
        child = start("""
            import mtl_lab
            run = mtl_lab.open_run("plain", runs_dir="runs")
            run.train(1, {"a": 1.0})
        """, tmp, self)
        child.communicate(timeout=30)
        info, _ = read_run(only_run(os.path.join(tmp, "runs")))
        self.assertEqual((child.returncode, info["status"], info["step"]), (0, "completed", 1))

    def _exits(self, body):
        tmp = tempdir(self)
        child = start("import mtl_lab, sys\n" + body, tmp, self)
        child.communicate(timeout=30)
        info, _ = read_run(only_run(os.path.join(tmp, "runs")))
        return child.returncode, info["status"], (info["error"] or {}).get("message")

    def test_sys_exit_before_closing_fails_the_run_unless_its_code_is_zero(self):
        opened = 'run = mtl_lab.open_run("x", runs_dir="runs")\nrun.train(1, {"a": 1.0})\n'
        self.assertEqual(self._exits(opened + "sys.exit(3)\n"),
                         (3, "failed", "the script exited with code 3 before closing the run"))
        self.assertEqual(self._exits(opened + "sys.exit(0)\n"), (0, "completed", None))
        self.assertEqual(self._exits('with mtl_lab.open_run("x", runs_dir="runs"):\n    sys.exit("bad labels")\n'),
                         (1, "failed", "the script exited before closing the run: bad labels"))
        self.assertEqual(self._exits('with mtl_lab.open_run("x", runs_dir="runs"):\n    raise SystemExit(2)\n'),
                         (2, "failed", "the script exited with code 2 before closing the run"))
        self.assertEqual(self._exits('with mtl_lab.open_run("x", runs_dir="runs"):\n    sys.exit()\n'), (0, "completed", None))
        # The documented limit: Python tells atexit handlers no exit code, so a bare SystemExit outside a with block
        # is not seen (only sys.exit is wrapped).
        self.assertEqual(self._exits(opened + "raise SystemExit(4)\n"), (4, "completed", None))
        self.assertIs(sys.exit, mtl_lab._original_exit, "sys.exit is only wrapped while a run is open")


if __name__ == "__main__":
    unittest.main()
