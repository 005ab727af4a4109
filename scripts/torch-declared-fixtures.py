"""Writes PyTorch reference fixtures for three models declared layer by layer, for lmc's tests to match.

Each model below is a PyTorch module equal, layer for layer and name for name, to the lmc `layers:` list
in MODELS. It is initialised from a fixed torch seed; BatchNorm's running statistics are first gathered
from three training-mode passes over random batches (so `num_batches_tracked` is 3), then every norm's
weight and bias and every BatchNorm's running_mean and running_var are perturbed per channel, so that a
wrong mapping (a norm over the wrong axes, swapped statistics, a flatten in the wrong order, a tensor
given to the wrong layer) moves the logits far beyond the tests' tolerance. In eval mode, 4 fixed input
images go through it. For each model, Tests/InterpreterTests/Fixtures/declared/<name>/ gets:

  model.safetensors   the module's full state_dict (num_batches_tracked included, I64)
  inputs.safetensors  `inputs`, F32 [4, H, W, C]: channel last, as lmc stores examples
  logits.safetensors  `logits`, F32 [4, 10]: the module evaluated in float64 on the stored float32
                      weights and inputs, rounded to float32 (the exact function of the stored numbers;
                      the float32 forward pass is printed next to it for comparison)
  model.yaml          the lmc `layers:` list

  ~/anchors-venv/bin/python scripts/torch-declared-fixtures.py [OUT]

OUT defaults to Tests/InterpreterTests/Fixtures/declared beside this script. Needs torch, numpy and
safetensors (python3 -m venv ~/anchors-venv && ~/anchors-venv/bin/pip install torch numpy safetensors).
The script also checks that each "decoy" (a plausible wrong mapping) moves some logit by more than 100×
the tests' tolerance, and fails otherwise. Runs in a few seconds on the CPU.
"""
import copy, os, sys
import torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import save_file

CLASSES, EXAMPLES, TOLERANCE = 10, 4, 1e-4

MODELS = {
    "cnn-mlp": ((1, 12, 12), 11, """layers:
  - {conv: 8, name: conv1}
  - relu
  - {maxpool: 2}
  - {conv: 16, name: conv2}
  - relu
  - {maxpool: 2}
  - flatten
  - {linear: 32, name: fc1}
  - relu
  - {linear: 24, name: fc2}
  - relu
  - {linear: classes, name: fc3}
"""),
    "resnet-bn": ((3, 16, 16), 12, """layers:
  - {conv: 8, name: stem.conv, bias: false}
  - {norm: batch, name: stem.norm}
  - relu
  - block: layer1.1
    layers:
      - {conv: 8, name: conv1, bias: false}
      - {norm: batch, name: norm1}
      - relu
      - {conv: 8, name: conv2, bias: false}
      - {norm: batch, name: norm2}
      - {add: [norm2, input]}
      - relu
  - block: layer2.1
    layers:
      - {conv: 16, stride: 2, name: conv1, bias: false}
      - {norm: batch, name: norm1}
      - relu
      - {conv: 16, name: conv2, bias: false}
      - {norm: batch, name: norm2}
      - {conv: 16, kernel: 1, stride: 2, from: input, name: shortcut.conv, bias: false}
      - {norm: batch, name: shortcut.norm}
      - {add: [norm2, shortcut.norm]}
      - relu
  - global_avgpool
  - {linear: classes, name: fc}
"""),
    "cifar": ((3, 32, 32), 13, """layers:
  - {conv: 8, kernel: 5, stride: 2, padding: 2, name: conv1}
  - {norm: group, name: norm1}
  - relu
  - {avgpool: 2}
  - {conv: 16, name: conv2, bias: false}
  - {norm: layer, name: norm2}
  - relu
  - {maxpool: 2}
  - flatten
  - {linear: 32, name: fc1}
  - relu
  - {linear: classes, name: fc2}
"""),
}


class CNNMLP(nn.Module):
    """conv1 8, maxpool, conv2 16, maxpool, flatten (C-major), fc1 32, fc2 24, fc3 classes; ReLU between."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 8, 3, padding=1), nn.Conv2d(8, 16, 3, padding=1)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 3 * 3, 32), nn.Linear(32, 24), nn.Linear(24, CLASSES)

    def forward(self, x, decoy=None):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.permute(0, 2, 3, 1).flatten(1) if decoy == "flatten-hwc" else x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class ConvNorm(nn.Module):
    """A bias-free convolution and its BatchNorm (`<prefix>.conv`, `<prefix>.norm`)."""

    def __init__(self, cin, cout, kernel=3, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.norm(self.conv(x))


class BasicBlock(nn.Module):
    """conv1, norm1, ReLU, conv2, norm2, plus the input (through `shortcut` when the shape changes), ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.norm1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.norm2 = nn.BatchNorm2d(cout)
        self.shortcut = ConvNorm(cin, cout, 1, stride) if stride != 1 or cin != cout else None

    def forward(self, x, decoy=None):
        y = self.norm2(self.conv2(F.relu(self.norm1(self.conv1(x)))))
        if decoy == "no-residual":
            return F.relu(y)
        return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


class ResNetBN(nn.Module):
    """stem (conv 8, BatchNorm, ReLU), layer1.1 (8 → 8), layer2.1 (8 → 16, stride 2, 1×1 projection), mean, fc."""

    def __init__(self):
        super().__init__()
        self.stem = ConvNorm(3, 8)
        # ModuleDict keys give the state-dict names `layer1.1.…` and `layer2.1.…`.
        self.layer1 = nn.ModuleDict({"1": BasicBlock(8, 8, 1)})
        self.layer2 = nn.ModuleDict({"1": BasicBlock(8, 16, 2)})
        self.fc = nn.Linear(16, CLASSES)

    def forward(self, x, decoy=None):
        x = F.relu(self.stem(x))
        x = self.layer1["1"](x, decoy)
        x = self.layer2["1"](x, decoy)
        return self.fc(x.mean((2, 3)))


class CIFARNet(nn.Module):
    """conv1 5×5/2 (GroupNorm(1, 8)), avgpool 2, conv2 (LayerNorm over channels), maxpool 2, fc1 32, fc2."""

    def __init__(self):
        super().__init__()
        self.conv1, self.norm1 = nn.Conv2d(3, 8, 5, stride=2, padding=2), nn.GroupNorm(1, 8)
        self.conv2, self.norm2 = nn.Conv2d(8, 16, 3, padding=1, bias=False), nn.LayerNorm(16)
        self.fc1, self.fc2 = nn.Linear(16 * 4 * 4, 32), nn.Linear(32, CLASSES)

    def forward(self, x, decoy=None):
        x = F.avg_pool2d(F.relu(self.norm1(self.conv1(x))), 2)
        x = self.conv2(x)
        if decoy == "layer-as-group":
            # One mean and variance per sample, over C×H×W: the mistake of treating `layer` as GroupNorm(1, C).
            x = F.group_norm(x, 1, self.norm2.weight, self.norm2.bias, self.norm2.eps)
        else:
            x = self.norm2(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)  # LayerNorm over channels at each position
        x = F.max_pool2d(F.relu(x), 2)
        x = x.permute(0, 2, 3, 1).flatten(1) if decoy == "flatten-hwc" else x.flatten(1)
        return self.fc2(F.relu(self.fc1(x)))


MODULES = {"cnn-mlp": CNNMLP, "resnet-bn": ResNetBN, "cifar": CIFARNet}
# Wrong mappings each fixture must catch (evaluated in float64, like the reference logits).
DECOYS = {
    "cnn-mlp": ["flatten-hwc", "scrambled-fc1"],
    "resnet-bn": ["no-residual", "batch-statistics", "swapped-statistics", "identity-norm-shift"],
    "cifar": ["layer-as-group", "flatten-hwc", "identity-norm-shift"],
}


def perturb(model, generator):
    """Moves every norm's affine and BatchNorm's statistics off their defaults, differently per channel."""
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)):
            c = module.weight.numel()
            module.weight.copy_(0.5 + torch.rand(c, generator=generator))          # in [0.5, 1.5)
            module.bias.copy_(torch.rand(c, generator=generator) - 0.5)             # in [-0.5, 0.5)
        if isinstance(module, nn.BatchNorm2d):
            c = module.running_mean.numel()
            module.running_mean.add_(0.4 * (torch.rand(c, generator=generator) - 0.5))
            module.running_var.mul_(0.5 + 1.5 * torch.rand(c, generator=generator))  # stays positive


def decoy_logits(model, x, decoy):
    """The float64 logits under one plausible wrong mapping."""
    wrong = copy.deepcopy(model)
    with torch.no_grad():
        if decoy == "scrambled-fc1":  # fc1's inputs read in HWC order: the weights of a HWC flatten
            w = wrong.fc1.weight.view(32, 16, 3, 3).permute(0, 2, 3, 1).reshape(32, -1)
            wrong.fc1.weight.copy_(w)
            return wrong(x)
        if decoy == "batch-statistics":  # BatchNorm on the batch's statistics instead of the running ones
            return wrong.train()(x)
        if decoy == "swapped-statistics":
            for m in wrong.modules():
                if isinstance(m, nn.BatchNorm2d):
                    mean, var = m.running_mean.clone(), m.running_var.clone()
                    m.running_mean.copy_(var)
                    m.running_var.copy_(mean.abs() + 1e-3)
            return wrong(x)
        if decoy == "identity-norm-shift":  # every norm's bias read as zero (a tensor dropped)
            for m in wrong.modules():
                if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)):
                    m.bias.zero_()
            return wrong(x)
        return wrong(x, decoy)


def main(out):
    torch.set_num_threads(1)
    for name, ((c, h, w), seed, yaml) in MODELS.items():
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(1000 + seed)
        model = MODULES[name]()
        with torch.no_grad():
            model.train()
            for _ in range(3):  # running statistics of real activations, then num_batches_tracked = 3
                model(torch.randn(8, c, h, w, generator=generator))
            perturb(model, generator)
        model.eval()
        x = torch.randn(EXAMPLES, c, h, w, generator=generator)
        state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
        reference = copy.deepcopy(model).double()
        with torch.no_grad():
            exact = reference(x.double())
            single = model(x).double()
            decoys = {d: (decoy_logits(reference, x.double(), d) - exact).abs().max().item() for d in DECOYS[name]}
        logits = exact.float()

        directory = os.path.join(out, name)
        os.makedirs(directory, exist_ok=True)
        save_file(state, os.path.join(directory, "model.safetensors"))
        save_file({"inputs": x.permute(0, 2, 3, 1).contiguous()}, os.path.join(directory, "inputs.safetensors"))
        save_file({"logits": logits.contiguous()}, os.path.join(directory, "logits.safetensors"))
        with open(os.path.join(directory, "model.yaml"), "w") as f:
            f.write(yaml)

        scale = exact.abs().clamp(min=1)
        sizes = {f: os.path.getsize(os.path.join(directory, f)) for f in sorted(os.listdir(directory))}
        print(f"{name}: input {c}x{h}x{w}, {sum(v.numel() for v in state.values())} stored values, "
              f"logits in [{exact.min().item():.3f}, {exact.max().item():.3f}]")
        print(f"  float32 forward vs float64: max scaled difference {((single - exact).abs() / scale).max().item():.2e}")
        for d, diff in decoys.items():
            print(f"  decoy {d}: max logit change {diff:.3f}")
        print(f"  files: {sizes} = {sum(sizes.values())} bytes")
        weak = [d for d, diff in decoys.items() if diff < 100 * TOLERANCE]
        if weak:
            sys.exit(f"{name}: decoys {weak} move the logits by less than {100 * TOLERANCE}; perturb more")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "Tests", "InterpreterTests", "Fixtures", "declared"))
