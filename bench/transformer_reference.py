"""PyTorch side of bench/transformer.ts: the same encoder (pre-LN, GELU, mean pooling, one 10-class head, Adam),
trained on random token ids on one thread. Prints steps, CPU seconds and wall seconds as JSON.

Usage: python3 transformer_reference.py <d> <layers> <heads> <tokens> <batch> <vocab> <steps>
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
d, layers, heads, tokens, batch, vocab, steps = (int(v) for v in sys.argv[1:8])
torch.manual_seed(0)


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tokens = torch.nn.Embedding(vocab, d)
        self.positions = torch.nn.Parameter(torch.zeros(tokens, d))
        layer = torch.nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = torch.nn.LayerNorm(d)
        self.head = torch.nn.Linear(d, 10)

    def forward(self, ids):
        h = self.norm(self.encoder(self.tokens(ids) + self.positions, src_key_padding_mask=ids == 0))
        return self.head(h.mean(1))


model = Model()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
ids = torch.randint(1, vocab, (batch, tokens))
labels = torch.randint(0, 10, (batch,))


def step():
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(ids), labels).backward()
    optimizer.step()


step()
cpu, wall = time.process_time(), time.perf_counter()
for _ in range(steps):
    step()
json.dump({"steps": steps, "cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}, sys.stdout)
