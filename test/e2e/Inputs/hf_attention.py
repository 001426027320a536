#!/usr/bin/env python3
"""A Llama-style attention block written as Hugging Face's modeling code
writes it (`rotate_half` slicing at `x.shape[-1] // 2`, `repeat_kv` with
`expand` and `reshape`, a causal mask from `torch.full(...).triu(1)`),
exported by a plain `torch.onnx.export` with a dynamic batch and sequence.
Its shapes are computed from the inputs' sizes (Shape -> Gather -> Div ->
... -> Slice / Expand), which the importer folds where they are static.
Outputs are checked against ONNX Runtime on the same file for several
batch sizes and sequence lengths.

hf_attention.py gen DIR    -> DIR/attn.onnx, DIR/{x,cos,sin}_<case>.npy,
                              DIR/expected_<case>.npy (ONNX Runtime)
hf_attention.py check DIR  compares DIR/out_<case>/y.npy
"""

import os
import sys

import numpy as np

CASES = [(1, 1), (2, 5), (3, 9)]  # (batch, sequence)
HIDDEN, HEADS, KV_HEADS = 64, 4, 2


def rotate_half(x):
    import torch
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def repeat_kv(hidden_states, n_rep):
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(
        batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen,
                                 head_dim)


def make_module():
    import torch

    class Attention(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.head_dim = HIDDEN // HEADS
            self.q_proj = torch.nn.Linear(HIDDEN, HEADS * self.head_dim,
                                          bias=False)
            self.k_proj = torch.nn.Linear(HIDDEN, KV_HEADS * self.head_dim,
                                          bias=False)
            self.v_proj = torch.nn.Linear(HIDDEN, KV_HEADS * self.head_dim,
                                          bias=False)
            self.o_proj = torch.nn.Linear(HEADS * self.head_dim, HIDDEN,
                                          bias=False)

        def forward(self, hidden_states, cos, sin):
            bsz, q_len, _ = hidden_states.size()
            q = self.q_proj(hidden_states).view(
                bsz, q_len, HEADS, self.head_dim).transpose(1, 2)
            k = self.k_proj(hidden_states).view(
                bsz, q_len, KV_HEADS, self.head_dim).transpose(1, 2)
            v = self.v_proj(hidden_states).view(
                bsz, q_len, KV_HEADS, self.head_dim).transpose(1, 2)
            q = (q * cos) + (rotate_half(q) * sin)
            k = (k * cos) + (rotate_half(k) * sin)
            k = repeat_kv(k, HEADS // KV_HEADS)
            v = repeat_kv(v, HEADS // KV_HEADS)
            scores = torch.matmul(q, k.transpose(2, 3)) / (self.head_dim ** 0.5)
            mask = torch.full((q_len, q_len), float("-inf")).triu(1)
            weights = torch.softmax(scores + mask, dim=-1)
            out = torch.matmul(weights, v).transpose(1, 2).reshape(
                bsz, q_len, -1)
            return self.o_proj(out)

    torch.manual_seed(0)
    return Attention().eval()


def gen(out):
    import torch
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                    "..", "python"))
    import tern.ort
    module = make_module()
    d = HIDDEN // HEADS
    example = (torch.randn(1, 3, HIDDEN), torch.randn(1, 1, 3, d),
               torch.randn(1, 1, 3, d))
    path = os.path.join(out, "attn.onnx")
    torch.onnx.export(module, example, path,
                      input_names=["x", "cos", "sin"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch", 1: "seq"},
                                    "cos": {2: "seq"}, "sin": {2: "seq"}},
                      opset_version=17)
    rng = np.random.default_rng(1)
    for batch, seq in CASES:
        case = f"{batch}x{seq}"
        feeds = {"x": rng.standard_normal((batch, seq, HIDDEN)),
                 "cos": rng.standard_normal((1, 1, seq, d)),
                 "sin": rng.standard_normal((1, 1, seq, d))}
        feeds = {k: v.astype(np.float32) for k, v in feeds.items()}
        for name, value in feeds.items():
            np.save(os.path.join(out, f"{name}_{case}.npy"), value)
        np.save(os.path.join(out, f"expected_{case}.npy"),
                tern.ort.run(path, feeds)["y"])


def check(out):
    for batch, seq in CASES:
        case = f"{batch}x{seq}"
        expected = np.load(os.path.join(out, f"expected_{case}.npy"))
        got = np.load(os.path.join(out, f"out_{case}", "y.npy"))
        err = (np.abs(got - expected).max() if got.shape == expected.shape
               else float("inf"))
        print(f"{'ok' if err < 1e-5 else 'FAIL'} batch {batch} seq {seq}: "
              f"shape {got.shape}, max |tern - ONNX Runtime| {err:.2e}")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
