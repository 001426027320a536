#!/usr/bin/env python3
"""torch.nn.LSTM (two layers, bidirectional, batch first), GRU and RNN
(ReLU) as users write them, exported by torch.onnx.export with a dynamic
batch and sequence, against PyTorch for two shapes through the same
library; and what torch does not export (sequence_lens with rows of
different lengths, a reverse and a bidirectional pass over them, GRU's
reset before the product, LSTM's peepholes, clip and input_forget, other
activations) as ONNX graphs against ONNX Runtime.

torch_recurrent.py gen DIR    -> DIR/<model>.onnx, DIR/x_<model>_<case>.npy,
                                 DIR/expected_<model>_<case>.npy, and
                                 DIR/<graph>.onnx, DIR/<graph>.inputs,
                                 DIR/<graph>.expected/<output>.npy
torch_recurrent.py check DIR  compares DIR/out_<model>_<case>/y.npy and
                              DIR/<graph>.out/<output>.npy
"""

import os
import sys

import numpy as np
import ort_cases
import torch

CASES = {"3x11": (3, 11), "1x4": (1, 4)}


class Tagger(torch.nn.Module):
    """A recurrent encoder with a linear head on its outputs."""

    def __init__(self, rnn, width):
        super().__init__()
        self.rnn = rnn
        self.head = torch.nn.Linear(width, 5)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out)


def models():
    torch.manual_seed(0)
    return {
        "lstm": Tagger(torch.nn.LSTM(8, 16, num_layers=2, bidirectional=True,
                                     batch_first=True), 32).eval(),
        "gru": Tagger(torch.nn.GRU(8, 12, batch_first=True), 12).eval(),
        "rnn": Tagger(torch.nn.RNN(8, 10, nonlinearity="relu",
                                   batch_first=True), 10).eval(),
    }


def gen(out):
    for name, model in models().items():
        inputs = {case: torch.randn(*shape, 8, generator=torch.Generator()
                                    .manual_seed(len(name) + shape[1]))
                  for case, shape in CASES.items()}
        torch.onnx.export(model, (inputs["3x11"],),
                          os.path.join(out, f"{name}.onnx"),
                          input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch", 1: "seq"},
                                        "y": {0: "batch", 1: "seq"}},
                          opset_version=17)
        with torch.no_grad():
            for case, x in inputs.items():
                np.save(os.path.join(out, f"x_{name}_{case}.npy"), x.numpy())
                np.save(os.path.join(out, f"expected_{name}_{case}.npy"),
                        model(x).numpy())
    ort_cases.write_cases(out, onnx_graphs(np.random.default_rng(0)),
                          "graphs.txt")


def onnx_graphs(rng):
    """Recurrent nodes with the attributes and inputs torch leaves out."""
    from onnx import TensorProto, helper, numpy_helper
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32) * 0.5
    seq, batch, inp, hid = 5, 3, 4, 6
    lens = np.array([5, 2, 4], np.int32)
    graphs = {}
    # Bidirectional GRU, reset applied before the recurrent product.
    feeds = {"x": f32(seq, batch, inp), "lens": lens,
             "h0": f32(2, batch, hid)}
    weights = [numpy_helper.from_array(f32(2, 3 * hid, inp), "w"),
               numpy_helper.from_array(f32(2, 3 * hid, hid), "r"),
               numpy_helper.from_array(f32(2, 6 * hid), "b")]
    node = helper.make_node("GRU", ["x", "w", "r", "b", "lens", "h0"],
                            ["y", "y_h"], hidden_size=hid,
                            direction="bidirectional")
    graphs["gru_bidirectional"] = (node, feeds, weights, {"y": 4, "y_h": 3})
    # Reverse LSTM with peepholes, clip and input_forget (ONNX Runtime has
    # no batchwise layout; the node tests check Tern's).
    feeds = {"x": f32(seq, batch, inp), "lens": lens,
             "h0": f32(1, batch, hid), "c0": f32(1, batch, hid)}
    weights = [numpy_helper.from_array(f32(1, 4 * hid, inp), "w"),
               numpy_helper.from_array(f32(1, 4 * hid, hid), "r"),
               numpy_helper.from_array(f32(1, 8 * hid), "b"),
               numpy_helper.from_array(f32(1, 3 * hid), "p")]
    node = helper.make_node(
        "LSTM", ["x", "w", "r", "b", "lens", "h0", "c0", "p"],
        ["y", "y_h", "y_c"], hidden_size=hid, direction="reverse", clip=0.7,
        input_forget=1)
    graphs["lstm_reverse"] = (node, feeds, weights,
                              {"y": 4, "y_h": 3, "y_c": 3})
    # RNN with other activations: LeakyRelu with its alpha.
    feeds = {"x": f32(seq, batch, inp)}
    weights = [numpy_helper.from_array(f32(1, hid, inp), "w"),
               numpy_helper.from_array(f32(1, hid, hid), "r")]
    node = helper.make_node("RNN", ["x", "w", "r"], ["y", "y_h"],
                            hidden_size=hid, activations=["LeakyRelu"],
                            activation_alpha=[0.3])
    graphs["rnn_leaky"] = (node, feeds, weights, {"y": 4, "y_h": 3})
    dtype = {np.dtype(np.float32): TensorProto.FLOAT,
             np.dtype(np.int32): TensorProto.INT32}
    for name, (node, feeds, weights, outputs) in graphs.items():
        graph = helper.make_graph(
            [node], name,
            [helper.make_tensor_value_info(n, dtype[a.dtype], a.shape)
             for n, a in feeds.items()],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT,
                                           [f"{o}{d}" for d in range(rank)])
             for o, rank in outputs.items()], weights)
        yield name, helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", 17)]), feeds


def check(out):
    for name in models():
        for case in CASES:
            expected = np.load(os.path.join(out,
                                            f"expected_{name}_{case}.npy"))
            got = np.load(os.path.join(out, f"out_{name}_{case}", "y.npy"))
            err = (np.abs(got - expected).max()
                   if got.shape == expected.shape else float("inf"))
            print(f"{'ok' if err < 1e-5 else 'FAIL'} {name} {case}: "
                  f"max |tern - PyTorch| {err:.2e}")
    ort_cases.check_cases(out, "graphs.txt")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
