"""Trains a pair of residual CNNs in PyTorch, exports each to ONNX and writes a spec for lmc to align them.

The network is the module of scripts/torch-onnx-experiment-model.py (conv1, bn1, layer1.0 … layer3.0
BasicBlocks with BatchNorm and 1×1 projection shortcuts, global average pooling, fc; 39,354 parameters),
imported from that file. Each network is trained from its seed with the recipe of
experiments/onnx-import.yaml: SGD lr 0.05, momentum 0.9, weight decay 5e-4, batch 128, half an epoch of
linear warmup then linear decay to 0 (per step, as lmc's schedule), EPOCHS epochs. Pixels standardised
by one scalar mean and std over the training pixels, as lmc's `normalize: standard`. Each trained module
is exported in eval mode, weights embedded, by torch.onnx.export(..., dynamo=False, opset_version=17,
do_constant_folding=False) (which keeps the BatchNorm layers and the state-dict names), checked with
onnxruntime against the module's logits, and written to OUT/a.onnx and OUT/b.onnx. OUT/pair.yaml imports
the architecture from a.onnx, loads both networks' weights from their files and measures the naive,
weight-matching and activation-matching barriers:

  python scripts/torch-onnx-pair.py OUT [SEED_A SEED_B] [EPOCHS] [THREADS]
  lmc run OUT/pair.yaml

Seeds default to 1 and 2, EPOCHS to 2, THREADS to 2. Needs numpy, torch, onnx and onnxruntime. With the
defaults, 26 minutes in all (about 89.5% test accuracy each) on 2 cores that other jobs kept busy.
"""
import gzip, importlib.util, os, sys, time, warnings
import numpy as np, onnx, onnxruntime, torch, torch.nn.functional as F

FMNIST = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
HERE = os.path.dirname(os.path.abspath(__file__))


def experiment_model():
    """The module file scripts/torch-onnx-experiment-model.py (its main runs only as a script)."""
    spec = importlib.util.spec_from_file_location("torch_onnx_experiment_model",
                                                  os.path.join(HERE, "torch-onnx-experiment-model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def idx(name):
    with gzip.open(os.path.join(FMNIST, name), "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * data[3]).reshape(dims)


def train(network, seed, epochs, X, Y, Xt, Yt):
    torch.manual_seed(seed)
    model = network()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    batch = 128
    per_epoch = (len(X) + batch - 1) // batch
    total, warmup = epochs * per_epoch, int(0.5 * per_epoch + 0.5)  # rounded half up, as lmc's schedule
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total - s) / max(total - warmup, 1)))
    start = time.time()
    for epoch in range(epochs):
        model.train()
        order, loss_sum = torch.randperm(len(X)), 0.0
        for i in range(0, len(X), batch):
            rows = order[i:i + batch]
            loss = F.cross_entropy(model(X[rows]), Y[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            loss_sum += loss.item() * len(rows)
        print(f"seed {seed} epoch {epoch + 1}: train loss {loss_sum / len(X):.4f} ({time.time() - start:.0f} s)", flush=True)
    model.eval()
    with torch.no_grad():
        right = sum((model(Xt[j:j + 1000]).argmax(1) == Yt[j:j + 1000]).sum().item() for j in range(0, len(Xt), 1000))
    print(f"seed {seed}: test accuracy {100 * right / len(Xt):.2f}%", flush=True)
    return model


def export(model, example, path):
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), path, dynamo=False, opset_version=17, do_constant_folding=False,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path), full_check=True)
    with torch.no_grad():
        expected = model(example).numpy()
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": example.numpy()})[0]
    difference = float(np.abs(got - expected).max())
    print(f"{path}: {os.path.getsize(path)} bytes, onnxruntime vs torch on {len(example)} test images {difference:.2e}")
    if not (difference <= 1e-4 and (got.argmax(1) == expected.argmax(1)).all()):
        sys.exit(f"{path}: onnxruntime differs from torch by {difference:.3e}")


SPEC = """lmc: 1
name: torch-pair
datasets:
  fmnist: {source: fashion-mnist, normalize: standard}
models:
  cnn: {onnx: a.onnx}
networks:
  a: {model: cnn, load: a.onnx}
  b: {model: cnn, load: b.onnx}
alignments:
  wm: {method: weight-matching, align: b, to: a}
  am: {method: activation-matching, align: b, to: a, samples: 2000}
interpolations:
  naive: {between: [a, b]}
  weight: {between: [a, b], permute: wm}
  activation: {between: [a, b], permute: am}
evaluation: {alphas: 11, splits: {train: 5000, test: all}}
"""

if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) not in (1, 2, 3, 4, 5) or len(args) == 2:
        sys.exit(__doc__)
    out = args[0]
    seed_a, seed_b = (int(args[1]), int(args[2])) if len(args) >= 3 else (1, 2)
    rest = args[3:] if len(args) >= 3 else []
    epochs = int(rest[0]) if len(rest) > 0 else 2
    torch.set_num_threads(int(rest[1]) if len(rest) > 1 else 2)
    network = experiment_model().FMNISTResNet
    os.makedirs(out, exist_ok=True)
    train_x = idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255
    mean, std = train_x.mean(), train_x.std()
    X = torch.from_numpy((train_x - mean) / std).unsqueeze(1)
    Y = torch.from_numpy(idx("train-labels-idx1-ubyte.gz").astype(np.int64))
    Xt = torch.from_numpy((idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255 - mean) / std).unsqueeze(1)
    Yt = torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    for name, seed in [("a", seed_a), ("b", seed_b)]:
        export(train(network, seed, epochs, X, Y, Xt, Yt), Xt[:8], os.path.join(out, f"{name}.onnx"))
    with open(os.path.join(out, "pair.yaml"), "w") as f:
        f.write(SPEC)
    print(f"wrote {out}/a.onnx, {out}/b.onnx, {out}/pair.yaml; now: lmc run {out}/pair.yaml")
