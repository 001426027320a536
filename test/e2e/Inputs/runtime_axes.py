#!/usr/bin/env python3
"""Axes, slice bounds, split sizes and repeats given at run time (graph
inputs, as models that compute them pass them on): Unsqueeze, Squeeze,
ReduceSum with and without keepdims, Slice with a negative step, Split and
Tile, against numpy.

runtime_axes.py gen DIR    -> DIR/model.onnx, DIR/<input>.npy, DIR/inputs.txt
runtime_axes.py check DIR  compares DIR/out/<output>.npy with numpy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

I64, F32 = TensorProto.INT64, TensorProto.FLOAT


def feeds():
    rng = np.random.default_rng(0)
    return {
        "x": rng.standard_normal((2, 3, 4)).astype(np.float32),
        "unsqueeze_axes": np.array([-1, 1], np.int64),
        "squeeze_input": rng.standard_normal((3, 1, 4, 1)).astype(np.float32),
        "squeeze_axes": np.array([3, -3], np.int64),
        "reduce_axes": np.array([0, -1], np.int64),
        "starts": np.array([-1, 3], np.int64),
        "ends": np.array([-1000, 0], np.int64),
        "slice_axes": np.array([1, 2], np.int64),
        "steps": np.array([-2, -1], np.int64),
        "split": np.array([1, 3], np.int64),
        "repeats": np.array([1, 2, 3], np.int64),
    }


def expected(f):
    x = f["x"]
    return {
        "unsqueezed": x[:, None, :, :, None],
        "squeezed": f["squeeze_input"].reshape(3, 4),
        "summed_keep": x.sum(axis=(0, 2), keepdims=True),
        "summed": x.sum(axis=(0, 2)),
        "sliced": x[:, -1::-2, 3:0:-1],
        "split_a": x[:, :, :1],
        "split_b": x[:, :, 1:],
        "tiled": np.tile(x, (1, 2, 3)),
    }


def gen(out):
    f = feeds()
    nodes = [
        helper.make_node("Unsqueeze", ["x", "unsqueeze_axes"], ["unsqueezed"]),
        helper.make_node("Squeeze", ["squeeze_input", "squeeze_axes"],
                         ["squeezed"]),
        helper.make_node("ReduceSum", ["x", "reduce_axes"], ["summed_keep"]),
        helper.make_node("ReduceSum", ["x", "reduce_axes"], ["summed"],
                         keepdims=0),
        helper.make_node("Slice", ["x", "starts", "ends", "slice_axes",
                                   "steps"], ["sliced"]),
        helper.make_node("Split", ["x", "split"], ["split_a", "split_b"],
                         axis=2),
        helper.make_node("Tile", ["x", "repeats"], ["tiled"]),
    ]
    dtype = {np.dtype(np.float32): F32, np.dtype(np.int64): I64}
    inputs = [helper.make_tensor_value_info(n, dtype[a.dtype], a.shape)
              for n, a in f.items()]
    # Outputs typed as an exporter leaves them when the values are not
    # known: rank only.
    outputs = [helper.make_tensor_value_info(
        n, F32, [f"{n}_{d}" for d in range(a.ndim)])
        for n, a in expected(f).items()]
    model = helper.make_model(helper.make_graph(nodes, "runtime_axes", inputs,
                                                outputs),
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, os.path.join(out, "model.onnx"))
    flags = []
    for n, a in f.items():
        path = os.path.join(out, n + ".npy")
        np.save(path, a)
        flags.append(f"--input {n}={path}")
    with open(os.path.join(out, "inputs.txt"), "w") as file:
        file.write(" ".join(flags) + "\n")


def check(out):
    for n, want in expected(feeds()).items():
        got = np.load(os.path.join(out, "out", n + ".npy"))
        ok = got.shape == want.shape and np.allclose(got, want, atol=1e-5)
        print(f"{'ok' if ok else 'FAIL'} {n}: shape {got.shape}, numpy "
              f"{want.shape}")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
