#!/usr/bin/env python3
"""Einsum's matmul-like forms against numpy.einsum: attention scores with a
dynamic batch, ellipsis batches, an implicit output, a dot
product, a transpose and a diagonal.

einsum.py DIR -> DIR/model.onnx, DIR/*.npy, DIR/expected_*.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

CASES = [
    # name, equation, operand shapes (ONNX, numpy)
    ("scores", "bhqd,bhkd->bhqk", [(["b", 2, 3, 4], (2, 2, 3, 4)),
                                   (["b", 2, 5, 4], (2, 2, 5, 4))]),
    ("batched", "...ij,...jk->...ik", [([2, 3, 4], (2, 3, 4)),
                                       ([2, 4, 2], (2, 4, 2))]),
    ("implicit", "ij,jk", [([3, 4], (3, 4)), ([4, 5], (4, 5))]),
    ("dot", "i,i", [([6], (6,)), ([6], (6,))]),
    ("transpose", "ij->ji", [([3, 4], (3, 4))]),
    ("diagonal", "ii->i", [([4, 4], (4, 4))]),
]


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(2)
    nodes, inputs, outputs = [], [], []
    for name, equation, operands in CASES:
        names = []
        operand_values = []
        for i, (onnx_shape, shape) in enumerate(operands):
            operand = f"{name}_{i}"
            names.append(operand)
            inputs.append(helper.make_tensor_value_info(
                operand, TensorProto.FLOAT, onnx_shape))
            value = rng.standard_normal(shape).astype(np.float32)
            np.save(os.path.join(out, operand + ".npy"), value)
            operand_values.append(value)
        nodes.append(helper.make_node("Einsum", names, [name],
                                      equation=equation))
        expected = np.einsum(equation, *[v.astype(np.float64)
                                         for v in operand_values])
        expected = np.asarray(expected, np.float32)
        np.save(os.path.join(out, "expected_" + name + ".npy"), expected)
        outputs.append(helper.make_tensor_value_info(
            name, TensorProto.FLOAT, [None] * expected.ndim))
    graph = helper.make_graph(nodes, "einsum", inputs, outputs)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "model.onnx"))
    with open(os.path.join(out, "inputs.txt"), "w") as f:
        f.write(" ".join(f"--input {n}_{i}={out}/{n}_{i}.npy"
                         for n, _, ops in CASES for i in range(len(ops))))
    with open(os.path.join(out, "outputs.txt"), "w") as f:
        f.write(" ".join(n for n, _, _ in CASES))


if __name__ == "__main__":
    main()
