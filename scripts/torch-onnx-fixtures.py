"""Writes ONNX fixtures of five small PyTorch models, exported by both of PyTorch's exporters, for lmc's ONNX importer tests.

Each model below is initialised from a fixed torch seed; BatchNorm's running statistics are first gathered
from three training-mode passes over random batches, then every norm's weight and bias and every
BatchNorm's running_mean and running_var are perturbed per channel (as in torch-declared-fixtures.py), so
that a wrong mapping (swapped statistics, a norm over the wrong axes, a flatten in the wrong order, a
dropped bias) moves the logits far beyond the tests' tolerance (the script checks a few such
decoys move some logit by more than 100× the tolerance). In eval mode each model is exported

  ts      by the TorchScript exporter: torch.onnx.export(..., dynamo=False, opset_version=17,
          do_constant_folding=False), so BatchNormalization nodes stay, their initializers under
          the state-dict names
  dynamo  by the torch.export-based exporter with its defaults: torch.onnx.export(..., dynamo=True,
          external_data=False) (opset 20, optimize=True). do_constant_folding=False is passed but this
          exporter ignores it: its onnxscript optimizer fuses every BatchNorm that follows a Conv into
          that Conv, storing the fused weight under the conv's own state-dict name (`conv1.weight`) and a
          fused bias as `<conv>.weight_bias` (or under `<conv>.bias` when the conv had one)

with a dynamic batch dimension (dim_param `batch`), graph input `input` and output `logits`. `vgg-bn` is
also exported once by the TorchScript exporter with its default constant folding, which folds every
BatchNorm into the Conv before it under generated names (`onnx::Conv_NN`): `vgg-bn-folded-ts`. The
dynamo exporter annotates every node with metadata_props; they are kept in mlp-dynamo only (less its
stack traces, which hold this machine's paths) and dropped from the others, a third of their size.
`cnn-bn-untrained` is the exception: exported as initialised (BatchNorm at its defaults, nothing
perturbed), it shows what the exporters make of equal-valued initializers (see CNNBNUntrained).
For each <model>-<exporter>, Tests/InterpreterTests/Fixtures/onnx/<model>-<exporter>/ gets:

  model.onnx          the exported model, weights embedded (no external .data file)
  inputs.safetensors  `inputs`, F32 [4, H, W, C]: channel last, as lmc stores examples
  logits.safetensors  `logits`, F32 [4, 10]: the module evaluated in float64 on the stored float32
                      weights and inputs, rounded to float32
  weights.safetensors every float initializer of model.onnx under its ONNX initializer name, and the
                      names Identity nodes alias them by (what a state dict saved "under the
                      initializer names" looks like)

  ~/anchors-venv/bin/python scripts/torch-onnx-fixtures.py [OUT]
  ~/anchors-venv/bin/python scripts/torch-onnx-fixtures.py --describe FILE.onnx...   (prints each graph, one
      node per line, with its opset, ir_version, inputs, outputs and initializers; writes nothing)

OUT defaults to Tests/InterpreterTests/Fixtures/onnx beside this script. Needs torch, onnx, onnxscript,
onnxruntime, numpy and safetensors. Every model.onnx is run by onnxruntime on the stored inputs and must
reproduce the stored logits within 1e-4 (absolute), or the script fails. Runs in well under a minute.
"""
import copy, os, shutil, sys, warnings
import numpy as np
import onnx, onnxruntime
import torch, torch.nn as nn, torch.nn.functional as F
from onnx import helper, numpy_helper
from safetensors.torch import save_file

CLASSES, EXAMPLES, TOLERANCE = 10, 4, 1e-4


class MLP(nn.Module):
    """nn.Flatten, fc1 16, ReLU, fc2 16, ReLU, fc3 classes (input 1×8×8)."""

    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1, self.fc2, self.fc3 = nn.Linear(64, 16), nn.Linear(16, 16), nn.Linear(16, CLASSES)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(self.flatten(x))))))


class VGGBN(nn.Module):
    """VGG-11's 8 conv3×3 (pad 1) + BatchNorm2d + ReLU layers, torchvision-style `features.<i>` and
    `classifier`, at widths 4, M, 8, M, 8, 8, M, 8, 8, 8, 8 (3 max pools: 16×16 → 2×2); torch.flatten
    (8 channels × 2×2 positions, so a flatten in the wrong order moves the logits), Linear."""

    CONFIG = [4, "M", 8, "M", 8, 8, "M", 8, 8, 8, 8]

    def __init__(self):
        super().__init__()
        layers, cin = [], 3
        for v in self.CONFIG:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(cin, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                cin = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(8 * 2 * 2, CLASSES)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class BasicBlock(nn.Module):
    """conv1 3×3, bn1, ReLU, conv2 3×3, bn2, + shortcut (identity, or `shortcut.0` 1×1 conv + `shortcut.1` BN), ReLU."""

    def __init__(self, cin, cout, stride, norm):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = norm(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), norm(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet20BN(nn.Module):
    """ResNet-20 (akamaster/pytorch_resnet_cifar10 naming, option-B projection shortcuts) at width 4:
    conv1, bn1, layer1..3 × 3 BasicBlocks (4, 8, 16 channels; stride 2 at layer2.0 and layer3.0),
    nn.AdaptiveAvgPool2d(1), `out.view(out.size(0), -1)`, linear."""

    def __init__(self, width=4):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        cin, stages = width, []
        for i, (cout, stride) in enumerate([(width, 1), (2 * width, 2), (4 * width, 2)]):
            blocks = []
            for j in range(3):
                blocks.append(BasicBlock(cin, cout, stride if j == 0 else 1, nn.BatchNorm2d))
                cin = cout
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = stages
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(4 * width, CLASSES)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = self.avgpool(out)
        return self.linear(out.view(out.size(0), -1))


class CNNMLP(nn.Module):
    """conv1 4, ReLU, maxpool 2, conv2 8, ReLU, maxpool 2, x.flatten(1), fc1 24, ReLU, fc2 16, ReLU, fc3 (input 1×12×12)."""

    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 8, 3, padding=1)
        self.fc1, self.fc2, self.fc3 = nn.Linear(8 * 3 * 3, 24), nn.Linear(24, 16), nn.Linear(16, CLASSES)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def group_norm(c):
    return nn.GroupNorm(2 if c <= 8 else 4, c)  # 2 groups of 4 channels, or 4 groups of 4


class ResNetGN(nn.Module):
    """conv1 8 + bn1 GroupNorm(2, 8) + ReLU, layer1.0 (8 → 8, GroupNorm(2, 8)), layer2.0 (8 → 16, stride 2,
    1×1 projection, GroupNorm(4, 16)), x.mean((2, 3)), fc."""

    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 8, 3, padding=1, bias=False), group_norm(8)
        self.layer1 = nn.Sequential(BasicBlock(8, 8, 1, group_norm))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, 2, group_norm))
        self.fc = nn.Linear(16, CLASSES)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(x.mean((2, 3)))


class CNNBNUntrained(nn.Module):
    """conv1 4 + bn1 + ReLU, conv2 4 + bn2 + ReLU, maxpool 2, flatten, fc: exported as initialised, BatchNorm
    at its defaults (weight 1, bias 0, running_mean 0, running_var 1), the way an architecture is often exported
    before training. Its BatchNorm tensors are equal in value, and the TorchScript exporter keeps one copy of
    equal initializers, giving the others as Identity nodes whose outputs carry the state-dict names."""

    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4)
        self.conv2, self.bn2 = nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 4 * 4, CLASSES)

    def forward(self, x):
        x = F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))
        return self.fc(torch.flatten(F.max_pool2d(x, 2), 1))


# name: (module, input C×H×W, seed)
MODELS = {
    "mlp": (MLP, (1, 8, 8), 21),
    "vgg-bn": (VGGBN, (3, 16, 16), 22),
    "resnet20-bn": (ResNet20BN, (3, 12, 12), 23),
    "cnn-mlp": (CNNMLP, (1, 12, 12), 24),
    "resnet-gn": (ResNetGN, (3, 12, 12), 25),
    "cnn-bn-untrained": (CNNBNUntrained, (3, 8, 8), 26),
}
UNTRAINED = {"cnn-bn-untrained"}  # exported as initialised: no statistics gathered, nothing perturbed, no decoys


def perturb(model, generator):
    """Moves every norm's affine and BatchNorm's statistics off their defaults, differently per channel."""
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm2d, nn.GroupNorm)):
            c = module.weight.numel()
            module.weight.copy_(0.5 + torch.rand(c, generator=generator))          # in [0.5, 1.5)
            module.bias.copy_(torch.rand(c, generator=generator) - 0.5)             # in [-0.5, 0.5)
        if isinstance(module, nn.BatchNorm2d):
            c = module.running_mean.numel()
            module.running_mean.add_(0.4 * (torch.rand(c, generator=generator) - 0.5))
            module.running_var.mul_(0.5 + 1.5 * torch.rand(c, generator=generator))  # stays positive


# The first Linear after a flatten of more than one position, and the shape (C, H, W) it flattens.
FLATTENED = {"vgg-bn": ("classifier", (8, 2, 2)), "cnn-mlp": ("fc1", (8, 3, 3))}


def decoys(name, model):
    """Plausible wrong mappings of `model` (a float64 copy each): name → module computing the wrong logits."""
    out = {}
    kinds = {type(m) for m in model.modules()}
    def wrong(edit):
        w = copy.deepcopy(model)
        with torch.no_grad():
            edit(w)
        return w
    def swap(w):
        for m in w.modules():
            if isinstance(m, nn.BatchNorm2d):
                mean, var = m.running_mean.clone(), m.running_var.clone()
                m.running_mean.copy_(var)
                m.running_var.copy_(mean.abs() + 1e-3)
    def no_shift(w):
        for m in w.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                m.bias.zero_()
    def one_group(w):
        for m in w.modules():
            if isinstance(m, nn.GroupNorm):
                m.num_groups = 1
    def no_bias(w):
        for m in w.modules():
            if isinstance(m, nn.Linear):
                m.bias.zero_()
    out["zeroed-linear-biases"] = wrong(no_bias)  # a Gemm's C input ignored
    if nn.BatchNorm2d in kinds:
        out["swapped-statistics"] = wrong(swap)
        out["batch-statistics"] = wrong(lambda w: None).train()
    if nn.BatchNorm2d in kinds or nn.GroupNorm in kinds:
        out["identity-norm-shift"] = wrong(no_shift)
    if nn.GroupNorm in kinds:
        out["group-norm-as-one-group"] = wrong(one_group)
    if name in FLATTENED:
        layer, (c, h, w) = FLATTENED[name]
        def hwc(m):  # the Linear reads a channel-last flatten: its columns in H, W, C order
            linear = m.get_submodule(layer)
            linear.weight.copy_(linear.weight.view(-1, c, h, w).permute(0, 2, 3, 1).reshape(linear.weight.shape))
        out["flatten-hwc"] = wrong(hwc)
    return out


def export(model, x, path, exporter, fold=False, keep_metadata=False):
    """Exports `model` (eval mode) to `path` with one embedded-weights file; batch dimension `batch` dynamic."""
    common = dict(input_names=["input"], output_names=["logits"], do_constant_folding=fold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if exporter == "ts":
            torch.onnx.export(model, (x,), path, dynamo=False, opset_version=17,
                              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, **common)
        else:
            program = torch.onnx.export(model, (x,), dynamo=True, external_data=False,
                                        dynamic_shapes=({0: torch.export.Dim("batch")},), **common)
            program.save(path, external_data=False)
            # The dynamo exporter annotates every node with metadata_props (namespace, class hierarchy, FX node,
            # Python stack trace with this machine's absolute paths): a third of the file. The stack traces are
            # dropped everywhere (the fixtures must not depend on where they were made); the rest is kept in
            # mlp-dynamo only, so that one fixture exercises an importer's skipping of NodeProto.metadata_props.
            m = onnx.load(path)
            for node in m.graph.node:
                kept = [p for p in node.metadata_props if p.key != "pkg.torch.onnx.stack_trace" and keep_metadata]
                del node.metadata_props[:]
                node.metadata_props.extend(kept)
            onnx.save(m, path)
    stray = [f for f in os.listdir(os.path.dirname(path)) if f.endswith(".data")]
    if stray:
        sys.exit(f"{path}: the exporter wrote external data {stray}")


def attribute(a):
    v = helper.get_attribute_value(a)
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, onnx.TensorProto):
        arr = numpy_helper.to_array(v)
        v = f"tensor({onnx.TensorProto.DataType.Name(v.data_type)}{list(arr.shape)}={arr.flatten()[:8].tolist()})"
    if isinstance(v, float):
        v = float(np.float32(v))
    return f"{a.name}={v}"


def value_info(v):
    t = v.type.tensor_type
    dims = [d.dim_param or d.dim_value for d in t.shape.dim]
    return f"{v.name}: {onnx.TensorProto.DataType.Name(t.elem_type)}{dims}"


def describe(m):
    """The graph of `m`, one line per node, with the header facts an importer needs."""
    g = m.graph
    lines = [f"ir_version {m.ir_version}; opset_import " + ", ".join(f"{o.domain or 'ai.onnx'}:{o.version}" for o in m.opset_import)
             + f"; producer {m.producer_name} {m.producer_version}",
             "inputs: " + "; ".join(value_info(v) for v in g.input),
             "outputs: " + "; ".join(value_info(v) for v in g.output),
             f"initializers ({len(g.initializer)}):"]
    for t in g.initializer:
        arr = numpy_helper.to_array(t)
        where = "raw_data" if t.HasField("raw_data") else "typed fields"
        small = f" = {arr.flatten().tolist()}" if arr.size <= 4 and arr.dtype != np.float32 else ""
        lines.append(f"  {t.name}: {onnx.TensorProto.DataType.Name(t.data_type)}{list(arr.shape)} ({where}){small}")
    lines.append(f"nodes ({len(g.node)}):")
    for n in g.node:
        attrs = " ".join(attribute(a) for a in n.attribute)
        lines.append(f"  {n.op_type}({', '.join(n.input)}) -> {', '.join(n.output)}" + (f"  [{attrs}]" if attrs else ""))
    return "\n".join(lines) + "\n"


def main(out):
    torch.set_num_threads(1)
    if os.path.isdir(out):
        shutil.rmtree(out)
    failures = []
    for name, (module, (c, h, w), seed) in MODELS.items():
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(1000 + seed)
        model = module()
        with torch.no_grad():
            model.train()
            for _ in range(0 if name in UNTRAINED else 3):
                model(torch.randn(8, c, h, w, generator=generator))
            if name not in UNTRAINED:
                perturb(model, generator)
        model.eval()
        x = torch.randn(EXAMPLES, c, h, w, generator=generator)
        reference = copy.deepcopy(model).double()
        with torch.no_grad():
            exact = reference(x.double())
            moved = {} if name in UNTRAINED else {d: (m(x.double()) - exact).abs().max().item()
                                                   for d, m in decoys(name, reference).items()}
        logits = exact.float()
        print(f"{name}: input {c}x{h}x{w}, {sum(p.numel() for p in model.parameters())} parameters, logits in "
              f"[{exact.min().item():.3f}, {exact.max().item():.3f}]; "
              + ("decoys move the logits by " + ", ".join(f"{d} {v:.3f}" for d, v in moved.items())
                 if moved else "no decoys (exported as initialised)"))
        weak = [d for d, v in moved.items() if v < 100 * TOLERANCE]
        if weak:
            failures.append(f"{name}: decoys {weak} move the logits by less than {100 * TOLERANCE}; perturb more")

        variants = [("ts", False), ("dynamo", False)] + ([("ts", True)] if name == "vgg-bn" else [])
        for exporter, fold in variants:
            fixture = f"{name}-folded-{exporter}" if fold else f"{name}-{exporter}"
            directory = os.path.join(out, fixture)
            os.makedirs(directory)
            path = os.path.join(directory, "model.onnx")
            export(copy.deepcopy(model), x, path, exporter, fold, keep_metadata=name == "mlp")
            m = onnx.load(path)
            onnx.checker.check_model(m, full_check=True)
            weights = {}
            for t in m.graph.initializer:
                if t.data_type == onnx.TensorProto.FLOAT:
                    weights[t.name] = torch.from_numpy(numpy_helper.to_array(t).copy())
            for node in m.graph.node:  # a state dict also holds the entries the exporter aliased by Identity
                if node.op_type == "Identity" and node.input[0] in weights:
                    weights[node.output[0]] = weights[node.input[0]].clone()
            save_file(weights, os.path.join(directory, "weights.safetensors"))
            save_file({"inputs": x.permute(0, 2, 3, 1).contiguous()}, os.path.join(directory, "inputs.safetensors"))
            save_file({"logits": logits.contiguous()}, os.path.join(directory, "logits.safetensors"))

            session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
            feed = session.get_inputs()[0].name
            got = session.run(None, {feed: x.numpy()})[0]
            alone = session.run(None, {feed: x[2:3].numpy()})[0]  # batch 1: the batch dimension is dynamic
            difference = float(np.abs(got.astype(np.float64) - exact.numpy()).max())
            difference1 = float(np.abs(alone.astype(np.float64) - exact.numpy()[2:3]).max())
            sizes = {f: os.path.getsize(os.path.join(directory, f)) for f in sorted(os.listdir(directory))}
            print(f"  {fixture}: {len(m.graph.node)} nodes, {len(weights)} float initializers "
                  f"({sum(v.numel() for v in weights.values())} values); onnxruntime vs float64 {difference:.2e} "
                  f"(batch 1: {difference1:.2e}); {sum(sizes.values())} bytes")
            if not (difference <= TOLERANCE and difference1 <= TOLERANCE):
                failures.append(f"{fixture}: onnxruntime differs from the float64 logits by {max(difference, difference1):.3e}")
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(out) for f in fs)
    print(f"total {total} bytes in {out}")
    if failures:
        sys.exit("\n".join(failures))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--describe":
        for path in sys.argv[2:]:
            print(f"== {path}\n" + describe(onnx.load(path)))
        sys.exit()
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "Tests", "InterpreterTests", "Fixtures", "onnx"))
