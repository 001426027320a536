#!/usr/bin/env python3
"""A plain torch.onnx.export of python/tern/models.py's BitNet (KV cache,
MatMulNBits weights) with repeat_kv written one of the ways modeling code
writes it (tern.models.REPEAT_KV: expand, tile, interleave, concat).

torch_repeat_kv.py HOW OUT.onnx [--layers N]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "python"))
import torch  # noqa: E402
import tern.export  # noqa: E402
import tern.models  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("how", choices=tern.models.REPEAT_KV)
    parser.add_argument("out")
    parser.add_argument("--layers", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(0)
    config = tern.models.BitNetConfig(vocab_size=256, hidden=128, ffn=256,
                                      layers=args.layers, heads=8, kv_heads=2,
                                      repeat_kv=args.how)
    tern.export.export_onnx(tern.models.BitNet(config), args.out,
                            kv_cache=True, weight_form="matmulnbits")


if __name__ == "__main__":
    main()
