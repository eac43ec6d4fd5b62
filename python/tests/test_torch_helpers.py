"""The PyTorch helpers against independent computations: gradients written out by hand in NumPy, the weighting
formulas evaluated directly. Needs Debian's python3-torch (npm run test:python installs it)."""

import math
import os
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import mtl_lab  # noqa: E402
import mtl_lab_torch  # noqa: E402
from helpers import only_run, read_run, tempdir  # noqa: E402


class GradientCosinesTest(unittest.TestCase):
    def test_equal_the_cosines_of_hand_written_gradients(self):
        # Shared W (3x4), h = W x; task k: L_k = mean((a_k . h - y_k)^2), so dL_k/dW = mean_n 2 (a_k.h_n - y_kn) a_k x_n^T.
        rng = np.random.default_rng(0)
        W, x = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
        a, y = rng.normal(size=(3, 3)), rng.normal(size=(3, 5))
        expected_grads = []
        for k in range(3):
            r = (x @ W.T) @ a[k] - y[k]
            expected_grads.append((2 * r[:, None, None] * a[k][None, :, None] * x[:, None, :]).mean(0).ravel())
        G = np.array(expected_grads)
        expected = (G @ G.T) / np.outer(np.linalg.norm(G, axis=1), np.linalg.norm(G, axis=1))

        Wt = torch.tensor(W, requires_grad=True)
        h = torch.tensor(x) @ Wt.T
        losses = {"t%d" % k: ((h @ torch.tensor(a[k]) - torch.tensor(y[k])) ** 2).mean() for k in range(3)}
        got = mtl_lab_torch.gradient_cosines(losses, [Wt])
        np.testing.assert_allclose(np.array(got), expected, rtol=1e-9, atol=1e-12)
        self.assertLess(min(min(row) for row in got), 0, "the example has a conflicting pair")
        # The graph is kept and .grad untouched: the training step that follows is unchanged.
        self.assertIsNone(Wt.grad)
        sum(losses.values()).backward()
        np.testing.assert_allclose(Wt.grad.numpy().ravel(), G.sum(0), rtol=1e-9)

    def test_a_task_without_gradient_on_the_shared_part_has_cosine_zero(self):
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        other = torch.tensor(3.0, requires_grad=True)
        got = mtl_lab_torch.gradient_cosines([(w ** 2).sum(), other * 2, (w * -1).sum()], [w])
        self.assertEqual(got[1], [0.0, 0.0, 0.0])
        # Task 0's gradient 2w = (2, 4), task 2's (-1, -1): cosine -6 / (sqrt(20) sqrt(2)).
        self.assertAlmostEqual(got[0][2], -6 / (math.sqrt(20) * math.sqrt(2)), places=12)
        self.assertAlmostEqual(got[0][0], 1.0, places=12)


class WeightsTest(unittest.TestCase):
    def test_softmax_and_uncertainty_weights_by_their_formulas(self):
        logits = torch.tensor([0.5, -1.0, 2.0])
        e = [math.exp(v) for v in (0.5, -1.0, 2.0)]
        got = mtl_lab_torch.softmax_weights(logits, ["a", "b", "c"])
        for name, v in zip("abc", e):
            self.assertAlmostEqual(got[name], v / sum(e), places=12)
        s = torch.tensor([-0.5, 1.0])
        self.assertEqual(mtl_lab_torch.uncertainty_weights(s), {"task1": 1 / (2 * math.exp(-0.5)), "task2": 1 / (2 * math.exp(1.0))})

    def test_module_weights_reads_the_common_weighting_modules(self):
        class DynamicWeightedLoss(torch.nn.Module):  # the article's learned softmax weights
            def __init__(self, n):
                super().__init__()
                self.weights = torch.nn.Parameter(torch.tensor([0.0, math.log(3.0)]))

        class Uncertainty(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.log_vars = torch.nn.Parameter(torch.zeros(2))

        got = mtl_lab_torch.module_weights(DynamicWeightedLoss(2), ["a", "b"])
        self.assertAlmostEqual(got["a"], 0.25, places=7)  # a float32 parameter
        self.assertAlmostEqual(got["b"], 0.75, places=7)
        self.assertEqual(mtl_lab_torch.module_weights(Uncertainty(), ["a", "b"]), {"a": 0.5, "b": 0.5})
        with self.assertRaisesRegex(ValueError, "Linear has no parameter named log_vars"):
            mtl_lab_torch.module_weights(torch.nn.Linear(2, 2))
        with self.assertRaisesRegex(ValueError, "3 task names for 2 weights"):
            mtl_lab_torch.softmax_weights(torch.zeros(2), ["a", "b", "c"])


class CollapseAlertTest(unittest.TestCase):
    def test_collapse_and_recovery_events_at_the_documented_thresholds(self):
        runs = tempdir(self)
        # p per step: spread; max p 0.95 > 0.9 (collapse); 0.85 (still collapsed: must fall below 0.8);
        # 0.6 with entropy 0.971 > 0.5 (recovered).
        series = [(0.5, 0.5), (0.95, 0.05), (0.85, 0.15), (0.6, 0.4)]
        with mtl_lab.open_run("collapse", runs_dir=runs, collapse_alert=True) as run:
            for step, (a, b) in enumerate(series, 1):
                run.train(step, {"a": 1.0, "b": 1.0}, weights={"a": a, "b": b})
        _, records = read_run(only_run(runs))
        events = [(r["code"], r["step"]) for r in records if r["kind"] == "event" and r["code"].startswith("weights-")]
        self.assertEqual(events, [("weights-collapsed", 2), ("weights-recovered", 4)])


if __name__ == "__main__":
    unittest.main()
