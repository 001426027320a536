#!/usr/bin/env python3
"""A token embedding and an LM head, written as Hugging Face writes them
(nn.Embedding, nn.Linear without bias; untied, and tied as
`tie_word_embeddings` ties them), exported by torch.onnx, through
`ternc --quantize-head`: the outputs match numpy's float64 product of the
int8-quantized weights (one absmax scale per channel, rounded half to even)
within float rounding, and differ from the float model's.

quantize_head.py gen DIR    -> DIR/{untied,tied}.onnx, DIR/ids.npy
quantize_head.py check DIR  compares DIR/{untied,tied}_{int8,float}/logits.npy
"""

import os
import sys

import numpy as np
import torch

VOCAB, HIDDEN = 300, 64


class CausalLMHead(torch.nn.Module):
    def __init__(self, tied):
        super().__init__()
        self.embed_tokens = torch.nn.Embedding(VOCAB, HIDDEN)
        self.lm_head = torch.nn.Linear(HIDDEN, VOCAB, bias=False)
        if tied:
            self.lm_head.weight = self.embed_tokens.weight

    def forward(self, input_ids):
        hidden = self.embed_tokens(input_ids)
        return self.lm_head(torch.tanh(hidden))


def models():
    torch.manual_seed(0)
    return {"untied": CausalLMHead(False), "tied": CausalLMHead(True)}


def quantize_rows(w):
    """ternc --quantize-head's int8 per channel, dequantized, in float64."""
    w = w.astype(np.float64)
    scale = (np.abs(w).max(axis=1) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(w / scale.astype(np.float64)[:, None]), -127, 127)
    return q * scale.astype(np.float64)[:, None]


def reference(model, ids, quantized):
    embed = model.embed_tokens.weight.detach().numpy()
    head = model.lm_head.weight.detach().numpy()
    if quantized:
        embed, head = quantize_rows(embed), quantize_rows(head)
    hidden = np.tanh(embed.astype(np.float64)[ids].astype(np.float32))
    return hidden.astype(np.float64) @ head.astype(np.float64).T


def gen(out):
    ids = np.random.default_rng(1).integers(0, VOCAB, (2, 7)).astype(np.int64)
    np.save(os.path.join(out, "ids.npy"), ids)
    for name, model in models().items():
        torch.onnx.export(model, (torch.from_numpy(ids),),
                          os.path.join(out, f"{name}.onnx"),
                          input_names=["input_ids"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}},
                          opset_version=17)


def check(out):
    ids = np.load(os.path.join(out, "ids.npy"))
    for name, model in models().items():
        int8 = reference(model, ids, quantized=True)
        full = reference(model, ids, quantized=False)
        got = np.load(os.path.join(out, f"{name}_int8", "logits.npy"))
        # Float rounding of sums of 64 products, relative to the logits.
        tolerance = 1e-6 * max(1.0, np.abs(full).max())
        err = np.abs(got - int8).max()
        moved = np.abs(got - full).max()
        ok = err < tolerance and moved > 100 * tolerance
        print(f"{'ok' if ok else 'FAIL'} {name}: max |tern - int8 reference| "
              f"{err:.2e}, max |tern - float reference| {moved:.2e}")
        got = np.load(os.path.join(out, f"{name}_float", "logits.npy"))
        err = np.abs(got - full).max()
        print(f"{'ok' if err < tolerance else 'FAIL'} {name} without the flag: "
              f"max |tern - float reference| {err:.2e}")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
