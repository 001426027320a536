#!/usr/bin/env python3
"""ONNX Runtime's attention contrib ops in the forms its GenAI model
builder and Optimum's optimizer write them, against ONNX Runtime itself
(the reference for contrib semantics): GroupQueryAttention with separate
and packed QKV, on a first prompt (with and without padding), a decode
step over a past cache with batch rows of different lengths, a
subsequent prompt, rotary inside (plain and interleaved), a local window
and a soft cap; MultiHeadAttention with bias, key padding mask, attention
bias, past state and unidirectional masking; SkipLayerNormalization.

contrib_attention.py gen DIR    -> DIR/<case>.onnx, DIR/<case>.inputs (the
                                   tern-run --input flags), DIR/cases.txt,
                                   DIR/<case>.expected/<output>.npy
contrib_attention.py check DIR  compares DIR/<case>.out/<output>.npy
"""

import sys

import numpy as np
import ort_cases
from onnx import TensorProto, helper, numpy_helper

MS = "com.microsoft"
F32, I32 = TensorProto.FLOAT, TensorProto.INT32


def rope_caches(positions, half, theta=10000.0):
    inv = 1.0 / (theta ** (np.arange(half) / half))
    freqs = np.outer(np.arange(positions), inv)
    return (np.cos(freqs).astype(np.float32),
            np.sin(freqs).astype(np.float32))


def gqa_case(rng, batch, seq, past, seqlens, total, heads=4, kv_heads=2,
             head=16, packed=False, rotary=False, with_past=True, **attrs):
    """One GroupQueryAttention node (ONNX Runtime wants heads of a multiple
    of 16); with_past=False leaves the caches out."""
    feeds, initializers = {}, []
    names = []
    q_hidden = (heads + 2 * kv_heads) * head if packed else heads * head
    feeds["query"] = rng.standard_normal((batch, seq, q_hidden), np.float32)
    names += ["query"]
    if packed:
        names += ["", ""]
    else:
        for n in ("key", "value"):
            feeds[n] = rng.standard_normal((batch, seq, kv_heads * head),
                                           np.float32)
            names.append(n)
    if with_past:
        for n in ("past_key", "past_value"):
            feeds[n] = rng.standard_normal((batch, kv_heads, past, head),
                                           np.float32)
            names.append(n)
    else:
        names += ["", ""]
    feeds["seqlens_k"] = np.array(seqlens, np.int32)
    feeds["total_sequence_length"] = np.array(total, np.int32)
    names += ["seqlens_k", "total_sequence_length"]
    if rotary:
        cos, sin = rope_caches(32, head // 2)
        initializers += [numpy_helper.from_array(cos, "cos_cache"),
                         numpy_helper.from_array(sin, "sin_cache")]
        names += ["cos_cache", "sin_cache"]
        attrs["do_rotary"] = 1
    node = helper.make_node("GroupQueryAttention", names,
                            ["output", "present_key", "present_value"],
                            domain=MS, num_heads=heads, kv_num_heads=kv_heads,
                            **attrs)
    return [node], feeds, initializers, ["output", "present_key",
                                         "present_value"]


def mha_case(rng, batch, seq, past, heads=4, head=8, bias=False,
             padding=None, attention_bias=False, kv_length=None, **attrs):
    """With `kv_length`, key and value come split into heads, [batch,
    heads, kv_length, head] (ONNX Runtime's BNSH form)."""
    hidden = heads * head
    feeds, initializers = {}, []
    names = []
    for n in ("query", "key", "value"):
        shape = ((batch, heads, kv_length, head) if kv_length and n != "query"
                 else (batch, seq, hidden))
        feeds[n] = rng.standard_normal(shape, np.float32)
        names.append(n)
    total = kv_length or past + seq
    if bias:
        initializers.append(numpy_helper.from_array(
            rng.standard_normal(3 * hidden).astype(np.float32), "bias"))
    names.append("bias" if bias else "")
    if padding is not None:
        feeds["key_padding_mask"] = np.array(padding, np.int32)
    names.append("key_padding_mask" if padding is not None else "")
    if attention_bias:
        feeds["attention_bias"] = rng.standard_normal(
            (1, heads, seq, total), np.float32)
    names.append("attention_bias" if attention_bias else "")
    if past:
        for n in ("past_key", "past_value"):
            feeds[n] = rng.standard_normal((batch, heads, past, head),
                                           np.float32)
            names.append(n)
    outputs = ["output", "present_key", "present_value"] if past else \
        ["output"]
    node = helper.make_node("MultiHeadAttention", names, outputs, domain=MS,
                            num_heads=heads, **attrs)
    return [node], feeds, initializers, outputs


def skip_layer_norm_case(rng):
    feeds = {n: rng.standard_normal((2, 3, 16), np.float32)
             for n in ("input", "skip")}
    initializers = [numpy_helper.from_array(
        rng.standard_normal(16).astype(np.float32), n)
        for n in ("gamma", "beta", "bias")]
    outputs = ["output", "mean", "inv_std_var", "input_skip_bias_sum"]
    node = helper.make_node("SkipLayerNormalization",
                            ["input", "skip", "gamma", "beta", "bias"],
                            outputs, domain=MS, epsilon=1e-5)
    return [node], feeds, initializers, outputs


def cases(rng):
    return {
        # A first prompt without caches, and one padded row (seqlens 2 of 5).
        "gqa_prompt": gqa_case(rng, 2, 5, 0, [4, 2], 5, with_past=False),
        # A decode step: rows with 3 and 1 valid past tokens, rotary inside.
        "gqa_decode": gqa_case(rng, 2, 1, 3, [3, 1], 4, rotary=True),
        # Packed QKV, an empty past (GenAI's first step), interleaved rotary,
        # a local window and a soft cap.
        "gqa_packed": gqa_case(rng, 1, 6, 0, [5], 6, packed=True, rotary=True,
                               rotary_interleaved=1, local_window_size=3,
                               softcap=2.0),
        # A subsequent prompt: 3 new tokens after 4 cached ones.
        "gqa_continue": gqa_case(rng, 1, 3, 4, [6], 7, rotary=True,
                                 kv_heads=1, scale=0.25),
        "mha_masks": mha_case(rng, 2, 4, 0, bias=True,
                              padding=[[1, 1, 1, 0], [1, 1, 0, 0]],
                              attention_bias=True),
        "mha_past": mha_case(rng, 2, 3, 2, unidirectional=1),
        # Keys and values cached and repeated before the node (an Optimum
        # export fused by ONNX Runtime): 3 queries over 7 keys, masked.
        "mha_bnsh": mha_case(rng, 2, 3, 0, kv_length=7,
                             attention_bias=True),
        "skip_layer_norm": skip_layer_norm_case(rng),
    }


def models(rng):
    """Each case as (name, model, feeds)."""
    dtype = {np.dtype(np.float32): F32, np.dtype(np.int32): I32}
    for name, (nodes, feeds, initializers, outputs) in cases(rng).items():
        graph = helper.make_graph(
            nodes, name,
            [helper.make_tensor_value_info(n, dtype[a.dtype], a.shape)
             for n, a in feeds.items()],
            [helper.make_tensor_value_info(
                o, F32, [f"{o}_{d}" for d in range(
                    4 if o.startswith("present") else 3)])
             for o in outputs],
            initializers)
        yield name, helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)]), feeds


def gen(out):
    ort_cases.write_cases(out, models(np.random.default_rng(0)), "cases.txt")


def check(out):
    ort_cases.check_cases(out, "cases.txt")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
