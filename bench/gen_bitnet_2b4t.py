#!/usr/bin/env python3
"""Writes a decoder with BitNet b1.58 2B4T's shape (see ../shared/anchors.md)
and random ternary weights, in the Hugging Face Optimum layout, as an ONNX
file with external data.

Inputs:  input_ids, attention_mask, position_ids [batch, seq | total] int64,
         past_key_values.N.key/value [batch, kv_heads, past, head_dim]
Outputs: logits [batch, seq, vocab], present.N.key/value

--layout genai writes the same decoder as ONNX Runtime GenAI's model
builder does instead: no position_ids; the norms as
SimplifiedLayerNormalization and SkipSimplifiedLayerNormalization (which
carries the residual); attention as com.microsoft GroupQueryAttention with
the rotary embedding inside, its seqlens_k and total_sequence_length
computed from attention_mask.

The graph is built with onnx.helper, one node per operation as a torch
export of Llama-style modeling code writes it (RMSNorm as
Pow/ReduceMean/Add/Sqrt/Div/Mul, RoPE from cos/sin caches gathered by
position_ids with rotate_half, repeat_kv, a causal and padding mask from
attention_mask, squared-ReLU gated FFN, BitNet's sub-norms), so that a 2B
model needs no PyTorch module. Tensors are streamed to the data file one
at a time: writing the model needs little memory.

Weight forms of the ternary projections (--form):
  matmulnbits  com.microsoft MatMulNBits, bits=2, block 128,
               accuracy_level=4 by default (int8 activations in ONNX Runtime)
  qdq          int8 codes in {-1, 0, 1} through DequantizeLinear
  dense        float initializers in {-s, 0, +s}
  fakequant    latent float weights through clip(round(w / mean|w|), -1, 1)
               * mean|w|
The head is tied to the embedding (--head): fp32 (MatMul with the
transposed embedding) or q4 (MatMulNBits, bits=4, block 32, of it).

Exporters write the same decoder many ways; the Optimum layout's layers
can be written each way (defaults first, see PATTERNS): --repeat-kv
expand|expand-dyn|tile|concat|interleave, --mask where|trilu|less, --rope
rotate_half|interleaved|computed, --norm pow|simplified|sumsquare,
--attention matmul|mha. In either layout --io fp16 gives the caches and
logits as float16 (computing in float32 behind Casts), --batch static
fixes the batch at 1 and --ids int32 types the ids and mask int32. bench/
export_zoo.py compiles and runs each against ONNX Runtime.

gen_bitnet_2b4t.py OUT_DIR [--form F] [--head fp32|q4] [--layers N]
                   [--size full|small|tiny] [--seed S] [--accuracy-level L]
                   [--layout optimum|genai] [--repeat-kv ...] [--mask ...]
                   [--rope ...] [--norm ...] [--attention ...]
                   [--io fp32|fp16] [--batch dynamic|static]
                   [--ids int64|int32]
  -> OUT_DIR/model.onnx, OUT_DIR/model.onnx.data
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

FORMS = ("matmulnbits", "qdq", "dense", "fakequant")

FULL = dict(hidden=2560, ffn=6912, layers=30, heads=20, kv_heads=5,
            head_dim=128, vocab=128256, rope_theta=500000.0, max_pos=4096)
# The same graph at a few hundred MB (the compile-memory test).
SMALL = dict(hidden=1024, ffn=2816, layers=4, heads=8, kv_heads=4,
             head_dim=128, vocab=32000, rope_theta=500000.0, max_pos=1024)
# The same graph at a size a test compiles and checks in seconds.
TINY = dict(hidden=256, ffn=512, layers=2, heads=4, kv_heads=2,
            head_dim=64, vocab=1000, rope_theta=500000.0, max_pos=256)
EPS = 1e-5

# How the Optimum layout's layers are written (--repeat-kv, ...): exporters
# write the same decoder in many ways, and the compiler must take them all.
PATTERNS = dict(repeat_kv=("expand", "expand-dyn", "tile", "concat",
                           "interleave"),
                mask=("where", "trilu", "less"),
                rope=("rotate_half", "interleaved", "computed"),
                norm=("pow", "simplified", "sumsquare"),
                attention=("matmul", "mha"))
# The graph's inputs and outputs, in either layout (--io, --batch, --ids).
BOUNDARY = dict(io=("fp32", "fp16"), batch=("dynamic", "static"),
                ids=("int64", "int32"))
DEFAULT_PATTERNS = {k: v[0] for k, v in PATTERNS.items()}
DEFAULT_BOUNDARY = {k: v[0] for k, v in BOUNDARY.items()}


class Writer:
    """Streams initializers into one external data file."""

    def __init__(self, out_dir, name="model.onnx"):
        self.data_name = name + ".data"
        self.file = open(os.path.join(out_dir, self.data_name), "wb")
        self.offset = 0
        self.initializers = []

    def add(self, name, array):
        array = np.asarray(array, order="C")  # keeps 0-d arrays 0-d
        tensor = TensorProto()
        tensor.name = name
        tensor.data_type = onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[array.dtype]
        tensor.dims.extend(array.shape)
        if array.nbytes < 1024:  # small tensors stay in the model
            tensor.raw_data = array.tobytes()
        else:
            pad = -self.offset % 64
            self.file.write(b"\0" * pad)
            self.offset += pad
            self.file.write(array.tobytes())
            tensor.data_location = TensorProto.EXTERNAL
            for key, value in (("location", self.data_name),
                               ("offset", str(self.offset)),
                               ("length", str(array.nbytes))):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
            self.offset += array.nbytes
        self.initializers.append(tensor)
        return name

    def close(self):
        self.file.close()


class Graph:
    def __init__(self, writer):
        self.w = writer
        self.nodes = []
        self.count = 0

    def node(self, op, inputs, outputs=1, domain="", name=None, **attrs):
        self.count += 1
        name = name or f"/{op}_{self.count}"
        if isinstance(outputs, int):
            outputs = [f"{name}_out{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name,
                                           domain=domain, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def const(self, name, array):
        return self.w.add(name, np.asarray(array))


def rms_norm(g, x, hidden, prefix, rng, kind="pow"):
    """RMSNorm written as
      pow         HF's x * rsqrt(mean(x^2) + eps) as torch exports it: Pow,
                  ReduceMean, Add, Sqrt, Div, Mul
      simplified  ONNX Runtime's SimplifiedLayerNormalization
      sumsquare   ReduceSumSquare, divided by the width"""
    weight = g.const(prefix + ".weight",
                     (1 + 0.1 * rng.standard_normal(hidden)).astype(np.float32))
    if kind == "simplified":
        return g.node("SimplifiedLayerNormalization", [x, weight],
                      name=prefix + "/SimplifiedLayerNormalization",
                      axis=-1, epsilon=EPS, stash_type=1)
    eps = g.const(prefix + ".eps", np.float32(EPS))
    if kind == "sumsquare":
        var = g.node("Div", [g.node("ReduceSumSquare", [x], axes=[-1],
                                    keepdims=1),
                             g.const(prefix + ".width", np.float32(hidden))])
    else:
        two = g.const(prefix + ".two", np.float32(2))
        var = g.node("ReduceMean", [g.node("Pow", [x, two])], axes=[-1],
                     keepdims=1)
    rms = g.node("Sqrt", [g.node("Add", [var, eps])])
    return g.node("Mul", [weight, g.node("Div", [x, rms])])


def rms_weight(g, hidden, prefix, rng):
    return g.const(prefix + ".weight",
                   (1 + 0.1 * rng.standard_normal(hidden)).astype(np.float32))


def genai_norm(g, x, hidden, prefix, rng, skip=None):
    """ORT GenAI's RMS norms: SimplifiedLayerNormalization, or with a skip
    SkipSimplifiedLayerNormalization returning (normed, x + skip)."""
    weight = rms_weight(g, hidden, prefix, rng)
    if skip is None:
        return g.node("SimplifiedLayerNormalization", [x, weight],
                      name=prefix + "/SimplifiedLayerNormalization",
                      axis=-1, epsilon=EPS, stash_type=1)
    name = prefix + "/SkipSimplifiedLayerNormalization"
    out = g.node("SkipSimplifiedLayerNormalization", [x, skip, weight],
                 [name + "/output_0", "", "", name + "/output_3"],
                 domain="com.microsoft", name=name, epsilon=EPS)
    return out[0], out[3]


def ternary_codes(rng, n, k):
    """[N, K] codes in {-1, 0, 1}, about a third zeros, as BitNet's."""
    return (rng.integers(0, 3, (n, k), dtype=np.int8) - 1).astype(np.int8)


def projection(g, x, n, k, name, form, rng, level):
    """x [.., K] times a ternary [K, N] weight in `form`."""
    codes = ternary_codes(rng, n, k)
    # One per tensor, as BitNet's, sized to keep activations near 1.
    scale = np.float32((0.5 + rng.random()) / np.sqrt(k))
    if form == "matmulnbits":
        block = 128
        blocks = -(-k // block)
        padded = np.full((n, blocks * block), 2, np.uint8)
        padded[:, :k] = (codes + 2).astype(np.uint8)  # zero point 2
        del codes
        quads = padded.reshape(n, blocks, block // 4, 4)
        packed = (quads[..., 0] | (quads[..., 1] << 2) | (quads[..., 2] << 4)
                  | (quads[..., 3] << 6)).astype(np.uint8)
        del padded, quads
        b = g.const(name + ".qweight", packed)
        s = g.const(name + ".scales", np.full(n * blocks, scale, np.float32))
        return g.node("MatMulNBits", [x, b, s], domain="com.microsoft",
                      name=name + "/MatMulNBits", K=k, N=n, bits=2,
                      block_size=block, accuracy_level=level)
    if form == "qdq":
        q = g.const(name + ".weight_quantized", np.ascontiguousarray(codes.T))
        s = g.const(name + ".weight_scale", scale)
        zp = g.const(name + ".weight_zero_point", np.int8(0))
        w = g.node("DequantizeLinear", [q, s, zp],
                   name=name + "/DequantizeLinear")
        return g.node("MatMul", [x, w], name=name + "/MatMul")
    if form == "dense":
        w = g.const(name + ".weight", np.ascontiguousarray(
            codes.T.astype(np.float32) * scale))
        return g.node("MatMul", [x, w], name=name + "/MatMul")
    # fakequant: latent weights whose absmean ternarization gives `codes`.
    latent = codes.T.astype(np.float32) * np.float32(1.2 / np.sqrt(k))
    latent += rng.uniform(-0.3, 0.3, latent.shape).astype(np.float32) / np.sqrt(k)
    w = g.const(name + ".weight", np.ascontiguousarray(latent))
    del latent
    gamma = g.node("ReduceMean", [g.node("Abs", [w])], keepdims=0)
    gamma = g.node("Clip", [gamma, g.const(name + ".eps", np.float32(1e-5))])
    wq = g.node("Clip", [g.node("Round", [g.node("Div", [w, gamma])]),
                         g.const(name + ".lo", np.float32(-1)),
                         g.const(name + ".hi", np.float32(1))])
    wq = g.node("Mul", [wq, gamma])
    return g.node("MatMul", [x, wq], name=name + "/MatMul")


def rotate(g, x, cos, sin, half, prefix, kind="rotate_half"):
    """x * cos + rotate(x) * sin, with
      rotate_half  HF Llama's cat(-x2, x1) of the two halves
      interleaved  GPT-J's: pairs (x[2i], x[2i+1]) become (-x[2i+1], x[2i]),
                   Slices of step 2 stacked and flattened"""
    zero, mid, end, axis = (g.const(prefix + n, np.array([v], np.int64))
                            for n, v in ((".s0", 0), (".s1", half),
                                         (".s2", 2 * half), (".ax", 3)))
    if kind == "interleaved":
        one, two, last = (g.const(prefix + n, np.array(v, np.int64))
                          for n, v in ((".one", [1]), (".two", [2]),
                                       (".last", [-1])))
        even = g.node("Slice", [x, zero, end, axis, two])
        odd = g.node("Slice", [x, one, end, axis, two])
        pairs = g.node("Concat", [
            g.node("Unsqueeze", [g.node("Neg", [odd]), last]),
            g.node("Unsqueeze", [even, last])], axis=-1)
        rotated = g.node("Reshape", [pairs, g.const(
            prefix + ".flat", np.array([0, 0, -1, 2 * half], np.int64))])
    else:
        x1 = g.node("Slice", [x, zero, mid, axis])
        x2 = g.node("Slice", [x, mid, end, axis])
        rotated = g.node("Concat", [g.node("Neg", [x2]), x1], axis=-1)
    return g.node("Add", [g.node("Mul", [x, cos]),
                          g.node("Mul", [rotated, sin])])


def runtime_dims(g, t, axes, prefix, i64):
    """[t.shape[a] for a in axes] as 1-element int64 tensors, the way a
    torch export reads sizes: Shape, Gather, Unsqueeze."""
    shape = g.node("Shape", [t])
    return [g.node("Unsqueeze", [g.node("Gather", [
        shape, i64(f"{prefix}.dim{a}", a)], axis=0),
        i64(f"{prefix}.dim{a}.ax", [0])]) for a in axes]


def repeat_kv(g, t, nh, nkv, hd, prefix, patterns, i64):
    """[b, kv, T, d] -> [b, heads, T, d], query head j reading key head
    j // (heads / kv), written the way `patterns.repeat_kv` says:
      expand      Unsqueeze, Expand to a constant shape, Reshape [0, heads,
                  -1, d] (this generator's original form)
      expand-dyn  HF's `x[:, :, None].expand(b, kv, rep, T, d).reshape(b,
                  heads, T, d)` as torch exports it: both shapes built at
                  run time from Shape/Gather/Concat
      tile        `x[:, :, None].repeat(1, 1, rep, 1, 1).reshape(...)`:
                  Tile, then the run-time Reshape
      concat      `torch.cat([x[:, :, None]] * rep, 2).reshape(...)`
      interleave  `torch.repeat_interleave(x, rep, dim=1)` as torch's
                  opset-13 symbolic writes it: Unsqueeze after the axis,
                  Tile, Reshape to [b, -1, T, d]"""
    rep = nh // nkv
    kind = patterns["repeat_kv"]
    u = g.node("Unsqueeze", [t, i64(prefix + ".ax", [2])])
    if kind == "expand":
        return g.node("Reshape", [g.node("Expand", [
            u, i64(prefix + ".rep", [1, 1, rep, 1, 1])]),
            i64(prefix + ".kv_shape", [0, nh, -1, hd])])
    b, T = runtime_dims(g, t, (0, 2), prefix, i64)
    const = lambda name, v: i64(f"{prefix}.{name}", v)
    final = g.node("Concat", [b, const("heads", [nh]), T, const("hd", [hd])],
                   axis=0)
    if kind == "expand-dyn":
        shape = g.node("Concat", [b, const("kv", [nkv]), const("rep", [rep]),
                                  T, const("hd5", [hd])], axis=0)
        repeated = g.node("Expand", [u, shape])
    elif kind in ("tile", "interleave"):
        repeated = g.node("Tile", [u, const("repeats", [1, 1, rep, 1, 1])])
        if kind == "interleave":
            final = g.node("Concat", [b, const("minus1", [-1]), T,
                                      const("hd.last", [hd])], axis=0)
    elif kind == "concat":
        repeated = g.node("Concat", [u] * rep, axis=2)
    else:
        raise ValueError(f"unknown repeat_kv pattern {kind}")
    return g.node("Reshape", [repeated, final])


def rope_angles(g, c, kind, i64):
    """cos and sin [batch, seq, head_dim] of each position's angles (HF:
    cat(freqs, freqs); GPT-J's pairs are adjacent), either
      gathered by position_ids from precomputed tables (HF before 4.38, and
      the cos/sin caches of most exports), or
      computed  as HF's LlamaRotaryEmbedding computes them since 4.38:
                inv_freq [1, d/2, 1] expanded by the batch, MatMul with the
                positions [b, 1, s] as float, Transpose, Concat, Cos, Sin."""
    hd = c["head_dim"]
    inv = 1.0 / (c["rope_theta"] ** (np.arange(0, hd, 2) / hd))
    if kind == "computed":
        inv = g.const("model.rotary_emb.inv_freq",
                      inv.astype(np.float32)[None, :, None])
        batch = g.node("Unsqueeze", [g.node("Gather", [
            g.node("Shape", ["position_ids"]), i64("rope.zero", 0)], axis=0),
            i64("rope.ax0", [0])])
        inv = g.node("Expand", [inv, g.node("Concat", [
            batch, i64("rope.one_one", [1, 1])], axis=0)])
        pos = g.node("Unsqueeze", [g.node("Cast", ["position_ids"],
                                          to=TensorProto.FLOAT),
                                   i64("rope.ax1", [1])])
        freqs = g.node("Transpose", [g.node("MatMul", [inv, pos])],
                       perm=[0, 2, 1])
        emb = g.node("Concat", [freqs, freqs], axis=-1)
        return g.node("Cos", [emb]), g.node("Sin", [emb])
    freqs = np.outer(np.arange(c["max_pos"]), inv)
    emb = (np.repeat(freqs, 2, axis=-1) if kind == "interleaved"
           else np.concatenate([freqs, freqs], axis=-1))
    return tuple(g.node("Gather", [g.const(f"model.rotary_emb.{f.__name__}"
                                           "_cached",
                                           f(emb).astype(np.float32)),
                                   "position_ids"])
                 for f in (np.cos, np.sin))


def build_optimum_layers(g, x, c, form, rng, level, i64, patterns):
    """The layers as a torch export of Llama-style code writes them."""
    h, hd, nh, nkv = c["hidden"], c["head_dim"], c["heads"], c["kv_heads"]
    layers = c["layers"]
    norm = patterns["norm"]
    cos, sin = rope_angles(g, c, patterns["rope"], i64)
    cos = g.node("Unsqueeze", [cos, i64("rope.axis", [1])])
    sin = g.node("Unsqueeze", [sin, i64("rope.axis2", [1])])

    # Mask [batch, 1, seq, total]: causal (offset by the past) and padding.
    total = g.node("Gather", [g.node("Shape", ["attention_mask"]),
                              i64("mask.one", 1)], axis=0)
    seq = g.node("Gather", [g.node("Shape", ["input_ids"]),
                            i64("mask.one2", 1)], axis=0)
    past = g.node("Sub", [total, seq])
    step = i64("mask.step", 1)
    rows = g.node("Unsqueeze", [g.node("Range", [past, total, step]),
                                i64("mask.ax1", [1])])
    cols = g.node("Unsqueeze", [g.node("Range", [i64("mask.zero", 0), total,
                                                 step]),
                                i64("mask.ax0", [0])])
    neg = g.const("mask.neg", np.float32(-3.4028234663852886e38))
    fzero = g.const("mask.fzero", np.float32(0))
    if patterns["mask"] == "trilu":
        # HF's older torch.triu(full((seq, total), min), diagonal=past + 1).
        full = g.node("ConstantOfShape", [g.node("Concat", [
            g.node("Unsqueeze", [seq, i64("mask.ax_s", [0])]),
            g.node("Unsqueeze", [total, i64("mask.ax_t", [0])])], axis=0)],
            value=helper.make_tensor("min", TensorProto.FLOAT, [1],
                                     [-3.4028234663852886e38]))
        causal = g.node("Trilu", [full, g.node("Add", [past, step])], upper=1)
    elif patterns["mask"] == "less":
        # Allowed where the key is not after the query.
        causal = g.node("Where", [g.node("LessOrEqual", [cols, rows]), fzero,
                                  neg])
    else:
        causal = g.node("Where", [g.node("Greater", [cols, rows]), neg, fzero])
    pad = g.node("Unsqueeze", [g.node("Cast", ["attention_mask"],
                                      to=TensorProto.FLOAT),
                               i64("mask.ax12", [1, 2])])
    pad = g.node("Mul", [g.node("Sub", [g.const("mask.fone", np.float32(1)),
                                        pad]), neg])
    mask = g.node("Add", [causal, pad])
    scale = g.const("attn.scale", np.float32(1 / np.sqrt(hd)))
    heads_shape = lambda name, n: i64(name, [0, 0, n, hd])

    for i in range(layers):
        p = f"model.layers.{i}"
        a = rms_norm(g, x, h, p + ".input_layernorm", rng, norm)
        q = projection(g, a, nh * hd, h, p + ".self_attn.q_proj", form, rng, level)
        k = projection(g, a, nkv * hd, h, p + ".self_attn.k_proj", form, rng, level)
        v = projection(g, a, nkv * hd, h, p + ".self_attn.v_proj", form, rng, level)
        split = lambda t, n, name: g.node("Transpose", [g.node(
            "Reshape", [t, heads_shape(name, n)])], perm=[0, 2, 1, 3])
        q = split(q, nh, p + ".q_shape")
        k = split(k, nkv, p + ".k_shape")
        v = split(v, nkv, p + ".v_shape")
        q = rotate(g, q, cos, sin, hd // 2, p + ".rope_q", patterns["rope"])
        k = rotate(g, k, cos, sin, hd // 2, p + ".rope_k", patterns["rope"])
        k = g.node("Concat", [f"past_key_values.{i}.key", k], [f"present.{i}.key"],
                   axis=2)
        v = g.node("Concat", [f"past_key_values.{i}.value", v],
                   [f"present.{i}.value"], axis=2)
        kr = repeat_kv(g, k, nh, nkv, hd, p + ".repeat_k", patterns, i64)
        vr = repeat_kv(g, v, nh, nkv, hd, p + ".repeat_v", patterns, i64)
        if patterns["attention"] == "mha":
            # ONNX Runtime's fusion: com.microsoft MultiHeadAttention with
            # the query [b, s, heads * d] and the repeated keys and values
            # [b, heads, T, d] (its BNSH form), the mask as attention_bias.
            q = g.node("Reshape", [g.node("Transpose", [q], perm=[0, 2, 1, 3]),
                                   i64(p + ".q_flat", [0, 0, nh * hd])])
            attn = g.node("MultiHeadAttention", [q, kr, vr, "", "", mask],
                          domain="com.microsoft",
                          name=p + "/attn/MultiHeadAttention", num_heads=nh,
                          scale=float(1 / np.sqrt(hd)))
        else:
            scores = g.node("MatMul", [q, g.node("Transpose", [kr],
                                                 perm=[0, 1, 3, 2])])
            scores = g.node("Add", [g.node("Mul", [scores, scale]), mask])
            attn = g.node("MatMul", [g.node("Softmax", [scores], axis=-1), vr])
            attn = g.node("Reshape", [g.node("Transpose", [attn],
                                             perm=[0, 2, 1, 3]),
                                      i64(p + ".o_shape", [0, 0, nh * hd])])
        attn = rms_norm(g, attn, nh * hd, p + ".self_attn.attn_sub_norm", rng, norm)
        x = g.node("Add", [x, projection(g, attn, h, nh * hd,
                                         p + ".self_attn.o_proj", form, rng, level)])
        m = rms_norm(g, x, h, p + ".post_attention_layernorm", rng, norm)
        gate = projection(g, m, c["ffn"], h, p + ".mlp.gate_proj", form, rng, level)
        up = projection(g, m, c["ffn"], h, p + ".mlp.up_proj", form, rng, level)
        gate = g.node("Relu", [gate])
        act = g.node("Mul", [g.node("Mul", [gate, gate]), up])
        act = rms_norm(g, act, c["ffn"], p + ".mlp.ffn_sub_norm", rng, norm)
        x = g.node("Add", [x, projection(g, act, h, c["ffn"],
                                         p + ".mlp.down_proj", form, rng, level)])
        print(f"gen_bitnet_2b4t: layer {i + 1}/{layers}", file=sys.stderr)

    return rms_norm(g, x, h, "model.norm", rng, norm)


def build_genai_layers(g, x, c, form, rng, level, i64, ids_type):
    """The layers as ONNX Runtime GenAI's model builder writes them."""
    h, hd, nh, nkv = c["hidden"], c["head_dim"], c["heads"], c["kv_heads"]
    # Rotary caches of half width, as the builder stores them.
    inv = 1.0 / (c["rope_theta"] ** (np.arange(0, hd, 2) / hd))
    freqs = np.outer(np.arange(c["max_pos"]), inv)
    cos = g.const("cos_cache", np.cos(freqs).astype(np.float32))
    sin = g.const("sin_cache", np.sin(freqs).astype(np.float32))
    # The attention mask's reformatting: seqlens_k = sum(mask) - 1 and
    # total_sequence_length, both int32.
    summed = g.node("ReduceSum", ["attention_mask", i64("mask.axes", [1])],
                    name="/model/attn_mask_reformat/ReduceSum", keepdims=0)
    one = g.const("mask.one", np.array(1, onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[
        ids_type]))
    seqlens = g.node("Cast", [g.node("Sub", [summed, one])],
                     name="/model/attn_mask_reformat/Cast", to=TensorProto.INT32)
    total = g.node("Cast", [g.node("Gather", [
        g.node("Shape", ["attention_mask"]), i64("mask.index", 1)], axis=0)],
        name="/model/attn_mask_reformat/Cast_1", to=TensorProto.INT32)
    residual = x
    normed = genai_norm(g, x, h, "model.layers.0.input_layernorm", rng)
    for i in range(c["layers"]):
        p = f"model.layers.{i}"
        if i > 0:
            normed, residual = genai_norm(g, x, h, p + ".input_layernorm", rng,
                                          skip=residual)
        q = projection(g, normed, nh * hd, h, p + ".self_attn.q_proj", form,
                       rng, level)
        k = projection(g, normed, nkv * hd, h, p + ".self_attn.k_proj", form,
                       rng, level)
        v = projection(g, normed, nkv * hd, h, p + ".self_attn.v_proj", form,
                       rng, level)
        attn = g.node("GroupQueryAttention",
                      [q, k, v, f"past_key_values.{i}.key",
                       f"past_key_values.{i}.value", seqlens, total, cos, sin],
                      [p + "/attn/GroupQueryAttention/output_0",
                       f"present.{i}.key", f"present.{i}.value"],
                      domain="com.microsoft",
                      name=p + "/attn/GroupQueryAttention", num_heads=nh,
                      kv_num_heads=nkv, do_rotary=1, local_window_size=-1,
                      rotary_interleaved=0, scale=float(1 / np.sqrt(hd)))[0]
        attn = genai_norm(g, attn, nh * hd, p + ".self_attn.attn_sub_norm", rng)
        o = projection(g, attn, h, nh * hd, p + ".self_attn.o_proj", form, rng,
                       level)
        m, residual = genai_norm(g, o, h, p + ".post_attention_layernorm", rng,
                                 skip=residual)
        gate = projection(g, m, c["ffn"], h, p + ".mlp.gate_proj", form, rng,
                          level)
        up = projection(g, m, c["ffn"], h, p + ".mlp.up_proj", form, rng, level)
        gate = g.node("Relu", [gate])
        act = g.node("Mul", [g.node("Mul", [gate, gate]), up])
        act = genai_norm(g, act, c["ffn"], p + ".mlp.ffn_sub_norm", rng)
        x = projection(g, act, h, c["ffn"], p + ".mlp.down_proj", form, rng,
                       level)
        print(f"gen_bitnet_2b4t: layer {i + 1}/{c['layers']}", file=sys.stderr)
    normed, _ = genai_norm(g, x, h, "model.norm", rng, skip=residual)
    return normed


def retype_boundary(g, inputs, outputs, to_float, from_float):
    """Computes in float32 behind float16 `inputs` and `outputs` (names), as
    a mixed-precision export does: each input is Cast to float where it is
    read, each output Cast to float16 from the float the graph computes."""
    renamed = {name: name + ".float" for name in inputs + outputs}
    for n in g.nodes:
        n.input[:] = [renamed.get(i, i) for i in n.input]
        n.output[:] = [renamed.get(o, o) for o in n.output]
    for name in inputs:
        g.nodes.insert(0, helper.make_node("Cast", [name], [renamed[name]],
                                           name=f"/{name}/Cast", to=to_float))
    for name in outputs:
        g.nodes.append(helper.make_node("Cast", [renamed[name]], [name],
                                        name=f"/{name}/Cast", to=from_float))


def build(out_dir, c, form, head, seed, level=4, layout="optimum",
          patterns=None, boundary=None):
    patterns = dict(DEFAULT_PATTERNS, **(patterns or {}))
    boundary = dict(DEFAULT_BOUNDARY, **(boundary or {}))
    rng = np.random.default_rng(seed)
    w = Writer(out_dir)
    g = Graph(w)
    h, hd, nh, nkv = c["hidden"], c["head_dim"], c["heads"], c["kv_heads"]
    layers = c["layers"]
    i64 = lambda name, v: g.const(name, np.array(v, np.int64))

    ids_type = (TensorProto.INT32 if boundary["ids"] == "int32"
                else TensorProto.INT64)
    io_type = (TensorProto.FLOAT16 if boundary["io"] == "fp16"
               else TensorProto.FLOAT)
    batch = 1 if boundary["batch"] == "static" else "batch_size"
    inputs = [helper.make_tensor_value_info("input_ids", ids_type,
                                            [batch, "sequence_length"]),
              helper.make_tensor_value_info(
                  "attention_mask", ids_type,
                  [batch, "total_sequence_length"])]
    genai = layout == "genai"
    if genai and patterns != DEFAULT_PATTERNS:
        raise ValueError("the pattern options write the Optimum layout")
    if not genai:
        inputs.append(helper.make_tensor_value_info(
            "position_ids", ids_type, [batch, "sequence_length"]))
    outputs = [helper.make_tensor_value_info(
        "logits", io_type, [batch, "sequence_length", c["vocab"]])]
    for i in range(layers):
        for kind in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(
                f"past_key_values.{i}.{kind}", io_type,
                [batch, nkv, "past_sequence_length", hd]))
            outputs.append(helper.make_tensor_value_info(
                f"present.{i}.{kind}", io_type,
                [batch, nkv, "total_sequence_length", hd]))

    # Embedding, generated in row blocks (1.3 GB at full size).
    embed = np.empty((c["vocab"], h), np.float32)
    for r in range(0, c["vocab"], 8192):
        rows = min(8192, c["vocab"] - r)
        embed[r:r + rows] = rng.standard_normal((rows, h), np.float32) * 0.05
    embed_name = g.const("model.embed_tokens.weight", embed)
    x = g.node("Gather", [embed_name, "input_ids"], name="/embed_tokens/Gather")

    if genai:
        x = build_genai_layers(g, x, c, form, rng, level, i64, ids_type)
    else:
        x = build_optimum_layers(g, x, c, form, rng, level, i64, patterns)

    if head == "fp32":
        wt = g.node("Transpose", [embed_name], perm=[1, 0])
        g.node("MatMul", [x, wt], ["logits"], name="/lm_head/MatMul")
    else:
        block = 32
        vocab = c["vocab"]
        blocks = h // block
        packed = np.empty((vocab, blocks, block // 2), np.uint8)
        scales = np.empty((vocab, blocks), np.float32)
        for r in range(0, vocab, 8192):
            e = embed[r:r + 8192].reshape(-1, blocks, block)
            s = np.abs(e).max(axis=-1) / 7
            s[s == 0] = 1
            q = np.clip(np.round(e / s[..., None]), -8, 7).astype(np.int16) + 8
            q = q.astype(np.uint8).reshape(-1, blocks, block // 2, 2)
            packed[r:r + 8192] = q[..., 0] | (q[..., 1] << 4)
            scales[r:r + 8192] = s
        b = g.const("lm_head.qweight", packed)
        s = g.const("lm_head.scales", scales.reshape(-1))
        g.node("MatMulNBits", [x, b, s], ["logits"], domain="com.microsoft",
               name="/lm_head/MatMulNBits", K=h, N=vocab, bits=4,
               block_size=block, accuracy_level=level)
    del embed
    w.close()
    if io_type == TensorProto.FLOAT16:
        retype_boundary(g, [i.name for i in inputs[-2 * layers:]],
                        [o.name for o in outputs], TensorProto.FLOAT,
                        TensorProto.FLOAT16)

    graph = helper.make_graph(g.nodes, "main_graph", inputs, outputs,
                              w.initializers)
    opsets = [helper.make_opsetid("", 17)]
    if form == "matmulnbits" or head == "q4" or genai:
        opsets.append(helper.make_opsetid("com.microsoft", 1))
    model = helper.make_model(graph, opset_imports=opsets,
                              producer_name="tern bench/gen_bitnet_2b4t.py")
    model.ir_version = 8
    path = os.path.join(out_dir, "model.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--form", choices=FORMS, default="matmulnbits")
    parser.add_argument("--head", choices=("fp32", "q4"), default="q4")
    parser.add_argument("--layers", type=int)
    parser.add_argument("--size", choices=("full", "small", "tiny"),
                        default="full",
                        help="2B4T's shape, a few hundred MB, or test size")
    parser.add_argument("--tiny", action="store_const", dest="size",
                        const="tiny", help="--size tiny")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layout", choices=("optimum", "genai"),
                        default="optimum",
                        help="a torch/Optimum export, or ONNX Runtime GenAI's "
                        "model builder's graph")
    parser.add_argument("--accuracy-level", type=int, default=4,
                        help="MatMulNBits accuracy_level (4: int8 "
                        "activations in ONNX Runtime, 0: float)")
    for name, helptext in (("repeat_kv", "repeat_kv (see repeat_kv())"),
                           ("mask", "the causal mask"),
                           ("rope", "RoPE (see rotate(), rope_angles())"),
                           ("norm", "RMSNorm (see rms_norm())"),
                           ("attention", "attention")):
        parser.add_argument("--" + name.replace("_", "-"),
                            choices=PATTERNS[name],
                            default=DEFAULT_PATTERNS[name],
                            help=f"how {helptext} is written (Optimum layout)")
    for name, helptext in (("io", "the caches' and logits' type"),
                           ("batch", "the batch size, dynamic or 1"),
                           ("ids", "the ids' and mask's type")):
        parser.add_argument("--" + name, choices=BOUNDARY[name],
                            default=DEFAULT_BOUNDARY[name], help=helptext)
    args = parser.parse_args()
    config = dict({"full": FULL, "small": SMALL, "tiny": TINY}[args.size])
    if args.layers is not None:
        config["layers"] = args.layers
    os.makedirs(args.out_dir, exist_ok=True)
    path = build(args.out_dir, config, args.form, args.head, args.seed,
                 args.accuracy_level, args.layout,
                 {name: getattr(args, name) for name in PATTERNS},
                 {name: getattr(args, name) for name in BOUNDARY})
    size = os.path.getsize(path) + os.path.getsize(path + ".data")
    print(f"{path}: {size / 1e9:.3f} GB with its data", file=sys.stderr)


if __name__ == "__main__":
    main()
