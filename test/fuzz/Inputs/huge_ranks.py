#!/usr/bin/env python3
"""Models that ask for absurd ranks, each refused quickly and in little
memory (issue: a 174-byte Reshape kept ternc busy for 96 s at 6 GB).

huge_ranks.py OUT_DIR TERNC
huge_ranks.py OUT_DIR --seeds    (writes the 2^20 cases only, as fuzzer seeds)

For every way a rank reaches a result (a shape input's length for Reshape,
Expand and ConstantOfShape, Resize's sizes, Tile's repeats, Unsqueeze's
axes, Transpose's perm, a declared shape) and ranks 2^10 to 2^24, it
writes the model, runs `ternc --emit=mlir` on it, and prints one line per
case: the case, whether ternc refused it, and the error's first line. The
shape inputs are graph inputs (their length declared), as in the reported
files; initializers go up to 2^20 entries and declared ranks and perm
attributes to 2^17 (beyond, the file itself is megabytes of varints). Every case must fail with an
error that names the node, and ternc's peak RSS over all of them (getrusage
of the children) must stay under --max-rss-mb (200).
"""

import argparse
import os
import resource
import subprocess
import sys

# The models are written by a child process (--write): getrusage counts a
# child's resident pages from before its exec, so the process that runs
# ternc must hold no large model of its own.
RANKS = [1 << k for k in (10, 14, 17, 20, 24)]


def model(name, nodes, inputs, outputs, initializers=()):
    from onnx import helper
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


def value(name, elem, shape):
    from onnx import helper
    return helper.make_tensor_value_info(name, elem, shape)


def cases(n):
    """(name, model) for a shape/axes/perm of n entries."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    data = value("data", TensorProto.FLOAT, [2, 3, 4])
    out4 = value("y", TensorProto.FLOAT, [2, 3, 2, 2])
    shape_in = value("shape", TensorProto.INT64, [n])
    yield f"reshape-input-{n}", model("g", [
        helper.make_node("Reshape", ["data", "shape"], ["y"], name="r")],
        [data, shape_in], [out4])
    yield f"expand-input-{n}", model("g", [
        helper.make_node("Expand", ["data", "shape"], ["y"], name="e")],
        [data, shape_in], [out4])
    yield f"constantofshape-input-{n}", model("g", [
        helper.make_node("ConstantOfShape", ["shape"], ["y"], name="c")],
        [shape_in], [out4])
    yield f"tile-input-{n}", model("g", [
        helper.make_node("Tile", ["data", "shape"], ["y"], name="t")],
        [data, shape_in], [out4])
    sizes = value("sizes", TensorProto.INT64, [n])
    yield f"resize-sizes-input-{n}", model("g", [
        helper.make_node("Resize", ["data", "", "", "sizes"], ["y"],
                         name="z")], [data, sizes], [out4])
    if n > 1 << 20:
        return  # the others would be files of 100 MB and more
    if n <= 1 << 17:
        # Files of n varints: at 2^20 (4 MB) protobuf's parsed form alone
        # takes ternc past 200 MB, in proportion to the file.
        yield f"declared-rank-{n}", model("g", [
            helper.make_node("Identity", ["x"], ["y"], name="i")],
            [value("x", TensorProto.FLOAT, [1] * n)], [out4])
        yield f"transpose-perm-{n}", model("g", [
            helper.make_node("Transpose", ["data"], ["y"], name="p",
                             perm=list(range(n)))], [data], [out4])
    const = numpy_helper.from_array(np.ones(n, np.int64), "shape")
    yield f"reshape-constant-{n}", model("g", [
        helper.make_node("Reshape", ["data", "shape"], ["y"], name="r")],
        [data], [out4], [const])
    yield f"constantofshape-constant-{n}", model("g", [
        helper.make_node("ConstantOfShape", ["shape"], ["y"], name="c")],
        [], [out4], [const])
    axes = numpy_helper.from_array(np.arange(n, dtype=np.int64), "axes")
    yield f"unsqueeze-constant-{n}", model("g", [
        helper.make_node("Unsqueeze", ["data", "axes"], ["y"],
                         name="u")], [data], [out4], [axes])


def write(out_dir, seeds_only):
    """Writes the cases, and their names in order to out_dir/cases.txt."""
    import onnx
    names = []
    for n in [1 << 20] if seeds_only else RANKS:
        for name, m in cases(n):
            if not seeds_only or "input" in name:
                onnx.save(m, os.path.join(out_dir, name + ".onnx"))
                names.append(name)
    if not seeds_only:
        with open(os.path.join(out_dir, "cases.txt"), "w") as f:
            f.write("\n".join(names))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("ternc", nargs="?")
    parser.add_argument("--max-rss-mb", type=float, default=200)
    parser.add_argument("--seeds", action="store_true")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    if args.seeds or args.write:
        write(args.out_dir, args.seeds)
        return
    subprocess.run([sys.executable, __file__, args.out_dir, "--write"],
                   check=True)
    with open(os.path.join(args.out_dir, "cases.txt")) as f:
        names = f.read().split()
    failures = 0
    for name in names:
        path = os.path.join(args.out_dir, name + ".onnx")
        result = subprocess.run(
            [args.ternc, path, "--emit=mlir", "-o", os.devnull],
            capture_output=True, text=True, timeout=120)
        error = next((line for line in result.stderr.splitlines()
                      if "error:" in line), "")
        # The node is named by Tern ("ONNX node 'r' (Reshape)") or by
        # libonnx's shape inference ("op_type:Transpose, node name: p").
        refused = result.returncode != 0 and any(
            s in error for s in ("ONNX node", "graph input", "node name:"))
        failures += not refused
        print(f"{'refused' if refused else 'FAIL'} {name}: "
              f"{error.split('error: ', 1)[-1][:200]}")
        os.remove(path)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of ternc: {peak:.0f} MB (bound {args.max_rss_mb:.0f} MB)")
    if failures or peak > args.max_rss_mb:
        sys.exit(1)


if __name__ == "__main__":
    main()
