"""Writes a PyTorch AdamW training run for lmc's optimizer test to match (Tests/EngineTests/TorchFixtures/adamw).

An MLP 12-16-16-3 (lmc's names: fc1, fc2, fc3, a ReLU after each hidden layer) starts from a fixed torch
seed and takes STEPS full-batch updates of torch.optim.AdamW on 48 random examples, with lmc's schedule
written out: linear warmup over WARMUP updates (rate · (t + 1) / WARMUP), then half a cosine to zero over
the rest (rate · ½ (1 + cos(π (t − WARMUP) / (STEPS − WARMUP)))). The batch is the whole set, so the order
lmc draws examples in does not matter. Files:

  initial.safetensors  the module's state dict before training
  data.safetensors     `inputs` F32 [48, 12], `labels` F32 [48] (class indices)
  final.safetensors    the state dict after STEPS updates (float32 arithmetic throughout, as lmc)
  recipe.txt           the hyperparameters, one `key value` per line

  ~/anchors-venv/bin/python scripts/torch-adamw-fixture.py [OUT]

Needs torch and safetensors (python3 -m venv ~/anchors-venv && ~/anchors-venv/bin/pip install torch numpy
safetensors). Runs in a second.
"""
import math, os, sys
import torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import save_file

STEPS, WARMUP, RATE, BETAS, EPS, DECAY = 8, 2, 0.01, (0.9, 0.99), 1e-6, 0.05

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(12, 16), nn.Linear(16, 16), nn.Linear(16, 3)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

def rate(step):
    if step < WARMUP:
        return RATE * (step + 1) / WARMUP
    return RATE * 0.5 * (1 + math.cos(math.pi * (step - WARMUP) / (STEPS - WARMUP)))

def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "EngineTests", "TorchFixtures", "adamw")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(7)
    torch.set_num_threads(1)
    model = MLP()
    inputs = torch.randn(48, 12)
    labels = torch.randint(0, 3, (48,))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(out, "initial.safetensors"))
    save_file({"inputs": inputs, "labels": labels.float()}, os.path.join(out, "data.safetensors"))
    optimizer = torch.optim.AdamW(model.parameters(), lr=RATE, betas=BETAS, eps=EPS, weight_decay=DECAY)
    for step in range(STEPS):
        for group in optimizer.param_groups:
            group["lr"] = rate(step)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
        print(f"step {step + 1}: lr {rate(step):.6f} loss {loss.item():.6f}")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(out, "final.safetensors"))
    with open(os.path.join(out, "recipe.txt"), "w") as f:
        f.write(f"steps {STEPS}\nwarmup {WARMUP}\nlr {RATE}\nbeta1 {BETAS[0]}\nbeta2 {BETAS[1]}\neps {EPS}\n"
                f"weight_decay {DECAY}\n")

if __name__ == "__main__":
    main()
