#!/usr/bin/env python3
"""A small U-Net (Conv2d, BatchNorm2d, ReLU, MaxPool2d, a strided and a
grouped ConvTranspose2d, skip concatenations, GroupNorm as diffusion
U-Nets use it (torch exports it as InstanceNormalization of the groups),
InstanceNorm2d), written as
segmentation code writes it and exported by torch.onnx.export with a
dynamic batch, against PyTorch's own outputs.

tiny_unet.py gen DIR    -> DIR/unet.onnx, DIR/x.npy, DIR/expected.npy
tiny_unet.py check DIR  compares DIR/out/mask.npy
"""

import os
import sys

import numpy as np
import torch
from torch import nn


def block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TinyUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down1, self.down2 = block(3, 8), block(8, 16)
        self.pool = nn.MaxPool2d(2)
        self.bottom = block(16, 16)
        self.group_norm = nn.GroupNorm(4, 16)
        self.up2 = nn.ConvTranspose2d(16, 16, 2, stride=2)
        self.dec2 = block(32, 8)
        self.up1 = nn.ConvTranspose2d(8, 8, 3, stride=2, padding=1,
                                      output_padding=1, groups=2)
        self.dec1 = block(16, 8)
        self.norm = nn.InstanceNorm2d(8, affine=True)
        self.head = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        d1 = self.down1(x)
        d2 = self.down2(self.pool(d1))
        b = self.group_norm(self.bottom(self.pool(d2)))
        u2 = self.dec2(torch.cat([self.up2(b), d2], dim=1))
        u1 = self.dec1(torch.cat([self.up1(u2), d1], dim=1))
        return self.head(self.norm(u1))


def gen(out):
    torch.manual_seed(0)
    model = TinyUNet().eval()
    # Non-trivial running statistics and affine parameters.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d,
                              nn.GroupNorm)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    x = torch.randn(2, 3, 16, 16)
    torch.onnx.export(model, (x,), os.path.join(out, "unet.onnx"),
                      input_names=["x"], output_names=["mask"],
                      dynamic_axes={"x": {0: "batch"}}, opset_version=17)
    with torch.no_grad():
        expected = model(x).numpy()
    np.save(os.path.join(out, "x.npy"), x.numpy())
    np.save(os.path.join(out, "expected.npy"), expected)


def check(out):
    expected = np.load(os.path.join(out, "expected.npy"))
    got = np.load(os.path.join(out, "out", "mask.npy"))
    err = (np.abs(got - expected).max() if got.shape == expected.shape
           else float("inf"))
    print(f"{'ok' if err < 1e-4 else 'FAIL'}: shape {got.shape}, "
          f"max |tern - PyTorch| {err:.2e}")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
