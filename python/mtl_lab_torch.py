"""PyTorch helpers for the MTL Lab logger: the gradient-conflict matrix and the weights of weighting modules.

Optional (imports torch); the logger itself (mtl_lab.py) needs only the standard library.
"""

import math

import torch

__all__ = ["gradient_cosines", "softmax_weights", "uncertainty_weights", "module_weights"]


def _flat_gradient(loss, parameters):
    grads = torch.autograd.grad(loss, parameters, retain_graph=True, allow_unused=True)
    return torch.cat([(g if g is not None else torch.zeros_like(p)).reshape(-1) for g, p in zip(grads, parameters)])


def gradient_cosines(losses, shared_parameters):
    """The K x K cosines of the per-task gradients on ``shared_parameters`` (pass to ``run.train(conflict=...)``).

    ``losses``: the per-task losses (a list, or a dict in the order your ``run.train`` losses have), each still
    attached to its graph. Cost: one ``torch.autograd.grad`` per task through the shared part (K backward passes;
    the graph is kept, so your own ``backward()`` still works afterwards) and a K x P Gram matrix. Log it every N
    steps, not every step. A task whose gradient is zero on the shared parameters has cosine 0 with every task.
    """
    values = list(losses.values()) if isinstance(losses, dict) else list(losses)
    parameters = [p for p in shared_parameters if p.requires_grad]
    if not parameters:
        raise ValueError("no shared parameter requires a gradient")
    g = torch.stack([_flat_gradient(loss, parameters) for loss in values]).detach().double()
    norms = g.norm(dim=1)
    gram = g @ g.T
    scale = norms[:, None] * norms[None, :]
    cos = torch.where(scale > 0, gram / scale.clamp_min(1e-300), torch.zeros_like(gram))
    return cos.clamp(-1.0, 1.0).tolist()


def _names(tasks, n):
    tasks = list(tasks) if tasks is not None else ["task%d" % (i + 1) for i in range(n)]
    if len(tasks) != n:
        raise ValueError("%d task names for %d weights" % (len(tasks), n))
    return tasks


def softmax_weights(logits, tasks=None):
    """{task: softmax(logits)_i}: the weights of a learned-softmax weighting (the article's DynamicWeightedLoss)."""
    p = torch.softmax(logits.detach().double().reshape(-1), dim=0).tolist()
    return dict(zip(_names(tasks, len(p)), p))


def uncertainty_weights(log_vars, tasks=None):
    """{task: 1 / (2 exp(s_i))}: the weights of uncertainty weighting (Kendall et al.) with s_i = log sigma_i^2."""
    s = log_vars.detach().double().reshape(-1).tolist()
    return dict(zip(_names(tasks, len(s)), [1.0 / (2.0 * math.exp(v)) for v in s]))


# Attribute names the common weighting modules keep their parameter under, and how it becomes weights.
_SOFTMAX_NAMES = ("weights", "logits", "w", "task_weights")
_UNCERTAINTY_NAMES = ("log_vars", "log_var", "log_sigma2", "logsigma")


def module_weights(module, tasks=None):
    """The task weights of a weighting module, without boilerplate: a parameter named like ``log_vars`` is read as
    uncertainty weighting, one named ``weights`` / ``logits`` / ``w`` as learned softmax logits. Anything else is an
    error naming what was looked for (use softmax_weights / uncertainty_weights directly)."""
    for name in _UNCERTAINTY_NAMES:
        value = getattr(module, name, None)
        if isinstance(value, torch.Tensor):
            return uncertainty_weights(value, tasks)
    for name in _SOFTMAX_NAMES:
        value = getattr(module, name, None)
        if isinstance(value, torch.Tensor):
            return softmax_weights(value, tasks)
    raise ValueError("%s has no parameter named %s" % (type(module).__name__, ", ".join(_UNCERTAINTY_NAMES + _SOFTMAX_NAMES)))
