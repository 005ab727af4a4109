"""Trains a VGG-style pair in PyTorch with the recipe of experiments/conv-weak-lmc.yaml, for lmc to align.

[16, M, 32, M, 64, 64, M] 3x3 convolutions without bias, GroupNorm(1, C), ReLU; global average pooling
and a linear classifier; SGD lr 0.1, momentum 0.9, weight decay 5e-4, batch 128, 10 epochs, one epoch of
linear warmup then linear decay to 0 (per step, as lmc's schedule). Pixels standardised by one scalar
mean and std, as lmc's `normalize: standard`. Writes OUT/a.safetensors and OUT/b.safetensors with
lmc's tensor names (conv{i}.weight, norm{i}.weight, norm{i}.bias, fc.weight, fc.bias) and OUT/pair.yaml,
a spec that loads them and measures the naive, weight-matching and activation-matching barriers:

  python scripts/torch-vgg-pair.py OUT SEED_A SEED_B [THREADS]
  lmc run OUT/pair.yaml

Needs numpy and torch (safetensors is written here). About 5 minutes per network on 2 cores.
"""
import gzip, json, os, struct, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

FMNIST = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
CFG = [16, "M", 32, "M", 64, 64, "M"]


def idx(name):
    with gzip.open(os.path.join(FMNIST, name), "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * data[3]).reshape(dims)


class VGG(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs, self.norms, c = nn.ModuleList(), nn.ModuleList(), 1
        for v in CFG:
            if v != "M":
                self.convs.append(nn.Conv2d(c, v, 3, padding=1, bias=False))
                self.norms.append(nn.GroupNorm(1, v))
                c = v
        self.fc = nn.Linear(c, 10)

    def forward(self, x):
        i = 0
        for v in CFG:
            if v == "M":
                x = F.max_pool2d(x, 2)
            else:
                x = F.relu(self.norms[i](self.convs[i](x)))
                i += 1
        return self.fc(x.mean((2, 3)))


def train(seed, X, Y, Xt, Yt):
    torch.manual_seed(seed)
    model = VGG()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    epochs, batch = 10, 128
    per_epoch = (len(X) + batch - 1) // batch
    total, warmup = epochs * per_epoch, per_epoch
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total - s) / (total - warmup)))
    start = time.time()
    for epoch in range(epochs):
        order = torch.randperm(len(X))
        for i in range(0, len(X), batch):
            rows = order[i:i + batch]
            loss = F.cross_entropy(model(X[rows]), Y[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
        with torch.no_grad():
            wrong = sum((model(Xt[j:j + 1000]).argmax(1) != Yt[j:j + 1000]).sum().item() for j in range(0, len(Xt), 1000))
        print(f"seed {seed} epoch {epoch + 1}: test error {100 * wrong / len(Xt):.2f}% ({time.time() - start:.0f} s)", flush=True)
    return model


def save(model, path):
    tensors = {}
    for i, (conv, norm) in enumerate(zip(model.convs, model.norms), 1):
        tensors[f"conv{i}.weight"], tensors[f"norm{i}.weight"], tensors[f"norm{i}.bias"] = conv.weight, norm.weight, norm.bias
    tensors["fc.weight"], tensors["fc.bias"] = model.fc.weight, model.fc.bias
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


SPEC = """lmc: 1
name: torch-vgg-pair
description: A VGG pair trained by PyTorch (seeds {a} and {b}), aligned and evaluated by lmc.
datasets:
  fmnist: {{source: fashion-mnist, normalize: standard}}
models:
  vgg: {{kind: vgg, layers: [1, M, 2, M, 4, 4, M], width: 16, norm: groupnorm}}
networks:
  a: {{model: vgg, load: a.safetensors}}
  b: {{model: vgg, load: b.safetensors}}
alignments:
  wm: {{method: weight-matching, align: b, to: a}}
  am: {{method: activation-matching, align: b, to: a, samples: 2000}}
interpolations:
  naive: {{between: [a, b]}}
  weight: {{between: [a, b], permute: wm}}
  activation: {{between: [a, b], permute: am}}
evaluation: {{alphas: 25, splits: {{test: all}}, metrics: [loss, error]}}
"""

if __name__ == "__main__":
    out, seed_a, seed_b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 2)
    os.makedirs(out, exist_ok=True)
    train_x = idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255
    mean, std = train_x.mean(), train_x.std()
    X = torch.from_numpy((train_x - mean) / std).unsqueeze(1)
    Y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    Xt = torch.from_numpy((idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255 - mean) / std).unsqueeze(1)
    Yt = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    for name, seed in [("a", seed_a), ("b", seed_b)]:
        save(train(seed, X, Y, Xt, Yt), os.path.join(out, f"{name}.safetensors"))
    with open(os.path.join(out, "pair.yaml"), "w") as f:
        f.write(SPEC.format(a=seed_a, b=seed_b))
    print(f"wrote {out}/a.safetensors, {out}/b.safetensors, {out}/pair.yaml; now: lmc run {out}/pair.yaml")
