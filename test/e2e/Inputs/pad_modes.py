#!/usr/bin/env python3
"""ONNX Pad in its three modes of opset 17 (constant with a value, reflect,
edge), pads positive, zero and negative (a crop), given as a constant and
as a graph input (a shape computed at run time), and Selu and Shrink,
against numpy (np.pad's modes are ONNX's).

pad_modes.py gen DIR    -> DIR/model.onnx, DIR/x.npy, DIR/pads.npy,
                           DIR/expected_<output>.npy
pad_modes.py check DIR  compares DIR/out/<output>.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PADS = [1, -1, 2, 0, 2, 1]  # before for dims 0..2, then after
RUNTIME_PADS = [0, 2, 1, 1, 0, 2]
OUTPUTS = ["constant", "reflect", "edge", "runtime_reflect", "selu",
           "shrink"]


def numpy_pad(x, pads, mode, value=0.0):
    rank = x.ndim
    before, after = pads[:rank], pads[rank:]
    # Negative pads crop first.
    crop = tuple(slice(max(0, -b), x.shape[d] - max(0, -a))
                 for d, (b, a) in enumerate(zip(before, after)))
    x = x[crop]
    widths = [(max(0, b), max(0, a)) for b, a in zip(before, after)]
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=value)
    return np.pad(x, widths, mode=mode)


def gen(out):
    x = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
    nodes = [
        helper.make_node("Pad", ["x", "pads", "value"], ["constant"],
                         mode="constant"),
        helper.make_node("Pad", ["x", "pads"], ["reflect"], mode="reflect"),
        helper.make_node("Pad", ["x", "pads"], ["edge"], mode="edge"),
        helper.make_node("Pad", ["x", "runtime_pads"], ["runtime_reflect"],
                         mode="reflect"),
        helper.make_node("Selu", ["x"], ["selu"]),
        helper.make_node("Shrink", ["x"], ["shrink"], lambd=0.3, bias=0.2),
    ]
    inits = [numpy_helper.from_array(np.array(PADS, np.int64), "pads"),
             numpy_helper.from_array(np.array(1.5, np.float32), "value")]
    graph = helper.make_graph(
        nodes, "pad_modes",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4, 5]),
         helper.make_tensor_value_info("runtime_pads", TensorProto.INT64,
                                       [6])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, shape)
         for o, shape in zip(OUTPUTS, [[4, 5, 8]] * 3 + [["a", "b", "c"]] +
                             [[3, 4, 5]] * 2)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17)]), os.path.join(out, "model.onnx"))
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "pads.npy"), np.array(RUNTIME_PADS, np.int64))
    x64 = x.astype(np.float64)
    alpha, gamma = 1.67326319217681884765625, 1.05070102214813232421875
    expected = {
        "constant": numpy_pad(x, PADS, "constant", 1.5),
        "reflect": numpy_pad(x, PADS, "reflect"),
        "edge": numpy_pad(x, PADS, "edge"),
        "runtime_reflect": numpy_pad(x, RUNTIME_PADS, "reflect"),
        "selu": gamma * np.where(x64 > 0, x64, alpha * (np.exp(x64) - 1)),
        "shrink": np.where(x64 < -0.3, x64 + 0.2,
                           np.where(x64 > 0.3, x64 - 0.2, 0.0)),
    }
    for name, value in expected.items():
        np.save(os.path.join(out, f"expected_{name}.npy"), value)


def check(out):
    for name in OUTPUTS:
        expected = np.load(os.path.join(out, f"expected_{name}.npy"))
        got = np.load(os.path.join(out, "out", f"{name}.npy"))
        exact = name not in ("selu", "shrink")
        err = (np.abs(got - expected).max() if got.shape == expected.shape
               else float("inf"))
        ok = err == 0 if exact else err < 1e-6
        print(f"{'ok' if ok else 'FAIL'} {name}: shape {got.shape} "
              f"(numpy {expected.shape}), max |error| {err:.2e}")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
