#!/usr/bin/env python3
"""The four ways ONNX carries ternary weights (../shared/design.md), one
model each, all computing y = x @ W_ternary * scale (+ a float ReLU so the
graph is more than one node), with numpy's outputs:

  dense     float initializer in {-s, 0, +s} (per output channel)
  fakequant latent float weights through clip(round(w / mean|w|), -1, 1)
            * mean|w| (the QAT export), per tensor
  qdq       int8 initializer in {-1, 0, 1} through DequantizeLinear
            (zero point 0, per-tensor scale)
  nbits     com.microsoft MatMulNBits, bits = 2, default zero point 2,
            codes 1..3, one scale per (channel, block) equal along K;
            nbits_blocks: the same with scales that differ per block

weight_forms.py DIR -> DIR/{dense,fakequant,qdq,nbits}.onnx, DIR/x.npy,
                       DIR/expected_<form>.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

K, N, M = 96, 24, 5


def save(graph, nodes_inits, path, extra_opsets=()):
    nodes, inits = nodes_inits
    g = helper.make_graph(
        nodes + [helper.make_node("Relu", ["mm"], ["y"])], graph,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", N])],
        inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]
                              + [helper.make_opsetid(d, v)
                                 for d, v in extra_opsets])
    model.ir_version = 8
    onnx.save(model, path)


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(23)
    x = rng.standard_normal((M, K)).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    x64 = x.astype(np.float64)

    def expect(name, w_kn):
        y = np.maximum(x64 @ w_kn.astype(np.float64), 0).astype(np.float32)
        np.save(os.path.join(out, f"expected_{name}.npy"), y)

    signs = rng.integers(-1, 2, (K, N)).astype(np.int8)

    # 1. Dense ternary-valued floats, one scale per output channel.
    scales = rng.uniform(0.01, 0.1, N).astype(np.float32)
    w = (signs * scales).astype(np.float32)
    save("dense", ([helper.make_node("MatMul", ["x", "w"], ["mm"])],
                   [numpy_helper.from_array(w, "w")]),
         os.path.join(out, "dense.onnx"))
    expect("dense", w)
    # The same model with W1.58A8 activations (ternc --quantize-acts):
    # per-token absmax int8, exact int32 accumulation, float rescale.
    act_scale = np.float32(127) / np.maximum(
        np.max(np.abs(x), axis=-1, keepdims=True), np.float32(1e-5))
    q = np.clip(np.round(x * act_scale), -128, 127).astype(np.int32)
    acc = (q @ signs.astype(np.int32)).astype(np.float32)
    y_a8 = np.maximum(acc / act_scale * scales, 0).astype(np.float32)
    np.save(os.path.join(out, "expected_dense_a8.npy"), y_a8)

    # 2. QAT fake-quant on latent weights.
    latent = (rng.standard_normal((K, N)) * 0.05).astype(np.float32)
    node = helper.make_node
    nodes = [
        node("Abs", ["latent"], ["abs"]),
        node("ReduceMean", ["abs"], ["gamma"], keepdims=0),
        node("Div", ["latent", "gamma"], ["scaled"]),
        node("Round", ["scaled"], ["rounded"]),
        node("Clip", ["rounded", "lo", "hi"], ["clipped"]),
        node("Mul", ["clipped", "gamma"], ["wq"]),
        node("MatMul", ["x", "wq"], ["mm"]),
    ]
    inits = [numpy_helper.from_array(latent, "latent"),
             numpy_helper.from_array(np.array(-1, np.float32), "lo"),
             numpy_helper.from_array(np.array(1, np.float32), "hi")]
    save("fakequant", (nodes, inits), os.path.join(out, "fakequant.onnx"))
    # numpy in float32, as the model computes it (ReduceMean: sum / count).
    gamma = np.float32(np.sum(np.abs(latent), dtype=np.float32)
                       / np.float32(latent.size))
    wq = (np.clip(np.round(latent / gamma), -1, 1) * gamma).astype(np.float32)
    expect("fakequant", wq)

    # 3. QDQ: int8 {-1, 0, 1} through DequantizeLinear.
    scale = np.array(0.0625, np.float32)
    nodes = [node("DequantizeLinear", ["wq8", "s", "z"], ["wdq"]),
             node("MatMul", ["x", "wdq"], ["mm"])]
    inits = [numpy_helper.from_array(signs, "wq8"),
             numpy_helper.from_array(scale, "s"),
             numpy_helper.from_array(np.array(0, np.int8), "z")]
    save("qdq", (nodes, inits), os.path.join(out, "qdq.onnx"))
    expect("qdq", signs.astype(np.float32) * scale)

    # 4. MatMulNBits, bits = 2: codes w + 2 in {1, 2, 3}, 2-bit fields LSB
    # first, blocks of 32 along K, one scale per channel repeated per block.
    block = 32
    blocks = K // block
    codes = (signs.T + 2).astype(np.uint8)  # [N, K]
    fields = codes.reshape(N, blocks, block // 4, 4)
    packed = (fields[..., 0] | (fields[..., 1] << 2) | (fields[..., 2] << 4)
              | (fields[..., 3] << 6)).astype(np.uint8)
    channel_scale = rng.uniform(0.01, 0.1, N).astype(np.float32)
    block_scales = np.repeat(channel_scale, blocks).astype(np.float32)
    nodes = [node("MatMulNBits", ["x", "b", "scales"], ["mm"],
                  domain="com.microsoft", K=K, N=N, bits=2, block_size=block)]
    inits = [numpy_helper.from_array(packed, "b"),
             numpy_helper.from_array(block_scales, "scales")]
    save("nbits", (nodes, inits), os.path.join(out, "nbits.onnx"),
         extra_opsets=[("com.microsoft", 1)])
    expect("nbits", (signs * channel_scale).astype(np.float32))

    # 4b. MatMulNBits whose block scales differ: kept exact as a ternary
    # matmul with one scale per (channel, block).
    block_scales = rng.uniform(0.01, 0.1, N * blocks).astype(np.float32)
    inits = [numpy_helper.from_array(packed, "b"),
             numpy_helper.from_array(block_scales, "scales")]
    save("nbits_blocks", (nodes, inits),
         os.path.join(out, "nbits_blocks.onnx"),
         extra_opsets=[("com.microsoft", 1)])
    per_weight = np.repeat(block_scales.reshape(N, blocks), block, axis=1)
    expect("nbits_blocks", (signs * per_weight.T).astype(np.float32))


if __name__ == "__main__":
    main()
