#!/usr/bin/env python3
"""torch.nn.functional.interpolate as segmentation heads use it (an FCN
head: Conv2d, then upsampling to the input's size), exported by
torch.onnx.export, against PyTorch: nearest, bilinear with and without
align_corners, bicubic, and a size given instead of a scale.

torch_interpolate.py gen DIR    -> DIR/heads.onnx, DIR/x.npy,
                                   DIR/expected_<output>.npy
torch_interpolate.py check DIR  compares DIR/out/<output>.npy
"""

import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

OUTPUTS = ["nearest", "bilinear", "bilinear_corners", "bicubic", "to_size"]


class Heads(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.classifier = torch.nn.Conv2d(4, 3, 1)

    def forward(self, x):
        logits = self.classifier(x)
        return (F.interpolate(logits, scale_factor=2, mode="nearest"),
                F.interpolate(logits, scale_factor=2, mode="bilinear",
                              align_corners=False),
                F.interpolate(logits, scale_factor=3, mode="bilinear",
                              align_corners=True),
                F.interpolate(logits, scale_factor=2, mode="bicubic",
                              align_corners=False),
                F.interpolate(logits, size=(11, 7), mode="bilinear",
                              align_corners=False))


def gen(out):
    torch.manual_seed(0)
    model = Heads().eval()
    x = torch.randn(2, 4, 5, 6)
    torch.onnx.export(model, (x,), os.path.join(out, "heads.onnx"),
                      input_names=["x"], output_names=OUTPUTS,
                      opset_version=17)
    with torch.no_grad():
        results = model(x)
    np.save(os.path.join(out, "x.npy"), x.numpy())
    for name, value in zip(OUTPUTS, results):
        np.save(os.path.join(out, f"expected_{name}.npy"), value.numpy())


def check(out):
    for name in OUTPUTS:
        expected = np.load(os.path.join(out, f"expected_{name}.npy"))
        got = np.load(os.path.join(out, "out", f"{name}.npy"))
        err = (np.abs(got - expected).max() if got.shape == expected.shape
               else float("inf"))
        print(f"{'ok' if err < 1e-5 else 'FAIL'} {name}: shape {got.shape}, "
              f"max |tern - PyTorch| {err:.2e}")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
