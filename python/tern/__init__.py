"""Tern's Python package: BitNet b1.58 layers and models in PyTorch, their
ONNX export, and bindings to compile (`ternc`) and run compiled models.

    import tern
    model = tern.models.BitNet(tern.models.BitNetConfig.tiny())
    tern.export.export_onnx(model, "model.onnx")
    lib = tern.compile("model.onnx", "model.so")
    session = tern.load(lib)
    logits, = session.run({"input_ids": ids}).values()
"""

from tern import nn, models, export, ort
from tern.compiler import compile, CompileError
from tern.runtime import load, Session, RunError

__all__ = ["nn", "models", "export", "ort", "compile", "CompileError", "load",
           "Session", "RunError"]
