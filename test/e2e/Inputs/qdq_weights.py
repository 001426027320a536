"""Linear layers whose weights are DequantizeLinear of 8-bit initializers,
as QDQ exports write them:

- y1: MatMul, int8 codes with a per-channel scale and zero point (axis 1);
- y2: MatMul, uint8 codes with a per-tensor scale and zero point;
- y3: Gemm with transB = 1 and a bias, int8 codes per channel (axis 0),
  no zero point;
- y4: MatMul, int8 codes in {-1, 0, 1}: a ternary weight.

Writes OUT/model.onnx, OUT/x.npy and OUT/expected_<name>.npy (numpy in
float64: the dequantized weights are exact in float32).

qdq_weights.py OUT
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(23)
    k, n = 48, 20
    x = rng.standard_normal((5, k)).astype(np.float32)
    w1 = rng.integers(-128, 128, (k, n)).astype(np.int8)
    s1 = (rng.random(n) * 0.02 + 0.01).astype(np.float32)
    z1 = rng.integers(-10, 10, n).astype(np.int8)
    w2 = rng.integers(0, 256, (k, n)).astype(np.uint8)
    s2 = np.array(0.015, np.float32)
    z2 = np.array(131, np.uint8)
    w3 = rng.integers(-128, 128, (n, k)).astype(np.int8)
    s3 = (rng.random(n) * 0.02 + 0.01).astype(np.float32)
    c3 = rng.standard_normal(n).astype(np.float32)
    w4 = rng.integers(-1, 2, (k, n)).astype(np.int8)
    s4 = np.array(0.25, np.float32)

    inits = [numpy_helper.from_array(v, name) for name, v in [
        ("w1", w1), ("s1", s1), ("z1", z1), ("w2", w2), ("s2", s2),
        ("z2", z2), ("w3", w3), ("s3", s3), ("c3", c3), ("w4", w4),
        ("s4", s4)]]
    node = helper.make_node
    nodes = [
        node("DequantizeLinear", ["w1", "s1", "z1"], ["d1"], axis=1),
        node("MatMul", ["x", "d1"], ["y1"]),
        node("DequantizeLinear", ["w2", "s2", "z2"], ["d2"]),
        node("MatMul", ["x", "d2"], ["y2"]),
        node("DequantizeLinear", ["w3", "s3"], ["d3"], axis=0),
        node("Gemm", ["x", "d3", "c3"], ["y3"], transB=1),
        node("DequantizeLinear", ["w4", "s4"], ["d4"]),
        node("MatMul", ["x", "d4"], ["y4"]),
    ]
    x64 = x.astype(np.float64)
    expected = {
        "y1": x64 @ ((w1.astype(np.float64) - z1[None, :]) * s1[None, :]),
        "y2": x64 @ ((w2.astype(np.float64) - float(z2)) * float(s2)),
        "y3": x64 @ (w3.astype(np.float64) * s3[:, None]).T + c3,
        "y4": x64 @ (w4.astype(np.float64) * float(s4)),
    }
    graph = helper.make_graph(
        nodes, "qdq_weights",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["rows", k])],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["rows", n])
         for name in expected], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "model.onnx"))
    np.save(os.path.join(out, "x.npy"), x)
    for name, v in expected.items():
        np.save(os.path.join(out, f"expected_{name}.npy"), v.astype(np.float32))


if __name__ == "__main__":
    main()
