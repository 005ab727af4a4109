"""PyTorch CPU counterpart of `lmc bench`'s barrier_curve: the time of one barrier curve as a researcher
would compute it in PyTorch. Two independently initialised MLPs 784-512-512-512-10 (ReLU), 25 evenly spaced
alphas; at each, the interpolated state dict (1 - a) A + a B is loaded and its mean cross-entropy and error
measured on 20,000 standard normal images in batches of 500 (or BATCH), float32, under torch.no_grad().
Prints one JSON line with the best of three curves in milliseconds.

  ~/anchors-venv/bin/python scripts/bench-torch-barrier.py [THREADS [BATCH]]

Run it right after `lmc bench --threads THREADS` and compare barrier_curve.ms (ratios only mean anything
within one session on these shared machines).
"""
import json, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 500
torch.set_num_threads(threads)


def mlp(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))


a, b, point = mlp(1), mlp(2), mlp(3)
X = torch.randn(20000, 784)
Y = torch.arange(20000) % 10
alphas = [i / 24 for i in range(25)]


def curve():
    results = []
    with torch.no_grad():
        for alpha in alphas:
            point.load_state_dict({k: (1 - alpha) * a.state_dict()[k] + alpha * b.state_dict()[k] for k in a.state_dict()})
            loss, wrong = 0.0, 0
            for i in range(0, 20000, batch):
                logits = point(X[i:i + batch])
                loss += F.cross_entropy(logits, Y[i:i + batch], reduction="sum").item()
                wrong += (logits.argmax(1) != Y[i:i + batch]).sum().item()
            results.append((loss / 20000, wrong / 20000))
    return results


curve()  # warm-up
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    curve()
    best = min(best, time.perf_counter() - t)
print(json.dumps({"threads": threads, "points": 25, "examples": 20000, "batch": batch, "barrier_curve_ms": best * 1000}))
