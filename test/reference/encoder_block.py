"""PyTorch reference for test/unit/transformer.test.ts: one encoder block, forward and gradients.

Reads JSON on stdin: d, heads, ff, norm ("pre" or "post", the LayerNorm placement; "pre" if absent), x (batch x tokens x d), pad (batch x tokens, true = padding), r (the
upstream gradient, like x) and the weights in PyTorch's own layout. Writes the output and the gradients of
sum(out * r) with respect to x and every weight, as JSON.
"""
import json
import sys

import torch

torch.set_num_threads(1)
spec = json.load(sys.stdin)
layer = torch.nn.TransformerEncoderLayer(spec["d"], spec["heads"], spec["ff"], dropout=0.0, activation="gelu", batch_first=True, norm_first=spec.get("norm", "pre") == "pre")
state = {name: torch.tensor(value, dtype=torch.float32) for name, value in spec["weights"].items()}
layer.load_state_dict(state)
x = torch.tensor(spec["x"], dtype=torch.float32, requires_grad=True)
pad = torch.tensor(spec["pad"], dtype=torch.bool)
out = layer(x, src_key_padding_mask=pad)
(out * torch.tensor(spec["r"], dtype=torch.float32)).sum().backward()
grads = {name: p.grad.tolist() for name, p in layer.named_parameters()}
json.dump({"out": out.tolist(), "dx": x.grad.tolist(), "grads": grads}, sys.stdout)
