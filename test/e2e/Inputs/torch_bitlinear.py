#!/usr/bin/env python3
"""Exports a BitNet b1.58 BitLinear layer from PyTorch (torch.onnx.export,
opset 17, dynamic batch): latent float weights through the absmean
fake-quant, activations through per-token absmax fake-quant, as QAT code
writes them. Saves the model, a seeded input and numpy's output of the same
float32 operations.

torch_bitlinear.py DIR -> DIR/bitlinear.onnx, DIR/x.npy, DIR/expected_y.npy
"""

import os
import sys
import warnings

import numpy as np
import torch


class BitLinear(torch.nn.Module):
    def __init__(self, k, n):
        super().__init__()
        generator = torch.Generator().manual_seed(3)
        self.weight = torch.nn.Parameter(
            torch.randn(n, k, generator=generator) * 0.05)

    def forward(self, x):
        w = self.weight
        gamma = w.abs().mean().clamp(min=1e-5)
        wq = (w / gamma).round().clamp(-1, 1) * gamma
        scale = 127.0 / x.abs().max(dim=-1, keepdim=True).values.clamp(
            min=1e-5)
        xq = (x * scale).round().clamp(-128, 127) / scale
        return torch.nn.functional.linear(xq, wq)


def main():
    out = sys.argv[1]
    k, n = 64, 32
    model = BitLinear(k, n).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(2, k),),
                          os.path.join(out, "bitlinear.onnx"),
                          opset_version=17, input_names=["x"],
                          output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    x = np.random.default_rng(0).standard_normal((3, k)).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    w = model.weight.detach().numpy()
    gamma = np.float32(max(np.mean(np.abs(w), dtype=np.float32), 1e-5))
    wq = (np.clip(np.round(w / gamma), -1, 1) * gamma).astype(np.float32)
    # The export computes 127 / c as (1 / c) * 127.
    s = (np.float32(1) / np.maximum(np.max(np.abs(x), -1, keepdims=True),
                                    np.float32(1e-5))) * np.float32(127)
    xq = (np.clip(np.round(x * s), -128, 127) / s).astype(np.float32)
    y = xq.astype(np.float64) @ wq.T.astype(np.float64)
    np.save(os.path.join(out, "expected_y.npy"), y.astype(np.float32))


if __name__ == "__main__":
    main()
