#!/usr/bin/env python3
"""ONNX Runtime's com.microsoft Gelu variants, as Optimum's optimizer and
ORT GenAI write them (FastGelu with and without bias, BiasGelu, QuickGelu
with its default and another alpha), against ONNX Runtime, the reference
for contrib semantics.

gelu_contrib.py gen DIR    -> DIR/model.onnx, DIR/x.npy, DIR/expected_<o>.npy
gelu_contrib.py check DIR  compares DIR/out/<o>.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS = "com.microsoft"
OUTPUTS = ["fast", "fast_bias", "bias_gelu", "quick", "quick_alpha"]


def gen(out):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                    "..", "python"))
    import tern.ort
    rng = np.random.default_rng(0)
    x = (3 * rng.standard_normal((2, 5, 16))).astype(np.float32)
    bias = rng.standard_normal(16).astype(np.float32)
    nodes = [
        helper.make_node("FastGelu", ["x"], ["fast"], domain=MS),
        helper.make_node("FastGelu", ["x", "bias"], ["fast_bias"], domain=MS),
        helper.make_node("BiasGelu", ["x", "bias"], ["bias_gelu"], domain=MS),
        helper.make_node("QuickGelu", ["x"], ["quick"], domain=MS),
        helper.make_node("QuickGelu", ["x"], ["quick_alpha"], domain=MS,
                         alpha=1.25),
    ]
    graph = helper.make_graph(
        nodes, "gelus",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5, 16])],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, [2, 5, 16])
         for o in OUTPUTS],
        [numpy_helper.from_array(bias, "bias")])
    path = os.path.join(out, "model.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)]), path)
    np.save(os.path.join(out, "x.npy"), x)
    for name, value in tern.ort.run(path, {"x": x}).items():
        np.save(os.path.join(out, f"expected_{name}.npy"), value)


def check(out):
    for name in OUTPUTS:
        expected = np.load(os.path.join(out, f"expected_{name}.npy"))
        got = np.load(os.path.join(out, "out", f"{name}.npy"))
        err = np.abs(got - expected).max()
        print(f"{'ok' if err < 2e-6 else 'FAIL'} {name}: "
              f"max |tern - ONNX Runtime| {err:.2e}")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
