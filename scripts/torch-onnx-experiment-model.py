"""Writes experiments/models/fmnist-cnn.onnx: a small residual CNN with BatchNorm for Fashion-MNIST, as a
researcher would export it from PyTorch, for an end-to-end experiment that brings its own ONNX architecture.

The network (39,354 parameters; 1×28×28 in, 10 classes out; torchvision/akamaster naming):

  conv1 3×3 16 (no bias), bn1, ReLU                              28×28
  layer1.0  BasicBlock 16 → 16 (identity shortcut)               28×28
  layer2.0  BasicBlock 16 → 32, stride 2, shortcut.0 1×1 conv + shortcut.1 BatchNorm   14×14
  layer3.0  BasicBlock 32 → 32, stride 2, shortcut.0 1×1 conv + shortcut.1 BatchNorm    7×7
  avgpool (nn.AdaptiveAvgPool2d(1)), torch.flatten(x, 1), fc 32 → 10

It is exported untrained (torch seed 0 initialisation, BatchNorm running_mean 0 and running_var 1), in
eval mode, by the TorchScript exporter: torch.onnx.export(..., dynamo=False, opset_version=17,
do_constant_folding=False), batch dimension dynamic (`batch`), input `input`, output `logits`, weights
embedded. The script checks with onnxruntime that the file computes what the module computes.

  ~/anchors-venv/bin/python scripts/torch-onnx-experiment-model.py [OUT.onnx]

OUT defaults to experiments/models/fmnist-cnn.onnx beside this script. Needs torch, onnx, onnxruntime, numpy.
"""
import os, sys, warnings
import numpy as np
import onnx, onnxruntime
import torch, torch.nn as nn, torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class FMNISTResNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = nn.Sequential(BasicBlock(16, 16))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, stride=2))
        self.layer3 = nn.Sequential(BasicBlock(32, 32, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def main(path):
    torch.manual_seed(0)
    model = FMNISTResNet().eval()
    x = torch.randn(4, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), path, dynamo=False, opset_version=17, do_constant_folding=False,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    onnx.checker.check_model(onnx.load(path), full_check=True)
    with torch.no_grad():
        expected = model(x).numpy()
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(None, {"input": x.numpy()})[0]
    difference = float(np.abs(got - expected).max())
    parameters = sum(p.numel() for p in model.parameters())
    print(f"{path}: {parameters} parameters, {os.path.getsize(path)} bytes, onnxruntime vs torch {difference:.2e}")
    if not difference <= 1e-5:
        sys.exit(f"{path}: onnxruntime differs from torch by {difference:.3e}")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "experiments", "models", "fmnist-cnn.onnx"))
