#!/usr/bin/env python3
"""Losses as evaluation code computes them, exported by torch.onnx.export
(SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss with class weights,
ignore_index and each reduction, over [N, C] and [N, C, d] scores), against
PyTorch.

torch_losses.py gen DIR    -> DIR/losses.onnx, DIR/{scores,target}.npy,
                              DIR/expected_<output>.npy
torch_losses.py check DIR  compares DIR/out/<output>.npy
"""

import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

OUTPUTS = ["ce_mean", "ce_sum_weighted", "nll_none", "ce_spatial"]


class Losses(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("weight", torch.tensor([0.5, 1.0, 2.0, 1.5]))

    def forward(self, scores, target, spatial, spatial_target):
        return (F.cross_entropy(scores, target, ignore_index=2),
                F.cross_entropy(scores, target, weight=self.weight,
                                reduction="sum"),
                F.nll_loss(F.log_softmax(scores, dim=1), target,
                           reduction="none"),
                F.cross_entropy(spatial, spatial_target, weight=self.weight,
                                ignore_index=0))


def inputs():
    g = torch.Generator().manual_seed(0)
    return (torch.randn(6, 4, generator=g),
            torch.randint(0, 4, (6,), generator=g),
            torch.randn(3, 4, 5, generator=g),
            torch.randint(0, 4, (3, 5), generator=g))


def gen(out):
    model = Losses().eval()
    args = inputs()
    torch.onnx.export(model, args, os.path.join(out, "losses.onnx"),
                      input_names=["scores", "target", "spatial",
                                   "spatial_target"],
                      output_names=OUTPUTS, opset_version=17)
    for name, value in zip(["scores", "target", "spatial", "spatial_target"],
                           args):
        np.save(os.path.join(out, f"{name}.npy"), value.numpy())
    with torch.no_grad():
        for name, value in zip(OUTPUTS, model(*args)):
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
