#!/usr/bin/env python3
"""Builds a two-layer MLP with ternary-valued float weights, as a plain
torch.onnx.export of a trained BitNet gives, plus a seeded input and the
numpy reference output.

Layer 1: MatMul against K x N weights in {-s, 0, +s} (one scale for the
tensor), Add a bias, Relu. Layer 2: Gemm with transB = 1 against N x K
weights with one scale per output channel, plus a bias.

The bundled examples/ternary_mlp.onnx was made with
    examples/ternary_mlp.py --model examples/ternary_mlp.onnx
and test/e2e/ternary-mlp.test uses --input/--expected as well.
"""

import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def ternary(rng, shape, scale):
    return (rng.integers(-1, 2, size=shape) * scale).astype(np.float32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--input", help="write a seeded input here")
    parser.add_argument("--expected", help="write numpy's output here")
    parser.add_argument("--batch", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=64)
    args = parser.parse_args()

    rng = np.random.default_rng(1234)
    k, hidden, n = 32, args.hidden, 16
    w1 = ternary(rng, (k, hidden), np.float32(0.05))
    b1 = rng.standard_normal(hidden).astype(np.float32)
    channel_scales = rng.uniform(0.01, 0.1, size=(n, 1)).astype(np.float32)
    w2 = ternary(rng, (n, hidden), channel_scales)
    b2 = rng.standard_normal(n).astype(np.float32)

    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1"),
            helper.make_node("Add", ["h", "b1"], ["hb"], name="fc1_bias"),
            helper.make_node("Relu", ["hb"], ["a"], name="act"),
            helper.make_node("Gemm", ["a", "w2", "b2"], ["y"], name="fc2",
                             transB=1),
        ],
        "ternary_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       ["batch", k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       ["batch", n])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
         numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(b2, "b2")],
    )
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, args.model)

    if not args.input:
        return
    x = rng.standard_normal((args.batch, k)).astype(np.float32)
    np.save(args.input, x)
    h = np.maximum(x.astype(np.float64) @ w1 + b1, 0.0)
    y = h @ w2.T.astype(np.float64) + b2
    np.save(args.expected, y.astype(np.float32))


if __name__ == "__main__":
    main()
