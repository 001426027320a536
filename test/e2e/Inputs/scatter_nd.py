#!/usr/bin/env python3
"""ScatterND writing rows (k < rank) with a duplicate index (the later
update wins), with reduction="add" on single elements (k = rank), and with
negative indices, with numpy's outputs.

scatter_nd.py DIR -> DIR/model.onnx, DIR/*.npy, DIR/expected_*.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def scatter_nd(data, indices, updates, add=False):
    out = data.copy()
    for idx in np.ndindex(indices.shape[:-1]):
        where = tuple(indices[idx])
        out[where] = out[where] + updates[idx] if add else updates[idx]
    return out


def main():
    out = sys.argv[1]
    node = helper.make_node
    graph = helper.make_graph(
        [node("ScatterND", ["data", "rows", "row_updates"], ["rows_out"]),
         node("ScatterND", ["data", "cells", "cell_updates"], ["cells_out"],
              reduction="add")],
        "scatter_nd",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [4, 3]),
         helper.make_tensor_value_info("rows", TensorProto.INT64, [3, 1]),
         helper.make_tensor_value_info("row_updates", TensorProto.FLOAT,
                                       [3, 3]),
         helper.make_tensor_value_info("cells", TensorProto.INT64, [2, 2, 2]),
         helper.make_tensor_value_info("cell_updates", TensorProto.FLOAT,
                                       [2, 2])],
        [helper.make_tensor_value_info("rows_out", TensorProto.FLOAT, [4, 3]),
         helper.make_tensor_value_info("cells_out", TensorProto.FLOAT,
                                       [4, 3])])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, "model.onnx"))

    data = np.arange(12, dtype=np.float32).reshape(4, 3)
    rows = np.array([[1], [-1], [1]], np.int64)  # row 1 twice: last wins
    row_updates = np.array([[10, 11, 12], [20, 21, 22], [30, 31, 32]],
                           np.float32)
    cells = np.array([[[0, 0], [2, 1]], [[0, 0], [3, -1]]], np.int64)
    cell_updates = np.array([[0.5, 1.5], [2.5, 3.5]], np.float32)
    inputs = dict(data=data, rows=rows, row_updates=row_updates, cells=cells,
                  cell_updates=cell_updates)
    for name, value in inputs.items():
        np.save(os.path.join(out, name + ".npy"), value)
    np.save(os.path.join(out, "bad_rows.npy"),
            np.array([[1], [4], [0]], np.int64))
    wrapped_rows = np.where(rows < 0, rows + 4, rows)
    wrapped_cells = cells.copy()
    wrapped_cells[..., 1] = np.where(cells[..., 1] < 0, cells[..., 1] + 3,
                                     cells[..., 1])
    np.save(os.path.join(out, "expected_rows_out.npy"),
            scatter_nd(data, wrapped_rows, row_updates))
    np.save(os.path.join(out, "expected_cells_out.npy"),
            scatter_nd(data, wrapped_cells, cell_updates, add=True))


if __name__ == "__main__":
    main()
