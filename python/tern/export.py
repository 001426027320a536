"""ONNX export of BitNet models (opset 17, dynamic batch and sequence),
with or without KV-cache inputs and outputs, in each of the four forms in
which ONNX carries ternary weights (see docs/Python.md):

- "fakequant": latent float weights through the absmean fake-quant, as
  quantization-aware training code computes them;
- "dense": the ternary weights times their scale as float initializers;
- "qdq": int8 codes in {-1, 0, 1} through DequantizeLinear;
- "matmulnbits": com.microsoft MatMulNBits with bits=2.

Activations keep BitNet's per-token absmax fake-quant in every form."""

import contextlib
import warnings
from typing import List

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

from tern.models import BitNet
from tern.nn import BitLinear, absmax_quantize

WEIGHT_FORMS = ("fakequant", "dense", "qdq", "matmulnbits")


class _CachedForward(torch.nn.Module):
    """The model with its KV cache flattened into named tensors."""

    def __init__(self, model: BitNet):
        super().__init__()
        self.model = model

    def forward(self, input_ids, *flat_past):
        layers = self.model.config.layers
        past = [(flat_past[2 * i], flat_past[2 * i + 1])
                for i in range(layers)]
        logits, presents = self.model(input_ids, past)
        flat = [t for kv in presents for t in kv]
        return (logits, *flat)


class _PlainForward(torch.nn.Module):
    def __init__(self, model: BitNet):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        return self.model(input_ids)[0]


@contextlib.contextmanager
def _frozen_weights(model: torch.nn.Module):
    """BitLinear layers use their ternarized weights as constants."""
    saved = {}
    for module in model.modules():
        if isinstance(module, BitLinear):
            saved[module] = module.forward
            weight = module.quantized_weight().detach().clone()

            def forward(x, module=module, weight=weight):
                xq, s = absmax_quantize(x)
                return torch.nn.functional.linear(xq / s, weight, module.bias)

            module.forward = forward
    try:
        yield
    finally:
        for module, forward in saved.items():
            module.forward = forward


def cache_names(layers: int):
    inputs = [f"past_{kind}_{i}" for i in range(layers)
              for kind in ("key", "value")]
    outputs = [f"present_{kind}_{i}" for i in range(layers)
               for kind in ("key", "value")]
    return inputs, outputs


def export_onnx(model: BitNet, path: str, kv_cache: bool = False,
                weight_form: str = "fakequant", opset: int = 17):
    """Writes `model` to `path`. Inputs: `input_ids` [batch, seq] int64
    (and with `kv_cache`, `past_key_<i>`/`past_value_<i>` [batch,
    kv_heads, past, head_dim]); outputs: `logits` [batch, seq, vocab] (and
    `present_key_<i>`/`present_value_<i>` [batch, kv_heads, past + seq,
    head_dim])."""
    if weight_form not in WEIGHT_FORMS:
        raise ValueError(f"weight_form must be one of {WEIGHT_FORMS}")
    model = model.eval()
    c = model.config
    ids = torch.zeros(1, 3, dtype=torch.int64)
    dynamic = {"input_ids": {0: "batch", 1: "seq"},
               "logits": {0: "batch", 1: "seq"}}
    if kv_cache:
        wrapper = _CachedForward(model)
        past_names, present_names = cache_names(c.layers)
        past = [torch.zeros(1, c.kv_heads, 2, c.head_dim)
                for _ in past_names]
        args = (ids, *past)
        input_names = ["input_ids", *past_names]
        output_names = ["logits", *present_names]
        for name in past_names:
            dynamic[name] = {0: "batch", 2: "past"}
        for name in present_names:
            dynamic[name] = {0: "batch", 2: "total"}
    else:
        wrapper = _PlainForward(model)
        args = (ids,)
        input_names, output_names = ["input_ids"], ["logits"]
    freeze = (_frozen_weights(model) if weight_form != "fakequant"
              else contextlib.nullcontext())
    with freeze, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, args, path, opset_version=opset,
                          input_names=input_names, output_names=output_names,
                          dynamic_axes=dynamic, do_constant_folding=True)
    if weight_form in ("qdq", "matmulnbits"):
        onnx_model = onnx.load(path)
        _rewrite_ternary_matmuls(onnx_model, weight_form)
        onnx.save(onnx_model, path)
    return path


def _ternary_scale(values: np.ndarray):
    """The scale s if every value is in {-s, 0, s}, else None."""
    nonzero = np.abs(values[values != 0])
    if nonzero.size == 0 or not np.all(nonzero == nonzero[0]):
        return None
    return float(nonzero[0])


def _rewrite_ternary_matmuls(model: onnx.ModelProto, form: str):
    """Replaces each MatMul whose weight initializer is ternary: QDQ (int8
    codes through DequantizeLinear) or MatMulNBits (2-bit, block 32)."""
    # Traced weights arrive as initializers or as Constant nodes.
    inits = {init.name: init for init in model.graph.initializer}
    constants = {node.output[0]: node for node in model.graph.node
                 if node.op_type == "Constant"}
    uses = {}
    for node in model.graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1

    def weight_values(name):
        if name in inits:
            return numpy_helper.to_array(inits[name])
        if name in constants and uses.get(name) == 1:
            for attr in constants[name].attribute:
                if attr.name == "value":
                    return numpy_helper.to_array(attr.t)
        return None

    nodes: List[onnx.NodeProto] = []
    replaced = set()
    for node in model.graph.node:
        values = (weight_values(node.input[1])
                  if node.op_type == "MatMul" else None)
        scale = (_ternary_scale(values)
                 if values is not None and values.ndim == 2 else None)
        if scale is None:
            nodes.append(node)
            continue
        codes = np.round(values / scale).astype(np.int8)  # [K, N]
        name = node.input[1]
        if name in inits:
            model.graph.initializer.remove(inits[name])
        else:
            replaced.add(name)
        if form == "qdq":
            model.graph.initializer.extend([
                numpy_helper.from_array(codes, name + "_codes"),
                numpy_helper.from_array(np.array(scale, np.float32),
                                        name + "_scale")])
            nodes.append(helper.make_node(
                "DequantizeLinear", [name + "_codes", name + "_scale"],
                [name], name=name + "_dequantize"))
            nodes.append(node)
            continue
        k, n = codes.shape
        block = 32
        blocks = -(-k // block)
        padded = np.zeros((n, blocks * block), np.uint8)
        padded[:, :k] = (codes.T + 2).astype(np.uint8)  # zero point 2
        padded[:, k:] = 2
        quads = padded.reshape(n, blocks, block // 4, 4)
        packed = (quads[..., 0] | (quads[..., 1] << 2) | (quads[..., 2] << 4)
                  | (quads[..., 3] << 6)).astype(np.uint8)
        scales = np.full((n * blocks,), scale, np.float32)
        model.graph.initializer.extend([
            numpy_helper.from_array(packed, name + "_packed"),
            numpy_helper.from_array(scales, name + "_scales")])
        nodes.append(helper.make_node(
            "MatMulNBits", [node.input[0], name + "_packed", name + "_scales"],
            list(node.output), name=node.name, domain="com.microsoft",
            K=k, N=n, bits=2, block_size=block))
    nodes = [n for n in nodes
             if not (n.op_type == "Constant" and n.output[0] in replaced)]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    if form == "matmulnbits" and not any(
            o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
