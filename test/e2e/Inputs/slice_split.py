#!/usr/bin/env python3
"""A model of Slice (negative and positive steps, out-of-range ends, a
dynamic dimension), Split and Tile, with a seeded input and numpy's outputs.

slice_split.py DIR -> DIR/model.onnx, DIR/x.npy, DIR/expected_{s,a,b,t}.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BIG = 2**63 - 1


def main():
    out = sys.argv[1]
    consts = {
        "starts": [1, -1], "ends": [BIG, -10], "axes": [0, 1],
        "steps": [2, -2], "split": [3, 4], "repeats": [2, 3],
    }
    graph = helper.make_graph(
        [helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"],
                          ["s"], name="slice"),
         helper.make_node("Split", ["x", "split"], ["a", "b"], name="split",
                          axis=1),
         helper.make_node("Tile", ["x", "repeats"], ["t"], name="tile")],
        "slice_split",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 7])],
        [helper.make_tensor_value_info("s", TensorProto.FLOAT, ["rows", 4]),
         helper.make_tensor_value_info("a", TensorProto.FLOAT, ["batch", 3]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, ["batch", 4]),
         helper.make_tensor_value_info("t", TensorProto.FLOAT, ["rows2", 21])],
        [numpy_helper.from_array(np.array(v, np.int64), k)
         for k, v in consts.items()])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "model.onnx"))
    x = np.random.default_rng(5).standard_normal((6, 7)).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "expected_s.npy"), x[1::2, -1:-10:-2])
    np.save(os.path.join(out, "expected_a.npy"), x[:, :3])
    np.save(os.path.join(out, "expected_b.npy"), x[:, 3:])
    np.save(os.path.join(out, "expected_t.npy"), np.tile(x, (2, 3)))


if __name__ == "__main__":
    main()
