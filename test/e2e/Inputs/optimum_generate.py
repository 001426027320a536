#!/usr/bin/env python3
"""Greedy ids of ONNX Runtime on a decoder in Hugging Face Optimum's
layout (input_ids, attention_mask, position_ids, past_key_values.<i>.key/
value -> logits, present.<i>.key/value), ONNX Runtime GenAI's (the same
without position_ids) or tern.export's (input_ids, past_key_<i>/
past_value_<i> -> logits, present_key_<i>/present_value_<i>), against the
ids a
`ternc --emit=exe` generator printed for the same file and prompt.

optimum_generate.py MODEL PROMPT_IDS TOKENS IDS_FILE
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "python"))
import onnx  # noqa: E402
import tern.ort  # noqa: E402


class CacheConfig:
    def __init__(self, model):
        caches = [i for i in model.graph.input
                  if i.name.startswith("past_key_values.")]
        self.layout = "optimum"
        if not caches:
            caches = [i for i in model.graph.input
                      if i.name.startswith(("past_key_", "past_value_"))]
            self.layout = "tern"
        dims = caches[0].type.tensor_type.shape.dim
        self.layers = len(caches) // 2
        self.kv_heads = dims[1].dim_value
        self.head_dim = dims[3].dim_value


def main():
    path, prompt, tokens, ids_file = sys.argv[1:5]
    config = CacheConfig(onnx.load(path, load_external_data=False))
    prompt = [int(t) for t in prompt.split(",")]
    expected = tern.ort.generate(path, prompt, int(tokens), config,
                                 layout=config.layout)["tokens"]
    with open(ids_file) as f:
        got = [int(t) for t in f.read().split()]
    print(f"{'ok' if got == expected else 'FAIL'}: tern {got}, "
          f"ONNX Runtime {expected}")


if __name__ == "__main__":
    main()
