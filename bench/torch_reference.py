"""PyTorch reference for bench/train.ts: the article's hard-sharing model, timed on one thread.

Run by bench/train.ts as a child process (Debian's python3-torch: /usr/bin/python3). It speaks JSON
lines so the benchmark can interleave its repeats with the TensorFlow.js ones (load from other
processes then hits every implementation alike):

  first line out: {"ready": true, "torch": ..., "blas": ..., "libblas": ..., "threads": 1}
  in:  {"inputs": 100, "hidden": 50, "batch": 32, "seconds": 1.0, "minSteps": 3}
  out: {"steps": n, "seconds": wall-clock s, "cpuSeconds": this process's CPU time}
  in:  {"quit": true}

With `--device cuda` (the webgpu comparison on a machine with a GPU) it runs on CUDA when this PyTorch
has it, else on the CPU with all its threads; the ready line says which ("device").

The model is the same as the TypeScript side: shared Linear(inputs, hidden) + ReLU, two linear heads
(10 and 20 classes) straight from the shared layer, softmax cross-entropy per task summed with equal
weights, Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-8). The batch is fixed (made once), as in the
bare TensorFlow.js steps it is compared with.
"""

import json
import sys
import time

import torch


def blas_library() -> str:
    """The libblas.so.3 this process actually mapped (Debian switches it through alternatives / LD_LIBRARY_PATH)."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                path = line.split()[-1]
                if "libblas" in path or "openblas" in path or "mkl" in path:
                    return path
    except OSError:
        pass
    return "unknown"


def blas_info() -> str:
    for part in torch.__config__.show().replace(",", "\n").split("\n"):
        if "BLAS_INFO" in part:
            return part.strip()
    return "unknown"


class Model:
    def __init__(self, inputs: int, hidden: int, batch: int, device: str = "cpu"):
        gen = torch.Generator().manual_seed(1)
        self.shared = torch.nn.Linear(inputs, hidden).to(device)
        self.heads = [torch.nn.Linear(hidden, classes).to(device) for classes in (10, 20)]
        params = list(self.shared.parameters()) + [p for h in self.heads for p in h.parameters()]
        self.optimizer = torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-8)
        self.x = torch.rand(batch, inputs, generator=gen).to(device)
        self.targets = [torch.randint(0, classes, (batch,), generator=gen).to(device) for classes in (10, 20)]

    def step(self) -> float:
        self.optimizer.zero_grad(set_to_none=True)
        h = torch.relu(self.shared(self.x))
        loss = sum(torch.nn.functional.cross_entropy(head(h), y) for head, y in zip(self.heads, self.targets))
        loss.backward()
        self.optimizer.step()
        # Read the loss back, as the TypeScript steps do (they check it for NaN and log it).
        return loss.item()


def main() -> None:
    wants_gpu = sys.argv[1:3] == ["--device", "cuda"]
    device = "cuda" if wants_gpu and torch.cuda.is_available() else "cpu"
    if not wants_gpu:
        torch.set_num_threads(1)
    models: dict[tuple[int, int, int], Model] = {}
    print(json.dumps({"ready": True, "torch": torch.__version__, "blas": blas_info(), "libblas": blas_library(), "threads": torch.get_num_threads(), "device": device}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("quit"):
            break
        key = (request["inputs"], request["hidden"], request["batch"])
        if key not in models:
            models[key] = Model(*key, device=device)
            for _ in range(request.get("warmup", 5)):
                models[key].step()
        model = models[key]
        steps = 0
        start = time.perf_counter()
        cpu_start = time.process_time()
        elapsed = 0.0
        while elapsed < request["seconds"] or steps < request["minSteps"]:
            model.step()
            steps += 1
            elapsed = time.perf_counter() - start
        print(json.dumps({"steps": steps, "seconds": elapsed, "cpuSeconds": time.process_time() - cpu_start}), flush=True)


if __name__ == "__main__":
    main()
