#!/usr/bin/env python3
"""Writes the tern-level models the ternary matmul benchmark compiles.

Each model is one `tern.int_matmul` shape (int8 activations [M, K] times
i2-packed ternary weights [N, K] into int32) repeated over `copies`
distinct random weight matrices, one output each. GEMV models (M = 1) use
enough copies that their weights exceed the last-level cache, as decoding
a large model does; GEMM models (M = 128) use one.

gen_matmul_models.py OUT_DIR [--llc-bytes B] [--shapes NxK,...]
  -> OUT_DIR/<name>.mlir and OUT_DIR/manifest.json
"""

import argparse
import json
import os

import numpy as np

# BitNet b1.58 2B4T's linear layers (see ../shared/anchors.md) and a
# Llama-style 4096 x 14336 FFN.
DEFAULT_SHAPES = ["2560x2560", "640x2560", "6912x2560", "2560x6912",
                  "4096x14336"]
BLOCK = 128  # i2: 32 lanes of 4 codes


def pack_i2(codes):
    """codes [N, K'] in {0, 1, 2}, K' a multiple of BLOCK -> bytes [N, K'/4]
    in the #tern.layout<i2, block = 128> interleave."""
    n, k = codes.shape
    lanes = BLOCK // 4
    blocks = codes.reshape(n, k // BLOCK, 4, lanes)  # field f, lane j
    shifts = np.array([6, 4, 2, 0], np.uint8).reshape(1, 1, 4, 1)
    packed = (blocks.astype(np.uint8) << shifts).sum(axis=2, dtype=np.uint8)
    return packed.reshape(n, k // 4)


def blob_hex(data):
    # dense_resource blobs start with their alignment as a little-endian u32.
    return "0x01000000" + data.tobytes().hex()


def write_model(path, m, n, k, copies, rng):
    padded_k = -(-k // BLOCK) * BLOCK
    row_bytes = padded_k // 4
    packed_type = f"!tern.packed<{n}x{k}, #tern.layout<i2, block = {BLOCK}>>"
    lines, blobs, results = [], [], []
    for c in range(copies):
        codes = rng.integers(0, 3, (n, padded_k), dtype=np.uint8)
        codes[:, k:] = 1  # padding holds zero weights
        blobs.append(f"      w{c}: \"{blob_hex(pack_i2(codes))}\"")
        lines.append(f"  %w{c} = tern.packed_constant dense_resource<w{c}> : "
                     f"tensor<{n}x{row_bytes}xi8> -> {packed_type}")
        lines.append(f"  %y{c} = tern.int_matmul %x, %w{c} : "
                     f"tensor<{m}x{k}xi8>, {packed_type} -> "
                     f"tensor<{m}x{n}xi32>")
        results.append(f"%y{c}")
    result_types = ", ".join([f"tensor<{m}x{n}xi32>"] * copies)
    with open(path, "w") as f:
        f.write(f"func.func @main_graph(%x: tensor<{m}x{k}xi8> "
                f"{{onnx.name = \"x\"}}) -> ({result_types}) {{\n")
        f.write("\n".join(lines) + "\n")
        f.write(f"  return {', '.join(results)} : {result_types}\n}}\n")
        f.write("{-#\n  dialect_resources: {\n    builtin: {\n")
        f.write(",\n".join(blobs) + "\n    }\n  }\n#-}\n")
    return copies * n * row_bytes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--llc-bytes", type=int, default=32 << 20,
                        help="last-level cache size; GEMV weights total "
                             "three times this")
    parser.add_argument("--shapes", default=",".join(DEFAULT_SHAPES))
    parser.add_argument("--gemm-rows", type=int, default=128)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(0)
    manifest = []
    for shape in args.shapes.split(","):
        n, k = (int(v) for v in shape.split("x"))
        one_matrix = n * (-(-k // BLOCK) * BLOCK) // 4
        for m in (1, args.gemm_rows):
            copies = max(2, -(-3 * args.llc_bytes // one_matrix)) \
                if m == 1 else 1
            name = f"{'gemv' if m == 1 else 'gemm'}_{n}x{k}"
            path = os.path.join(args.out, name + ".mlir")
            weight_bytes = write_model(path, m, n, k, copies, rng)
            manifest.append(dict(name=name, mlir=path, m=m, n=n, k=k,
                                 copies=copies, weight_bytes=weight_bytes))
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
