#!/usr/bin/env python3
"""Float contractions as ONNX carries them, against numpy in float64: a
MatMul and a Gemm (transB) on constant weights with a dynamic row count
(packed panels, N not a multiple of the panel width), and batched MatMuls
of two activations with dynamic rows and columns (attention's scores and
their product with V), at row and column counts on both sides of the
register tiles.

float_matmul.py DIR ROWS -> DIR/model.onnx, DIR/<input>.npy,
                            DIR/expected_<output>.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out, rows = sys.argv[1], int(sys.argv[2])
    rng = np.random.default_rng(7)
    k, n, heads, head_dim = 200, 75, 3, 16
    context = rows + 6
    w = rng.standard_normal((k, n)).astype(np.float32)
    g = rng.standard_normal((n, k)).astype(np.float32)
    bias = rng.standard_normal((n,)).astype(np.float32)
    values = {
        "x": rng.standard_normal((rows, k)).astype(np.float32),
        "q": rng.standard_normal((heads, rows, head_dim)).astype(np.float32),
        "kt": rng.standard_normal((heads, head_dim, context)).astype(np.float32),
        "v": rng.standard_normal((heads, context, head_dim)).astype(np.float32),
    }
    f64 = {name: v.astype(np.float64) for name, v in values.items()}
    scores = f64["q"] @ f64["kt"]
    expected = {
        "linear": f64["x"] @ w,
        "gemm": f64["x"] @ g.T.astype(np.float64) + bias,
        "scores": scores,
        "context": scores @ f64["v"],
    }
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["linear"]),
        helper.make_node("Gemm", ["x", "g", "bias"], ["gemm"], transB=1),
        helper.make_node("MatMul", ["q", "kt"], ["scores"]),
        helper.make_node("MatMul", ["scores", "v"], ["context"]),
    ]
    inputs = [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["rows", k]),
        helper.make_tensor_value_info("q", TensorProto.FLOAT,
                                      [heads, "rows", head_dim]),
        helper.make_tensor_value_info("kt", TensorProto.FLOAT,
                                      [heads, head_dim, "context"]),
        helper.make_tensor_value_info("v", TensorProto.FLOAT,
                                      [heads, "context", head_dim]),
    ]
    outputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                             [None] * value.ndim)
               for name, value in expected.items()]
    graph = helper.make_graph(
        nodes, "float_matmul", inputs, outputs,
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(g, "g"),
         numpy_helper.from_array(bias, "bias")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "model.onnx"))
    for name, value in values.items():
        np.save(os.path.join(out, name + ".npy"), value)
    for name, value in expected.items():
        np.save(os.path.join(out, "expected_" + name + ".npy"),
                value.astype(np.float32))
    with open(os.path.join(out, "inputs.txt"), "w") as f:
        f.write(" ".join(f"--input {name}={out}/{name}.npy" for name in values))
    with open(os.path.join(out, "outputs.txt"), "w") as f:
        f.write(" ".join(expected))


if __name__ == "__main__":
    main()
