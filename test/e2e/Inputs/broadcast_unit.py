#!/usr/bin/env python3
"""Dynamic sizes that are 1 when the model runs broadcast as ONNX says:
Add, Where, Expand to another input's shape and MatMul's batch sizes,
with unrelated dim_params, against numpy for several size combinations.

broadcast_unit.py gen DIR          -> DIR/model.onnx, DIR/<case>/inputs.txt
broadcast_unit.py check DIR CASE   compares DIR/<case>/out/*.npy with numpy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

F32, BOOL = TensorProto.FLOAT, TensorProto.BOOL

# Sizes a (x), c (z), k (cond), p (lhs batch), q (rhs batch) per case.
CASES = {
    "x_is_1": dict(a=1, c=3, k=3, p=1, q=2),
    "z_is_1": dict(a=3, c=1, k=1, p=2, q=1),
    "equal": dict(a=3, c=3, k=3, p=2, q=2),
    "all_1": dict(a=1, c=1, k=1, p=1, q=1),
    "mismatch": dict(a=2, c=3, k=1, p=1, q=1),
}


def model():
    inputs = [
        helper.make_tensor_value_info("x", F32, ["a", 4]),
        helper.make_tensor_value_info("z", F32, ["c", 4]),
        helper.make_tensor_value_info("cond", BOOL, ["k", 1]),
        helper.make_tensor_value_info("lhs", F32, ["p", 2, 3]),
        helper.make_tensor_value_info("rhs", F32, ["q", 3, 2]),
    ]
    outputs = [
        helper.make_tensor_value_info("sum", F32, [None, 4]),
        helper.make_tensor_value_info("picked", F32, [None, 4]),
        helper.make_tensor_value_info("grown", F32, [None, 4]),
        helper.make_tensor_value_info("product", F32, [None, 2, 2]),
    ]
    nodes = [
        helper.make_node("Add", ["x", "z"], ["sum"]),
        helper.make_node("Where", ["cond", "x", "z"], ["picked"]),
        helper.make_node("Shape", ["z"], ["z_shape"]),
        helper.make_node("Expand", ["x", "z_shape"], ["grown"]),
        helper.make_node("MatMul", ["lhs", "rhs"], ["product"]),
    ]
    graph = helper.make_graph(nodes, "broadcast_unit", inputs, outputs)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def feeds(sizes):
    rng = np.random.default_rng(sum(sizes.values()))
    return {
        "x": rng.standard_normal((sizes["a"], 4)).astype(np.float32),
        "z": rng.standard_normal((sizes["c"], 4)).astype(np.float32),
        "cond": rng.random((sizes["k"], 1)) < 0.5,
        "lhs": rng.standard_normal((sizes["p"], 2, 3)).astype(np.float32),
        "rhs": rng.standard_normal((sizes["q"], 3, 2)).astype(np.float32),
    }


def expected(f):
    return {
        "sum": f["x"] + f["z"],
        "picked": np.where(f["cond"], f["x"], f["z"]),
        "grown": f["x"] * np.ones(f["z"].shape, np.float32),
        "product": np.matmul(f["lhs"], f["rhs"]),
    }


def gen(out_dir):
    onnx.save(model(), os.path.join(out_dir, "model.onnx"))
    for case, sizes in CASES.items():
        case_dir = os.path.join(out_dir, case)
        os.makedirs(case_dir, exist_ok=True)
        args = []
        for name, value in feeds(sizes).items():
            path = os.path.join(case_dir, name + ".npy")
            np.save(path, value)
            args.append(f"--input {name}={path}")
        with open(os.path.join(case_dir, "inputs.txt"), "w") as f:
            f.write(" ".join(args))


def check(out_dir, case):
    f = feeds(CASES[case])
    for name, want in expected(f).items():
        got = np.load(os.path.join(out_dir, case, "out", name + ".npy"))
        # The same float operations in the same order: equal bits.
        ok = got.shape == want.shape and np.array_equal(got, want)
        if name == "product":
            ok = got.shape == want.shape and np.allclose(got, want, atol=1e-6)
        print(f"{'ok' if ok else 'FAIL'} {case} {name}: shape {got.shape}"
              + ("" if ok else f", expected {want.shape}"))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3])
