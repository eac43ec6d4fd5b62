"""The article's soft sharing with attention in PyTorch, with the MTL Lab logger lines added (marked "# MTL Lab").

One tower (100 -> 50, ReLU) per task; an attention layer reads both towers' hidden states and gives one softmax
weight per task; task k's head sees its tower scaled by its weight. The attention (batch mean) is logged as the named
matrix "attention" (task x tower: row k holds task k's weight on its own tower), which the dashboard's attention card
draws. Run it with `mtl-lab train examples/pytorch/soft-attention.mtl.json`.
"""

import os
import sys

import torch
import torch.nn as nn

try:
    import mtl_lab  # MTL Lab
except ImportError:  # not pip-installed: the copy in this repository
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
    import mtl_lab

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hard_sharing import TASKS, evaluate, random_data  # noqa: E402  (the same data and metrics)


class SoftSharingModel(nn.Module):
    def __init__(self, input_dim=100, hidden=50, classes=(10, 20)):
        super().__init__()
        self.towers = nn.ModuleList([nn.Sequential(nn.Linear(input_dim, hidden), nn.ReLU()) for _ in classes])
        self.attention = nn.Linear(hidden * len(classes), len(classes))
        self.heads = nn.ModuleList([nn.Linear(hidden, c) for c in classes])
        self.last_attention = None

    def forward(self, x):
        hs = [tower(x) for tower in self.towers]
        a = torch.softmax(self.attention(torch.cat(hs, dim=1)), dim=1)
        self.last_attention = a.detach().mean(0)
        return [head(h * a[:, k:k + 1]) for k, (head, h) in enumerate(zip(self.heads, hs))]


def main():
    p = mtl_lab.params({"epochs": 10, "samples": 1000, "batch": 32, "lr": 0.001, "seed": 42})  # MTL Lab
    torch.manual_seed(p["seed"])
    x, y1, y2 = random_data(p["samples"], p["seed"])
    split = int(0.8 * len(x))
    model = SoftSharingModel()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=p["lr"])
    steps_per_epoch = (split + p["batch"] - 1) // p["batch"]
    run = mtl_lab.open_run("pytorch-soft-attention", config=p, total_steps=p["epochs"] * steps_per_epoch,  # MTL Lab
                           backend="pytorch-cpu", batch_size=p["batch"])  # MTL Lab
    step = 0
    for epoch in range(p["epochs"]):
        for i in range(0, split, p["batch"]):
            out1, out2 = model(x[i:i + p["batch"]])
            loss1 = criterion(out1, y1[i:i + p["batch"]])
            loss2 = criterion(out2, y2[i:i + p["batch"]])
            loss = loss1 + loss2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            a = model.last_attention  # MTL Lab: the attention as a task x tower matrix
            attention = mtl_lab.matrix(torch.diag(a), TASKS, ["0", "1"], "Attention",  # MTL Lab
                                       description="each task's attention weight on its own tower, batch mean",  # MTL Lab
                                       row_axis="task", column_axis="tower")  # MTL Lab
            run.train(step, {"task1": loss1, "task2": loss2}, total_loss=loss, epoch=epoch,  # MTL Lab
                      matrices={"attention": attention})  # MTL Lab
        run.eval(step, evaluate(model, criterion, x[split:], y1[split:], y2[split:]), epoch=epoch)  # MTL Lab
    torch.save(model.state_dict(), os.path.join(run.run_dir, "model.pt"))
    run.complete()  # MTL Lab


if __name__ == "__main__":
    main()
