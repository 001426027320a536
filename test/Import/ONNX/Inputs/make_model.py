#!/usr/bin/env python3
"""Writes small binary ONNX models for the importer's tests.

make_model.py linear OUT.onnx      MatMul + Add, named nodes, opset 14
make_model.py truncated OUT.onnx   the same model cut in half
make_model.py initializer-size OUT.onnx
                                   an initializer whose raw data is short
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def linear():
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="proj"),
         helper.make_node("Add", ["h", "b"], ["y"], name="proj_bias")],
        "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [numpy_helper.from_array(w, "w"),
         numpy_helper.from_array(np.ones(3, np.float32), "b")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 14)])
    model.ir_version = 7
    return model


def main():
    kind, path = sys.argv[1], sys.argv[2]
    model = linear()
    data = model.SerializeToString()
    if kind == "truncated":
        data = data[: len(data) // 2]
    elif kind == "initializer-size":
        model.graph.initializer[0].raw_data = b"\0" * 20
        data = model.SerializeToString()
    with open(path, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
