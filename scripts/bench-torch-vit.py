"""PyTorch CPU counterpart of `lmc bench`'s vit_train: training throughput (samples/s) of the ViT of
experiments/vit-weak-lmc.yaml (patch 7 on 28x28: 16 tokens, width 64, 4 pre-norm blocks of 4 heads, MLP
ratio 2, LayerNorm, GELU, mean pooling), AdamW (lr 1e-3, weight decay 0.05), batch 128, float32.

The module is the one `scripts/torch-vit-fixture.py` defines (lmc's tensor names). Inputs are standard
normal 1x28x28 images with random labels, as lmc's workload uses synthetic data: the speed of a dense
network does not depend on the values. Prints one JSON line.

  ~/anchors-venv/bin/python scripts/bench-torch-vit.py [THREADS] [STEPS]

Run it right after `lmc bench --threads THREADS` on the same machine and compare vit_train with
train_samples_per_s (the anchors' README explains why only same-session ratios mean anything).
"""
import importlib.util, json, os, sys, time
import torch, torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 60
torch.set_num_threads(threads)
torch.manual_seed(0)

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("vit_fixture", os.path.join(here, "torch-vit-fixture.py"))
vit_fixture = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vit_fixture)

model = vit_fixture.ViT(patch=7, width=64, depth=4, heads=4, hidden=128, classes=10)
X = torch.randn(3840, 1, 28, 28)
Y = torch.randint(0, 10, (3840,))
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)


def train(n):
    for i in range(n):
        start = (i * 128) % 3840
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(X[start:start + 128]), Y[start:start + 128]).backward()
        opt.step()


train(10)  # warm-up
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    train(steps)
    best = min(best, time.perf_counter() - t)
print(json.dumps({"threads": threads, "model": "vit-p7-w64-d4-h4-r2", "batch": 128,
                  "train_samples_per_s": steps * 128 / best}))
