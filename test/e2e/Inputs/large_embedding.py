"""A model whose weights exceed 2 GiB: one float embedding of 552960 x 1000
(2.21 GB) in external data, gathered by token ids and scaled, then a small
projection. Values follow a formula, so the file is written quickly and
the expected output needs no copy of the table.

Writes OUT/model.onnx, OUT/model.onnx.data, OUT/ids.npy and
OUT/expected_y.npy.

large_embedding.py OUT
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROWS, WIDTH = 552960, 1000


def rows(start, count):
    """Rows start .. start + count of the embedding."""
    index = (np.arange(start, start + count, dtype=np.int64)[:, None] * WIDTH
             + np.arange(WIDTH, dtype=np.int64)[None, :])
    return ((index % 9973).astype(np.float32) * np.float32(1e-3)
            - np.float32(4.0))


def main():
    out = sys.argv[1]
    data = os.path.join(out, "model.onnx.data")
    with open(data, "wb") as f:
        for start in range(0, ROWS, 16384):
            f.write(rows(start, min(16384, ROWS - start)).tobytes())
    table = TensorProto()
    table.name = "embedding"
    table.data_type = TensorProto.FLOAT
    table.dims.extend([ROWS, WIDTH])
    table.data_location = TensorProto.EXTERNAL
    for key, value in (("location", "model.onnx.data"), ("offset", "0"),
                       ("length", str(ROWS * WIDTH * 4))):
        entry = table.external_data.add()
        entry.key, entry.value = key, value
    rng = np.random.default_rng(5)
    proj = rng.standard_normal((WIDTH, 8)).astype(np.float32)
    scale = np.array(0.5, np.float32)
    nodes = [
        helper.make_node("Gather", ["embedding", "ids"], ["e"]),
        helper.make_node("Mul", ["e", "scale"], ["s"]),
        helper.make_node("MatMul", ["s", "proj"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "large_embedding",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 8])],
        [table, numpy_helper.from_array(proj, "proj"),
         numpy_helper.from_array(scale, "scale")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    with open(os.path.join(out, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    # The first row, rows around the 2 GiB mark, and the last one.
    ids = np.array([0, 1, 536870911 // WIDTH, 536870912 // WIDTH + 1,
                    ROWS - 1], np.int64)
    np.save(os.path.join(out, "ids.npy"), ids)
    gathered = np.concatenate([rows(int(i), 1) for i in ids])
    expected = (gathered.astype(np.float64) * 0.5) @ proj.astype(np.float64)
    np.save(os.path.join(out, "expected_y.npy"), expected.astype(np.float32))


if __name__ == "__main__":
    main()
