#!/usr/bin/env python3
"""Writes a tern-level model of one BitNet b1.58 linear layer (W1.58A8:
per-token absmax int8 activations, ternary weights, per-channel scale),
a seeded input, and the numpy reference of every intermediate.

The model returns the quantized activations, their scales, the int32
accumulator and the dequantized result, so the integer path can be checked
bit for bit.
"""

import argparse

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mlir", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--expected-prefix", required=True)
    parser.add_argument("--rows", type=int, default=6)
    parser.add_argument("--k", type=int, default=64)
    parser.add_argument("--n", type=int, default=32)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    m, k, n = args.rows, args.k, args.n
    w = rng.integers(-1, 2, size=(n, k)).astype(np.int8)
    s = rng.uniform(0.01, 0.1, size=n).astype(np.float32)
    x = rng.standard_normal((m, k)).astype(np.float32)
    # Row 0 lands exactly on halves (scale 1): round half to even matters.
    x[0, :4] = [127.0, 2.5, -3.5, 0.5]
    x[0, 4:] = 0.0
    # Row 1 is all zeros: the eps clamp keeps the scale finite.
    x[1, :] = 0.0
    # Row 2 has one huge outlier, so everything else quantizes to 0 or +-1.
    x[2, 5] = 1000.0

    eps = np.float32(1e-5)
    absmax = np.max(np.abs(x), axis=-1, keepdims=True)
    act_scale = np.float32(127.0) / np.maximum(absmax, eps)
    q = np.clip(np.round(x * act_scale), -128, 127).astype(np.int8)
    acc = q.astype(np.int32) @ w.T.astype(np.int32)
    y = acc.astype(np.float32) / act_scale * s

    np.save(args.input, x)
    for name, value in [("q", q), ("act_scale", act_scale), ("acc", acc),
                        ("y", y)]:
        np.save(f"{args.expected_prefix}{name}.npy", value)

    def dense(array):
        return np.array2string(array, separator=", ", threshold=1 << 30,
                               max_line_width=1 << 30,
                               floatmode="unique").replace("\n", "")

    with open(args.mlir, "w") as f:
        f.write(f"""
func.func @main_graph(%x: tensor<?x{k}xf32> {{onnx.name = "x"}})
    -> (tensor<?x{k}xi8> {{onnx.name = "q"}},
        tensor<?x1xf32> {{onnx.name = "act_scale"}},
        tensor<?x{n}xi32> {{onnx.name = "acc"}},
        tensor<?x{n}xf32> {{onnx.name = "y"}}) {{
  %w = tern.constant dense<{dense(w)}> : tensor<{n}x{k}xi8>
  %s = arith.constant dense<{dense(s)}> : tensor<{n}xf32>
  %q, %as = tern.quantize %x : tensor<?x{k}xf32> -> tensor<?x{k}xi8>, tensor<?x1xf32>
  %acc = tern.int_matmul %q, %w : tensor<?x{k}xi8>, tensor<{n}x{k}xi8> -> tensor<?x{n}xi32>
  %y = tern.matmul %x, %w, %s quant(per_token_absmax) : tensor<?x{k}xf32>, tensor<{n}x{k}xi8>, tensor<{n}xf32> -> tensor<?x{n}xf32>
  return %q, %as, %acc, %y : tensor<?x{k}xi8>, tensor<?x1xf32>, tensor<?x{n}xi32>, tensor<?x{n}xf32>
}}
""")


if __name__ == "__main__":
    main()
