#!/usr/bin/env python3
"""Writes DIR/deep.onnx (If nodes nested 20 deep, past the loader's limit
of 16) and DIR/order.onnx (a node that reads a value a later node
defines), both without running libonnx's checker on them."""

import os
import sys

import onnx
from onnx import TensorProto, helper


def nested_if(depth):
    out = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    if depth == 0:
        node = helper.make_node("Identity", ["x"], ["y"])
    else:
        body = nested_if(depth - 1)
        node = helper.make_node("If", ["c"], ["y"], then_branch=body,
                                else_branch=body)
    return helper.make_graph([node], f"g{depth}", [], [out])


def main(out_dir):
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1]),
              helper.make_tensor_value_info("c", TensorProto.BOOL, [])]
    deep = nested_if(20)
    deep.input.extend(inputs)
    onnx.save(helper.make_model(deep), os.path.join(out_dir, "deep.onnx"))

    nodes = [helper.make_node("Relu", ["later"], ["y"], name="first"),
             helper.make_node("Neg", ["x"], ["later"], name="second")]
    graph = helper.make_graph(
        nodes, "order", inputs[:1],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    onnx.save(helper.make_model(graph), os.path.join(out_dir, "order.onnx"))


if __name__ == "__main__":
    main(sys.argv[1])
