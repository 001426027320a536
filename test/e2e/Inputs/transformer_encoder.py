#!/usr/bin/env python3
"""torch.nn.TransformerEncoderLayer (post-norm and pre-norm, GELU), exported
by torch.onnx.export with a dynamic batch and sequence, against PyTorch for
two shapes through the same library.

transformer_encoder.py gen DIR    -> DIR/{post,pre}.onnx, DIR/x_<case>.npy,
                                     DIR/expected_<model>_<case>.npy
transformer_encoder.py check DIR  compares DIR/out_<model>_<case>/y.npy
"""

import os
import sys

import numpy as np
import torch

CASES = {"2x7": (2, 7), "1x3": (1, 3)}


def layers():
    torch.manual_seed(0)
    return {
        "post": torch.nn.TransformerEncoderLayer(
            d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
            batch_first=True).eval(),
        "pre": torch.nn.TransformerEncoderLayer(
            d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
            activation="gelu", norm_first=True, batch_first=True).eval(),
    }


def gen(out):
    inputs = {case: torch.randn(*shape, 32,
                                generator=torch.Generator().manual_seed(1))
              for case, shape in CASES.items()}
    for name, layer in layers().items():
        torch.onnx.export(layer, (inputs["2x7"],),
                          os.path.join(out, f"{name}.onnx"),
                          input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch", 1: "seq"}},
                          opset_version=17)
        with torch.no_grad():
            for case, x in inputs.items():
                np.save(os.path.join(out, f"expected_{name}_{case}.npy"),
                        layer(x).numpy())
    for case, x in inputs.items():
        np.save(os.path.join(out, f"x_{case}.npy"), x.numpy())


def check(out):
    for name in layers():
        for case in CASES:
            expected = np.load(os.path.join(out,
                                            f"expected_{name}_{case}.npy"))
            got = np.load(os.path.join(out, f"out_{name}_{case}", "y.npy"))
            err = (np.abs(got - expected).max()
                   if got.shape == expected.shape else float("inf"))
            print(f"{'ok' if err < 1e-5 else 'FAIL'} {name} {case}: "
                  f"max |tern - PyTorch| {err:.2e}")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
