#!/usr/bin/env python3
"""MatMulNBits (bits 4 and 8, blocks 16 to 128, with and without zero
points, K a multiple of the kernels' 64-weight step or not) and a QDQ
int8 MatMul (signed, K-major codes), through the 4/8-bit vector kernels,
against numpy in float64 and, for accuracy_level=4 (int8 activations per
block), against ONNX Runtime, which quantizes the same way.

quant_kernels.py gen DIR    -> DIR/model.onnx, DIR/inputs_<rows>.txt,
                               DIR/expected_{f64,ort}_<rows>_<output>.npy
quant_kernels.py check DIR  compares DIR/out_<rows>/<output>.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(__file__))
from contrib import MS, nbits_weight  # noqa: E402

# bits, block, zero points, accuracy_level, K
CASES = [(4, 32, True, 0, 200), (4, 32, False, 4, 256), (4, 16, True, 4, 200),
         (8, 16, True, 0, 256), (8, 128, False, 4, 200), (4, 128, True, 4, 256),
         (8, 32, False, 0, 200), (4, 64, True, 4, 256)]
N = 37
ROWS = (1, 5, 70)


def name(i):
    bits, block, zp, level, k = CASES[i]
    return f"b{bits}_blk{block}_{'zp' if zp else 'nozp'}_l{level}_k{k}"


def gen(out):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                    "..", "python"))
    import tern.ort  # noqa: E402
    rng = np.random.default_rng(3)
    nodes, inits, weights = [], [], {}
    for i, (bits, block, zp, level, k) in enumerate(CASES):
        b, s, z, w = nbits_weight(rng, N, k, bits, block, zp)
        ins = [f"x{k}", f"b{i}", f"s{i}"] + ([f"z{i}"] if zp else [])
        inits += [numpy_helper.from_array(b, f"b{i}"),
                  numpy_helper.from_array(s, f"s{i}")]
        if zp:
            inits.append(numpy_helper.from_array(z, f"z{i}"))
        nodes.append(helper.make_node(
            "MatMulNBits", ins, [name(i)], domain=MS, K=k, N=N, bits=bits,
            block_size=block, accuracy_level=level))
        weights[name(i)] = (k, w)
    # QDQ: int8 codes [K, N] (K-major), a zero point and a scale per channel.
    k = 200
    codes = rng.integers(-128, 128, (k, N)).astype(np.int8)
    scale = (rng.random(N) * 0.01 + 0.005).astype(np.float32)
    zero = rng.integers(-5, 6, N).astype(np.int8)
    inits += [numpy_helper.from_array(codes, "qdq_codes"),
              numpy_helper.from_array(scale, "qdq_scale"),
              numpy_helper.from_array(zero, "qdq_zero")]
    nodes += [helper.make_node("DequantizeLinear",
                               ["qdq_codes", "qdq_scale", "qdq_zero"],
                               ["qdq_w"], axis=1),
              helper.make_node("MatMul", ["x200", "qdq_w"], ["qdq"])]
    weights["qdq"] = (k, ((codes.astype(np.float32) - zero) * scale).T)
    inputs = [helper.make_tensor_value_info(f"x{k}", TensorProto.FLOAT,
                                            ["rows", k]) for k in (200, 256)]
    outputs = [helper.make_tensor_value_info(o, TensorProto.FLOAT,
                                             ["rows", N]) for o in weights]
    graph = helper.make_graph(nodes, "quant_kernels", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid(MS, 1)])
    model.ir_version = 8
    path = os.path.join(out, "model.onnx")
    onnx.save(model, path)
    for rows in ROWS:
        feeds = {f"x{k}": rng.standard_normal((rows, k)).astype(np.float32)
                 for k in (200, 256)}
        for feed, value in feeds.items():
            np.save(os.path.join(out, f"{feed}_{rows}.npy"), value)
        with open(os.path.join(out, f"inputs_{rows}.txt"), "w") as f:
            f.write(" ".join(f"--input {feed}={out}/{feed}_{rows}.npy"
                             for feed in feeds))
        ort = tern.ort.run(path, feeds)
        for o, (k, w) in weights.items():
            f64 = feeds[f"x{k}"].astype(np.float64) @ w.T.astype(np.float64)
            np.save(os.path.join(out, f"expected_f64_{rows}_{o}.npy"), f64)
            np.save(os.path.join(out, f"expected_ort_{rows}_{o}.npy"), ort[o])


def check(out):
    failures = 0
    outputs = [name(i) for i in range(len(CASES))] + ["qdq"]
    levels = {name(i): c[3] for i, c in enumerate(CASES)}
    for rows in ROWS:
        for o in outputs:
            y = np.load(os.path.join(out, f"out_{rows}", o + ".npy"))
            f64 = np.load(os.path.join(out, f"expected_f64_{rows}_{o}.npy"))
            ort = np.load(os.path.join(out, f"expected_ort_{rows}_{o}.npy"))
            scale = np.abs(f64).max()
            # Float activations: float rounding of the float64 product.
            # int8 activations: ONNX Runtime's quantization, up to float
            # rounding; both are within int8's error of float64.
            if levels.get(o, 0) == 4:
                bounds = [(ort, 1e-5, "ONNX Runtime"), (f64, 3e-2, "float64")]
            else:
                bounds = [(f64, 1e-5, "float64")]
            for reference, bound, what in bounds:
                error = np.abs(y - reference).max() / scale
                ok = error <= bound
                failures += not ok
                print(f"{'ok  ' if ok else 'FAIL'} rows {rows} {o}: "
                      f"{error:.2e} of max |y| from {what} (bound {bound})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
