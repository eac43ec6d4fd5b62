"""A safetensors writer from the format's description, for tests (the `safetensors` package is not in Debian).

`save(tensors, path)` writes an 8-byte little-endian header length, the JSON header (dtype, shape, data_offsets
per tensor, in name order) and each tensor's raw little-endian bytes. Run as a script, it reads JSON on stdin,
`{"path": ..., "tensors": {name: {"dtype": "F32" | "F16" | "BF16", "shape": [...], "values": [...]}}}`, writes the
file with torch's rounding to each dtype, and prints each tensor's values as torch holds them (as float32).
"""
import json
import struct
import sys

import torch

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}
TORCH = {name: dtype for dtype, name in DTYPES.items()}


def raw_bytes(tensor):
    """The tensor's bytes, row-major (little-endian on the machines this runs on; checked below)."""
    flat = tensor.contiguous().reshape(-1)
    if tensor.dtype == torch.bfloat16:
        flat = flat.view(torch.int16)
    return flat.numpy().tobytes()


def save(tensors, path, metadata=None):
    assert sys.byteorder == "little"
    header, chunks, at = {}, [], 0
    for name in sorted(tensors):
        data = raw_bytes(tensors[name])
        header[name] = {"dtype": DTYPES[tensors[name].dtype], "shape": list(tensors[name].shape), "data_offsets": [at, at + len(data)]}
        chunks.append(data)
        at += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)  # the format pads the header with spaces to a multiple of 8
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)))
        out.write(text)
        for chunk in chunks:
            out.write(chunk)


if __name__ == "__main__":
    spec = json.load(sys.stdin)
    tensors = {name: torch.tensor(t["values"], dtype=torch.float32).reshape(t["shape"]).to(TORCH[t["dtype"]]) for name, t in spec["tensors"].items()}
    save(tensors, spec["path"], spec.get("metadata"))
    json.dump({name: t.float().reshape(-1).tolist() for name, t in tensors.items()}, sys.stdout)
