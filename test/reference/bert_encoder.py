"""PyTorch reference for test/unit/bertInit.test.ts: a tiny BERT encoder, written with Hugging Face's module names.

Reads JSON on stdin: vocab, d, heads, ff, layers, positions, types, seed, ids (batch x tokens, 0 = padding),
path (where to save the checkpoint), dtype ("F32", "F16" or "BF16": the weights are rounded to it before the
forward pass, so the file and the model hold the same values), prefix ("bert." or ""). Builds the encoder with
random weights (exact GELU, LayerNorm eps 1e-12, as BERT), adds a pooler, an MLM head and position_ids as real
checkpoints have them, saves everything to a safetensors file (safetensors_writer.py) and writes the last
hidden states (batch x tokens x d) and the mean over the non-padding tokens as JSON.
"""
import json
import math
import sys

import torch
from torch import nn

from safetensors_writer import TORCH, save

torch.set_num_threads(1)


class SelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x, bias):
        b, t, d = x.shape
        split = lambda y: y.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // self.heads) + bias
        return (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)


class Dense(nn.Module):
    """Hugging Face's BertSelfOutput / BertOutput: LayerNorm(x + dense(h))."""

    def __init__(self, inputs, d):
        super().__init__()
        self.dense = nn.Linear(inputs, d)
        self.LayerNorm = nn.LayerNorm(d, eps=1e-12)

    def forward(self, h, x):
        return self.LayerNorm(x + self.dense(h))


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        setattr(self, "self", SelfAttention(d, heads))
        self.output = Dense(d, d)

    def forward(self, x, bias):
        return self.output(getattr(self, "self")(x, bias), x)


class Intermediate(nn.Module):
    def __init__(self, d, ff):
        super().__init__()
        self.dense = nn.Linear(d, ff)

    def forward(self, x):
        return nn.functional.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.attention = Attention(d, heads)
        self.intermediate = Intermediate(d, ff)
        self.output = Dense(ff, d)

    def forward(self, x, bias):
        h = self.attention(x, bias)
        return self.output(self.intermediate(h), h)


class Embeddings(nn.Module):
    def __init__(self, vocab, d, positions, types):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, d)
        self.position_embeddings = nn.Embedding(positions, d)
        self.token_type_embeddings = nn.Embedding(types, d)
        self.LayerNorm = nn.LayerNorm(d, eps=1e-12)

    def forward(self, ids):
        t = ids.shape[1]
        types = torch.zeros_like(ids)
        return self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(torch.arange(t))[None] + self.token_type_embeddings(types))


class Encoder(nn.Module):
    def __init__(self, d, heads, ff, layers):
        super().__init__()
        self.layer = nn.ModuleList([Layer(d, heads, ff) for _ in range(layers)])


class Bert(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.embeddings = Embeddings(s["vocab"], s["d"], s["positions"], s["types"])
        self.encoder = Encoder(s["d"], s["heads"], s["ff"], s["layers"])

    def forward(self, ids):
        mask = (ids != 0).float()
        bias = ((1.0 - mask) * torch.finfo(torch.float32).min)[:, None, None, :]
        x = self.embeddings(ids)
        for layer in self.encoder.layer:
            x = layer(x, bias)
        return x


spec = json.load(sys.stdin)
torch.manual_seed(spec["seed"])
model = Bert(spec)
d = spec["d"]
with torch.no_grad():
    for name, p in model.named_parameters():
        # Non-trivial LayerNorms and biases, weights of BERT's scale, embeddings larger.
        if name.endswith("LayerNorm.weight"):
            p.copy_(1 + 0.2 * torch.randn_like(p))
        elif "embeddings" in name:
            p.copy_(torch.randn_like(p) * 0.5)
        else:
            p.copy_(torch.randn_like(p) * 0.2)
        p.copy_(p.to(TORCH[spec["dtype"]]).float())
    ids = torch.tensor(spec["ids"], dtype=torch.int64)
    out = model(ids)
    mask = (ids != 0).float()[:, :, None]
    mean = (out * mask).sum(1) / mask.sum(1)

prefix = spec["prefix"]
tensors = {prefix + name: p.detach().to(TORCH[spec["dtype"]]) for name, p in model.named_parameters()}
# What real checkpoints carry beside the encoder: the mapping must ignore them.
extra = {
    prefix + "embeddings.position_ids": torch.arange(spec["positions"])[None],
    prefix + "pooler.dense.weight": torch.randn(d, d),
    prefix + "pooler.dense.bias": torch.randn(d),
    "cls.predictions.transform.dense.weight": torch.randn(d, d),
    "cls.predictions.bias": torch.randn(spec["vocab"]),
}
tensors.update({name: t if t.dtype == torch.int64 else t.to(TORCH[spec["dtype"]]) for name, t in extra.items()})
save(tensors, spec["path"], {"format": "pt"})
json.dump({"states": out.tolist(), "mean": mean.tolist(), "names": sorted(tensors)}, sys.stdout)
