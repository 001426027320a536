#!/usr/bin/env python3
"""Conv2d the way torchvision models use it, exported with torch.onnx:
3x3 with padding, a 7x7 stride-2 stem, a dilated 3x3, a 1x1 projection
(linalg.conv_2d_nchw_fchw, then im2col and register-tiled matmuls), and a
grouped and a depthwise 3x3 (the general loop form), against PyTorch.

conv.py DIR -> DIR/model.onnx, DIR/x.npy, DIR/expected_y.npy
"""

import os
import sys

import numpy as np
import torch
from torch import nn


class Convs(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 7, stride=2, padding=3, bias=False)
        self.conv = nn.Conv2d(16, 24, 3, padding=1)
        self.dilated = nn.Conv2d(24, 24, 3, padding=2, dilation=2)
        self.grouped = nn.Conv2d(24, 24, 3, padding=1, groups=2)
        self.depthwise = nn.Conv2d(24, 24, 3, padding=1, groups=24)
        self.project = nn.Conv2d(24, 40, 1)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        x = torch.relu(self.conv(x))
        x = self.dilated(x) + x
        x = self.depthwise(self.grouped(x))
        return self.project(x)


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    model = Convs().eval()
    x = torch.randn(1, 3, 45, 38)
    with torch.no_grad():
        expected = model(x).numpy()
    torch.onnx.export(model, x, os.path.join(out, "model.onnx"),
                      input_names=["x"], output_names=["y"], opset_version=17)
    np.save(os.path.join(out, "x.npy"), x.numpy())
    np.save(os.path.join(out, "expected_y.npy"), expected)


if __name__ == "__main__":
    main()
