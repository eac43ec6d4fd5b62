"""The article's learned softmax loss weights ("dynamic weight adjustment") in PyTorch, with the MTL Lab logger lines
added (marked "# MTL Lab").

The hard-sharing model, trained on sum_i softmax(w)_i L_i with w learned by the same optimiser. The rule moves the
weight onto the task with the smaller loss; the logger's collapse alert says when it has. Run it with
`mtl-lab train examples/pytorch/learned-softmax.mtl.json`.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hard_sharing import TASKS, HardSharingModel, evaluate, random_data  # noqa: E402


class DynamicWeightedLoss(nn.Module):
    def __init__(self, num_tasks):
        super().__init__()
        self.weights = nn.Parameter(torch.ones(num_tasks))

    def forward(self, losses):
        return (torch.softmax(self.weights, dim=0) * torch.stack(losses)).sum()


def main():
    p = mtl_lab.params({"epochs": 10, "samples": 1000, "batch": 32, "lr": 0.001, "seed": 42})  # MTL Lab
    torch.manual_seed(p["seed"])
    x, y1, y2 = random_data(p["samples"], p["seed"])
    split = int(0.8 * len(x))
    model = HardSharingModel()
    weighting = DynamicWeightedLoss(2)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(list(model.parameters()) + list(weighting.parameters()), lr=p["lr"])
    steps_per_epoch = (split + p["batch"] - 1) // p["batch"]
    run = mtl_lab.open_run("pytorch-learned-softmax", config=p, total_steps=p["epochs"] * steps_per_epoch,  # MTL Lab
                           backend="pytorch-cpu", batch_size=p["batch"], collapse_alert=True)  # MTL Lab
    step = 0
    for epoch in range(p["epochs"]):
        for i in range(0, split, p["batch"]):
            out1, out2 = model(x[i:i + p["batch"]])
            loss1 = criterion(out1, y1[i:i + p["batch"]])
            loss2 = criterion(out2, y2[i:i + p["batch"]])
            weights = mtl_lab_torch.module_weights(weighting, TASKS)  # MTL Lab: the weights this step uses
            loss = weighting([loss1, loss2])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            run.train(step, {"task1": loss1, "task2": loss2}, total_loss=loss, weights=weights, epoch=epoch)  # MTL Lab
        run.eval(step, evaluate(model, criterion, x[split:], y1[split:], y2[split:]), epoch=epoch)  # MTL Lab
    torch.save({"model": model.state_dict(), "weighting": weighting.state_dict()}, os.path.join(run.run_dir, "model.pt"))
    run.complete()  # MTL Lab


if __name__ == "__main__":
    main()
