#!/usr/bin/env python3
"""ONNX Runtime's com.microsoft LLM ops, with numpy references written from
ONNX Runtime's operator documentation:

- MatMulNBits with bits=2 (default zero point 2, per-block scales),
  bits=4 (packed uint8 zero points, a bias, K not a multiple of the block)
  and bits=8 (a zero point byte per block);
- SimplifiedLayerNormalization (in the default domain, where ONNX Runtime
  registers it) and SkipSimplifiedLayerNormalization (with its sum output);
- RotaryEmbedding on [batch, seq, hidden] (halves, position_ids per token)
  and on [batch, heads, seq, head] (interleaved, an offset position).

contrib.py DIR -> DIR/model.onnx, DIR/*.npy, DIR/expected_*.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MS = "com.microsoft"


def pack(fields, bits):
    """Packs rows of `bits`-wide fields into bytes, least significant first."""
    rows, count = fields.shape
    per_byte = 8 // bits
    padded = np.zeros((rows, -(-count // per_byte) * per_byte), np.uint32)
    padded[:, :count] = fields
    grouped = padded.reshape(rows, -1, per_byte)
    shifts = np.arange(per_byte, dtype=np.uint32) * bits
    return (grouped << shifts).sum(axis=2).astype(np.uint8)


def nbits_weight(rng, n, k, bits, block, zero_points):
    blocks = -(-k // block)
    codes = rng.integers(0, 1 << bits, (n, blocks * block)).astype(np.uint32)
    if bits == 2:
        codes = rng.integers(1, 4, codes.shape).astype(np.uint32)  # ternary
    codes[:, k:] = 0  # padding past K
    scales = (rng.random((n, blocks)) + 0.5).astype(np.float32)
    b = pack(codes.reshape(n * blocks, block), bits).reshape(n, blocks, -1)
    if zero_points:
        zp = rng.integers(0, 1 << bits, (n, blocks)).astype(np.uint32)
        zp_packed = pack(zp, bits).reshape(-1)
    else:
        zp = np.full((n, blocks), 1 << (bits - 1), np.uint32)
        zp_packed = None
    deq = (codes.reshape(n, blocks, block).astype(np.float32)
           - zp[:, :, None].astype(np.float32)) * scales[:, :, None]
    w = deq.reshape(n, blocks * block)[:, :k]  # [N, K]
    return b, scales.reshape(-1), zp_packed, w


def rms(x, gamma, eps):
    inv = 1.0 / np.sqrt(np.mean(x.astype(np.float64) ** 2, axis=-1,
                                keepdims=True) + eps)
    return (x * inv * gamma).astype(np.float32)


def rope(x, pos, cos, sin, interleaved):
    """x [..., head], pos broadcastable to x[..., 0]."""
    half = cos.shape[1]
    c, s = cos[pos], sin[pos]
    out = x.copy()
    if interleaved:
        a, b = x[..., 0:2 * half:2], x[..., 1:2 * half:2]
        out[..., 0:2 * half:2] = a * c - b * s
        out[..., 1:2 * half:2] = b * c + a * s
    else:
        a, b = x[..., :half], x[..., half:2 * half]
        out[..., :half] = a * c - b * s
        out[..., half:2 * half] = b * c + a * s
    return out


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(17)
    node = helper.make_node
    inits, expected, inputs = [], {}, {}

    # MatMulNBits
    k, n = 40, 6
    x = rng.standard_normal((2, 3, k)).astype(np.float32)
    inputs["x"] = x
    b2, s2, _, w2 = nbits_weight(rng, n, k, 2, 16, zero_points=False)
    b4, s4, z4, w4 = nbits_weight(rng, n, k, 4, 32, zero_points=True)
    b8, s8, z8, w8 = nbits_weight(rng, n, k, 8, 16, zero_points=True)
    bias = rng.standard_normal(n).astype(np.float32)
    inits += [numpy_helper.from_array(v, name) for name, v in
              [("b2", b2), ("s2", s2), ("b4", b4), ("s4", s4), ("z4", z4),
               ("b8", b8), ("s8", s8), ("z8", z8), ("bias", bias)]]
    x64 = x.astype(np.float64)
    expected["y2"] = (x64 @ w2.T.astype(np.float64)).astype(np.float32)
    expected["y4"] = (x64 @ w4.T.astype(np.float64) + bias).astype(np.float32)
    expected["y8"] = (x64 @ w8.T.astype(np.float64)).astype(np.float32)

    # RMS normalizations
    h = 8
    r = rng.standard_normal((2, 3, h)).astype(np.float32)
    skip = rng.standard_normal((2, 3, h)).astype(np.float32)
    gamma = rng.standard_normal(h).astype(np.float32)
    inputs["r"], inputs["skip"] = r, skip
    inits.append(numpy_helper.from_array(gamma, "gamma"))
    expected["norm"] = rms(r, gamma, 1e-6)
    total = r + skip
    expected["skip_norm"] = rms(total, gamma, 1e-5)
    expected["skip_sum"] = total

    # RotaryEmbedding
    heads, head, rot = 2, 6, 4
    seq, max_pos = 3, 10
    angles = np.outer(np.arange(max_pos), 1.0 / 10000 ** (
        np.arange(rot // 2) * 2 / rot))
    cos = np.cos(angles).astype(np.float32)
    sin = np.sin(angles).astype(np.float32)
    inits += [numpy_helper.from_array(cos, "cos"),
              numpy_helper.from_array(sin, "sin")]
    q3 = rng.standard_normal((2, seq, heads * head)).astype(np.float32)
    pos = np.array([[0, 1, 2], [5, 7, 9]], np.int64)
    q4 = rng.standard_normal((2, heads, seq, head)).astype(np.float32)
    offset = np.array([4], np.int64)
    inputs.update(q3=q3, pos=pos, q4=q4, offset=offset)
    expected["rope3"] = rope(q3.reshape(2, seq, heads, head),
                             pos[:, :, None], cos, sin,
                             False).reshape(2, seq, heads * head)
    expected["rope4"] = rope(q4, (np.arange(seq) + 4)[None, None, :], cos,
                             sin, True)

    nodes = [
        node("MatMulNBits", ["x", "b2", "s2"], ["y2"], domain=MS, K=k, N=n,
             bits=2, block_size=16),
        node("MatMulNBits", ["x", "b4", "s4", "z4", "", "bias"], ["y4"],
             domain=MS, K=k, N=n, bits=4, block_size=32),
        node("MatMulNBits", ["x", "b8", "s8", "z8"], ["y8"], domain=MS, K=k,
             N=n, bits=8, block_size=16),
        node("SimplifiedLayerNormalization", ["r", "gamma"], ["norm"],
             epsilon=1e-6),
        node("SkipSimplifiedLayerNormalization", ["r", "skip", "gamma"],
             ["skip_norm", "", "", "skip_sum"], domain=MS),
        node("RotaryEmbedding", ["q3", "pos", "cos", "sin"], ["rope3"],
             domain=MS, num_heads=heads, rotary_embedding_dim=rot),
        node("RotaryEmbedding", ["q4", "offset", "cos", "sin"], ["rope4"],
             domain=MS, interleaved=1, rotary_embedding_dim=rot),
    ]
    elem = {np.float32: TensorProto.FLOAT, np.int64: TensorProto.INT64}
    graph = helper.make_graph(
        nodes, "contrib",
        [helper.make_tensor_value_info(name, elem[v.dtype.type], v.shape)
         for name, v in inputs.items()],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, v.shape)
         for name, v in expected.items()],
        inits)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "model.onnx"))
    for name, v in inputs.items():
        np.save(os.path.join(out, name + ".npy"), v)
    for name, v in expected.items():
        np.save(os.path.join(out, "expected_" + name + ".npy"), v)
    with open(os.path.join(out, "inputs.txt"), "w") as f:
        f.write(" ".join(f"--input {n}={out}/{n}.npy" for n in inputs))
    with open(os.path.join(out, "outputs.txt"), "w") as f:
        f.write(" ".join(expected))


if __name__ == "__main__":
    main()
