"""The article's hard parameter sharing listing in PyTorch, with the MTL Lab logger lines added (marked "# MTL Lab").

A shared layer (100 -> 50, ReLU) feeds two heads (10 and 20 classes) on the article's random data; the loss is the
sum of the two cross-entropies, minimised with Adam. Run it with `mtl-lab train examples/pytorch/hard-sharing.mtl.json`
or on its own (`python3 hard_sharing.py`: a run directory under ./mtl-runs).
"""

import os
import sys

import torch
import torch.nn as nn

try:
    import mtl_lab  # MTL Lab
    import mtl_lab_torch  # MTL Lab
except ImportError:  # not pip-installed: the copy in this repository
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
    import mtl_lab
    import mtl_lab_torch

TASKS = ("task1", "task2")


class HardSharingModel(nn.Module):
    def __init__(self, input_dim=100, hidden=50, classes=(10, 20)):
        super().__init__()
        self.shared = nn.Sequential(nn.Linear(input_dim, hidden), nn.ReLU())
        self.heads = nn.ModuleList([nn.Linear(hidden, c) for c in classes])

    def forward(self, x):
        h = self.shared(x)
        return [head(h) for head in self.heads]


def random_data(samples, seed):
    """The article's data: standard normal inputs, uniformly random labels (nothing to learn)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(samples, 100, generator=g)
    return x, torch.randint(0, 10, (samples,), generator=g), torch.randint(0, 20, (samples,), generator=g)


def evaluate(model, criterion, x, y1, y2):
    with torch.no_grad():
        out1, out2 = model(x)
        return {"task1": {"loss": criterion(out1, y1).item(), "accuracy": (out1.argmax(1) == y1).float().mean().item()},
                "task2": {"loss": criterion(out2, y2).item(), "accuracy": (out2.argmax(1) == y2).float().mean().item()}}


def main():
    p = mtl_lab.params({"epochs": 10, "samples": 1000, "batch": 32, "lr": 0.001, "seed": 42})  # MTL Lab
    torch.manual_seed(p["seed"])
    x, y1, y2 = random_data(p["samples"], p["seed"])
    split = int(0.8 * len(x))
    model = HardSharingModel()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=p["lr"])
    steps_per_epoch = (split + p["batch"] - 1) // p["batch"]
    run = mtl_lab.open_run("pytorch-hard-sharing", config=p, total_steps=p["epochs"] * steps_per_epoch,  # MTL Lab
                           backend="pytorch-cpu", batch_size=p["batch"])  # MTL Lab
    step = 0
    for epoch in range(p["epochs"]):
        for i in range(0, split, p["batch"]):
            out1, out2 = model(x[i:i + p["batch"]])
            loss1 = criterion(out1, y1[i:i + p["batch"]])
            loss2 = criterion(out2, y2[i:i + p["batch"]])
            loss = loss1 + loss2
            # MTL Lab: every 10th step, the gradient conflict on the shared layer (2 extra backward passes)
            conflict = mtl_lab_torch.gradient_cosines([loss1, loss2], model.shared.parameters()) if step % 10 == 9 else None
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            run.train(step, {"task1": loss1, "task2": loss2}, total_loss=loss, epoch=epoch, conflict=conflict)  # MTL Lab
        run.eval(step, evaluate(model, criterion, x[split:], y1[split:], y2[split:]), epoch=epoch)  # MTL Lab
    torch.save(model.state_dict(), os.path.join(run.run_dir, "model.pt"))
    run.complete()  # MTL Lab


if __name__ == "__main__":
    main()
