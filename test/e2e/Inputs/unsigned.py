#!/usr/bin/env python3
"""uint8 through the importer: QuantizeLinear/DequantizeLinear with a uint8
zero point, MatMulInteger of uint8 activations (scalar zero point) and
int8 weights (per-column zero points), uint8 Div/Max/Less/BitShift, and a
Cast to uint8, with numpy's outputs.

unsigned.py DIR -> DIR/model.onnx, DIR/{x,a,b}.npy, DIR/expected_*.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    scale = np.array(0.05, np.float32)
    zero = np.array(128, np.uint8)
    w = np.random.default_rng(3).integers(-128, 128, (16, 5)).astype(np.int8)
    w_zero = np.array([0, 1, -2, 3, -128], np.int8)
    node = helper.make_node
    graph = helper.make_graph(
        [node("QuantizeLinear", ["x", "s", "z"], ["q"]),
         node("DequantizeLinear", ["q", "s", "z"], ["dq"]),
         node("MatMulInteger", ["q", "w", "z", "wz"], ["mm"]),
         node("Div", ["a", "b"], ["div"]),
         node("Max", ["a", "b"], ["max"]),
         node("Less", ["a", "b"], ["less"]),
         node("BitShift", ["a", "b"], ["shift"], direction="LEFT"),
         node("Cast", ["x"], ["cast"], to=TensorProto.UINT8)],
        "unsigned",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 16]),
         helper.make_tensor_value_info("a", TensorProto.UINT8, [8]),
         helper.make_tensor_value_info("b", TensorProto.UINT8, [8])],
        [helper.make_tensor_value_info("q", TensorProto.UINT8, [3, 16]),
         helper.make_tensor_value_info("dq", TensorProto.FLOAT, [3, 16]),
         helper.make_tensor_value_info("mm", TensorProto.INT32, [3, 5]),
         helper.make_tensor_value_info("div", TensorProto.UINT8, [8]),
         helper.make_tensor_value_info("max", TensorProto.UINT8, [8]),
         helper.make_tensor_value_info("less", TensorProto.BOOL, [8]),
         helper.make_tensor_value_info("shift", TensorProto.UINT8, [8]),
         helper.make_tensor_value_info("cast", TensorProto.UINT8, [3, 16])],
        [numpy_helper.from_array(scale, "s"),
         numpy_helper.from_array(zero, "z"),
         numpy_helper.from_array(w, "w"),
         numpy_helper.from_array(w_zero, "wz")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "model.onnx"))

    rng = np.random.default_rng(11)
    x = (rng.standard_normal((3, 16)) * 4).astype(np.float32)
    x[0, :4] = [0.025, 0.075, -100.0, 100.0]  # halves and saturation
    x_cast = np.abs(x) * 20
    # Values above 255 do not have a defined uint8 cast; keep them in range.
    x_cast = np.minimum(x_cast, 255).astype(np.float32)
    a = np.array([0, 1, 200, 255, 17, 128, 9, 250], np.uint8)
    b = np.array([1, 3, 7, 255, 2, 0, 8, 1], np.uint8)
    b_nonzero = np.where(b == 0, 1, b).astype(np.uint8)
    for name, value in [("x", x), ("a", a), ("b", b_nonzero)]:
        np.save(os.path.join(out, name + ".npy"), value)
    np.save(os.path.join(out, "x_cast.npy"), x_cast)

    q = np.clip(np.round(x / scale) + 128, 0, 255).astype(np.uint8)
    dq = ((q.astype(np.int32) - 128) * scale).astype(np.float32)
    mm = (q.astype(np.int32) - 128) @ (w.astype(np.int32) - w_zero)
    expected = {
        "q": q, "dq": dq, "mm": mm.astype(np.int32),
        "div": a // b_nonzero, "max": np.maximum(a, b_nonzero),
        "less": a < b_nonzero,
        "shift": np.where(b_nonzero < 8,
                          np.left_shift(a.astype(np.uint32), b_nonzero),
                          0).astype(np.uint8),
        "cast": x_cast.astype(np.uint8),
    }
    for name, value in expected.items():
        np.save(os.path.join(out, "expected_" + name + ".npy"), value)


if __name__ == "__main__":
    main()
