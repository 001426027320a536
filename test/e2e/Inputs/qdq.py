#!/usr/bin/env python3
"""An int8 QuantizeLinear -> DequantizeLinear model with a per-axis scale
and zero point, a seeded input chosen to hit halves and saturation, and
numpy's outputs.

qdq.py DIR -> DIR/model.onnx, DIR/x.npy, DIR/expected_{q,y}.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    scale = np.array([0.5, 0.25, 2.0], np.float32)
    zero = np.array([0, -3, 10], np.int8)
    graph = helper.make_graph(
        [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], axis=1),
         helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"],
                          axis=1)],
        "qdq",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
        [helper.make_tensor_value_info("q", TensorProto.INT8, [2, 3, 4]),
         helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, 4])],
        [numpy_helper.from_array(scale, "s"),
         numpy_helper.from_array(zero, "z")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "model.onnx"))
    rng = np.random.default_rng(9)
    x = (rng.standard_normal((2, 3, 4)) * 40).astype(np.float32)
    x[0, 0, :] = [1.25, 0.75, -0.25, 1000.0]  # halves and saturation
    np.save(os.path.join(out, "x.npy"), x)
    s = scale.reshape(1, 3, 1)
    z = zero.reshape(1, 3, 1).astype(np.float32)
    q = np.clip(np.round(x / s) + z, -128, 127).astype(np.int8)
    y = (q.astype(np.int64) - zero.reshape(1, 3, 1)).astype(np.float32) * s
    np.save(os.path.join(out, "expected_q.npy"), q)
    np.save(os.path.join(out, "expected_y.npy"), y.astype(np.float32))


if __name__ == "__main__":
    main()
