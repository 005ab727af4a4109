"""Writes a small PyTorch vision transformer's weights, inputs and logits for lmc's ViT test
(Tests/EngineTests/TorchFixtures/vit).

The module is the reference lmc's `Architecture.vit` names its tensors after: a patch embedding (a
convolution of kernel and stride PATCH), a learned position embedding `pos_embed.weight` [tokens, width],
DEPTH pre-norm blocks `blocks.i` (norm1; attn.q, attn.k, attn.v, attn.proj; norm2; mlp.fc1, GELU, mlp.fc2),
a final LayerNorm `norm`, the mean over tokens and a linear `head`. Attention is
F.scaled_dot_product_attention per head. Every tensor is drawn at random (LayerNorm affines too), so a
misplaced one shows in the logits. Files:

  weights.safetensors  the module's state dict
  data.safetensors     `inputs` F32 [N, 1, 28, 28] (NCHW, as PyTorch holds them), `logits` F32 [N, 10]
  shape.txt            patch, width, depth, heads, hidden, one `key value` per line

  ~/anchors-venv/bin/python scripts/torch-vit-fixture.py [OUT]

Needs torch and safetensors (python3 -m venv ~/anchors-venv && ~/anchors-venv/bin/pip install torch numpy
safetensors). Runs in a second.
"""
import os, sys
import torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import save_file

PATCH, WIDTH, DEPTH, HEADS, HIDDEN, CLASSES, N = 7, 16, 2, 4, 32, 10, 5


class PositionEmbedding(nn.Module):
    def __init__(self, tokens, width):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(tokens, width))

    def forward(self, x):
        return x + self.weight


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.proj = (nn.Linear(width, width) for _ in range(4))

    def forward(self, x):
        n, t, c = x.shape
        split = lambda y: y.view(n, t, self.heads, c // self.heads).transpose(1, 2)
        y = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)))
        return self.proj(y.transpose(1, 2).reshape(n, t, c))


class MLP(nn.Module):
    def __init__(self, width, hidden):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(width, hidden), nn.Linear(hidden, width)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, width, heads, hidden):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(width), Attention(width, heads)
        self.norm2, self.mlp = nn.LayerNorm(width), MLP(width, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    def __init__(self, image=28, patch=PATCH, width=WIDTH, depth=DEPTH, heads=HEADS, hidden=HIDDEN, classes=CLASSES):
        super().__init__()
        self.patch_embed = nn.Conv2d(1, width, patch, stride=patch)
        self.pos_embed = PositionEmbedding((image // patch) ** 2, width)
        self.blocks = nn.ModuleList(Block(width, heads, hidden) for _ in range(depth))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = self.pos_embed(self.patch_embed(x).flatten(2).transpose(1, 2))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x).mean(dim=1))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "EngineTests", "TorchFixtures", "vit")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(11)
    model = ViT()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn_like(p) * (0.3 if name.endswith("bias") or "norm" in name or "pos" in name else 0.25))
            if "norm" in name and name.endswith("weight"):
                p.add_(1)
    model.eval()
    inputs = torch.rand(N, 1, 28, 28)
    with torch.no_grad():
        logits = model(inputs)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, os.path.join(out, "weights.safetensors"))
    save_file({"inputs": inputs, "logits": logits}, os.path.join(out, "data.safetensors"))
    with open(os.path.join(out, "shape.txt"), "w") as f:
        f.write(f"patch {PATCH}\nwidth {WIDTH}\ndepth {DEPTH}\nheads {HEADS}\nhidden {HIDDEN}\n")
    print(f"wrote {out}: logits[0] = {logits[0].tolist()}")


if __name__ == "__main__":
    main()
