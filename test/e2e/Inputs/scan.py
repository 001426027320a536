#!/usr/bin/env python3
"""CumSum and TopK with constant and run-time axis / k, with numpy's
outputs. Ties in TopK go to the lower index, as ONNX specifies.

scan.py DIR -> DIR/model.onnx, DIR/{x,k,axis}.npy, DIR/expected_*.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def topk(x, k, largest):
    # A stable sort on the key keeps ties in index order.
    key = -x if largest else x
    order = np.argsort(key, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, order, axis=-1), order.astype(np.int64)


def main():
    out = sys.argv[1]
    node = helper.make_node
    graph = helper.make_graph(
        [node("TopK", ["x", "k3"], ["top_v", "top_i"]),
         node("TopK", ["x", "k"], ["low_v", "low_i"], largest=0),
         node("CumSum", ["x", "axis1"], ["cum"]),
         node("CumSum", ["x", "axis"], ["cum_rev"], exclusive=1, reverse=1)],
        "scan",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", 7]),
         helper.make_tensor_value_info("k", TensorProto.INT64, [1]),
         helper.make_tensor_value_info("axis", TensorProto.INT64, [])],
        [helper.make_tensor_value_info("top_v", TensorProto.FLOAT, ["b", 3]),
         helper.make_tensor_value_info("top_i", TensorProto.INT64, ["b", 3]),
         helper.make_tensor_value_info("low_v", TensorProto.FLOAT, ["b", "k"]),
         helper.make_tensor_value_info("low_i", TensorProto.INT64, ["b", "k"]),
         helper.make_tensor_value_info("cum", TensorProto.FLOAT, ["b", 7]),
         helper.make_tensor_value_info("cum_rev", TensorProto.FLOAT,
                                       ["b", 7])],
        [numpy_helper.from_array(np.array([3], np.int64), "k3"),
         numpy_helper.from_array(np.array(-1, np.int64), "axis1")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "model.onnx"))

    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 7)).astype(np.float32)
    x[1] = [2, 5, 2, 5, 2, 5, 2]  # ties
    k, axis = 4, 0
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "k.npy"), np.array([k], np.int64))
    np.save(os.path.join(out, "axis.npy"), np.array(axis, np.int64))
    top_v, top_i = topk(x, 3, True)
    low_v, low_i = topk(x, k, False)
    cum = np.cumsum(x, axis=1, dtype=np.float32)
    # Exclusive and reversed along axis 0, as a sequential scan adds it.
    cum_rev = np.zeros_like(x)
    for j in range(x.shape[0] - 2, -1, -1):
        cum_rev[j] = cum_rev[j + 1] + x[j + 1]
    for name, value in [("top_v", top_v), ("top_i", top_i), ("low_v", low_v),
                        ("low_i", low_i), ("cum", cum), ("cum_rev", cum_rev)]:
        np.save(os.path.join(out, "expected_" + name + ".npy"), value)


if __name__ == "__main__":
    main()
