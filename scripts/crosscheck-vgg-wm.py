"""Cross-check of lmc's weight matching on a VGG-style pair ([16, M, 32, M, 64, 64, M], GroupNorm).

An independent weight matching (Git Re-Basin coordinate ascent, scipy's assignment solver) runs on the
networks lmc trained, and PyTorch evaluates every path on the 10,000 test images (25 alphas), so it
checks lmc's evaluation and its alignment against code that shares nothing with lmc.

usage (after `lmc run experiments/conv-weak-lmc.yaml`):
  lmc export experiments/conv-weak-lmc.yaml vgg-a --out a.safetensors
  lmc export experiments/conv-weak-lmc.yaml vgg-b --out b.safetensors
  lmc export experiments/conv-weak-lmc.yaml vgg-b --permute vgg-wm --out b-wm.safetensors
  python scripts/crosscheck-vgg-wm.py a.safetensors b.safetensors b-wm.safetensors
Needs numpy, scipy and torch (safetensors is parsed here).
"""
import gzip, json, os, struct, sys
import numpy as np, torch, torch.nn.functional as F
from scipy.optimize import linear_sum_assignment

FMNIST = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist


def idx(name):
    with gzip.open(os.path.join(FMNIST, name), "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * data[3]).reshape(dims)


def load(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np.float32).reshape(v["shape"]).copy())
    return out


A, B, Blmc = (load(p) for p in sys.argv[1:4])
convs = sorted(int(k[4:].split(".")[0]) for k in A if k.startswith("conv") and k.endswith(".weight"))
L = len(convs)
names = [f"conv{i}" for i in convs]
cfg = [16, "M", 32, "M", 64, 64, "M"]


def forward(p, x):
    i = 0
    for c in cfg:
        if c == "M":
            x = F.max_pool2d(x, 2)
        else:
            x = F.conv2d(x, p[f"{names[i]}.weight"], padding=1)
            x = F.group_norm(x, 1, p[f"norm{convs[i]}.weight"], p[f"norm{convs[i]}.bias"], eps=1e-5)
            x = F.relu(x)
            i += 1
    return F.linear(x.mean((2, 3)), p["fc.weight"], p["fc.bias"])


spec = {}
for j, i in enumerate(convs):
    spec[f"conv{i}.weight"] = [j, j - 1 if j > 0 else None, None, None]
    spec[f"norm{i}.weight"] = [j]
    spec[f"norm{i}.bias"] = [j]
spec["fc.weight"] = [None, L - 1]
spec["fc.bias"] = [None]


def permute(p, perms, skip=None):
    out = {}
    for k, w in p.items():
        for axis, g in enumerate(spec[k]):
            if g is not None and (k, axis) != skip:
                w = torch.index_select(w, axis, torch.from_numpy(perms[g]))
        out[k] = w
    return out


def weight_matching(A, B, seed=0):
    rng = np.random.default_rng(seed)
    sizes = [A[f"norm{i}.weight"].shape[0] for i in convs]
    perms = [np.arange(n) for n in sizes]
    for sweep in range(100):
        improved = False
        for g in rng.permutation(L):
            n = sizes[g]
            C = np.zeros((n, n), dtype=np.float64)
            for k, axes in spec.items():
                for axis, gg in enumerate(axes):
                    if gg != g:
                        continue
                    wa = A[k].moveaxis(axis, 0).reshape(n, -1).double().numpy()
                    wb = permute(B, perms, skip=(k, axis))[k].moveaxis(axis, 0).reshape(n, -1).double().numpy()
                    C += wa @ wb.T
            _, ci = linear_sum_assignment(C, maximize=True)
            old = C[np.arange(n), perms[g]].sum()
            new = C[np.arange(n), ci].sum()
            if new > old + 1e-12:
                improved = True
            perms[g] = ci
        if not improved:
            break
    return perms, sweep + 1


def objective(A, Bp):
    return sum(float((A[k].double() * Bp[k].double()).sum()) for k in A if spec[k] != [None])


# Pixels in [0, 1], standardised by one scalar mean and std over all training pixels, as lmc does.
train = idx("train-images-idx3-ubyte.gz").astype(np.float32) / 255
xte = (idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255 - train.mean()) / train.std()
X, Y = torch.from_numpy(xte).unsqueeze(1), torch.from_numpy(idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))


def error(p):
    with torch.no_grad():
        wrong = 0
        for i in range(0, 10000, 1000):
            wrong += (forward(p, X[i:i + 1000]).argmax(1) != Y[i:i + 1000]).sum().item()
    return wrong / 10000


def barrier(A, Bp):
    alphas = np.linspace(0, 1, 25)
    errs = [error({k: (1 - a) * A[k] + a * Bp[k] for k in A}) for a in alphas]
    return max(e - ((1 - a) * errs[0] + a * errs[-1]) for a, e in zip(alphas, errs)), errs


torch.set_num_threads(2)
print("endpoints", error(A), error(B), "lmc-permuted B", error(Blmc))
perms, sweeps = weight_matching(A, B)
Bpy = permute(B, perms)
print("objective: identity %.4f  lmc WM %.4f  python WM %.4f (%d sweeps)" % (objective(A, B), objective(A, Blmc), objective(A, Bpy), sweeps))
for label, Bp in [("naive", B), ("lmc WM", Blmc), ("python WM", Bpy)]:
    b, errs = barrier(A, Bp)
    print(f"{label}: test error barrier {100 * b:.2f} pts; midpoint error {100 * errs[12]:.2f}%")
for seed in [1, 2, 3]:
    perms, sweeps = weight_matching(A, B, seed)
    Bp = permute(B, perms)
    b, _ = barrier(A, Bp)
    print(f"python WM seed {seed}: objective {objective(A, Bp):.4f}, barrier {100 * b:.2f} pts")
