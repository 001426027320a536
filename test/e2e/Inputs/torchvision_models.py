#!/usr/bin/env python3
"""torchvision's resnet18 and mobilenet_v2 (random weights, and batch-norm
statistics and affine parameters drawn as a trained model would have
them, so that the logits are not all near zero; eval mode), as users export
them with torch.onnx.export and a dynamic batch, against PyTorch and ONNX
Runtime on the same file.

torchvision_models.py gen DIR    -> DIR/<model>.onnx, DIR/x.npy,
                                    DIR/expected_<model>.npy (PyTorch),
                                    DIR/ort_<model>.npy
torchvision_models.py check DIR  compares DIR/out_<model>/logits.npy
"""

import os
import sys

import numpy as np
import torch
import torchvision

MODELS = ("resnet18", "mobilenet_v2")


def gen(out):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                    "..", "python"))
    import tern.ort
    torch.manual_seed(0)
    x = torch.randn(2, 3, 96, 96)
    np.save(os.path.join(out, "x.npy"), x.numpy())
    for name in MODELS:
        model = getattr(torchvision.models, name)(weights=None).eval()
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2)
                    m.running_var.uniform_(0.5, 1.5)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.2, 0.2)
                elif isinstance(m, torch.nn.Linear):
                    m.weight.normal_(0, 0.05)
        path = os.path.join(out, f"{name}.onnx")
        torch.onnx.export(model, (x,), path, input_names=["images"],
                          output_names=["logits"],
                          dynamic_axes={"images": {0: "batch"},
                                        "logits": {0: "batch"}},
                          opset_version=17)
        with torch.no_grad():
            np.save(os.path.join(out, f"expected_{name}.npy"),
                    model(x).numpy())
        np.save(os.path.join(out, f"ort_{name}.npy"),
                tern.ort.run(path, {"images": x.numpy()})["logits"])


def check(out):
    for name in MODELS:
        got = np.load(os.path.join(out, f"out_{name}", "logits.npy"))
        for oracle, prefix in (("PyTorch", "expected"), ("ONNX Runtime",
                                                        "ort")):
            want = np.load(os.path.join(out, f"{prefix}_{name}.npy"))
            if got.shape != want.shape:
                print(f"FAIL {name}: shape {got.shape}, {oracle} {want.shape}")
                continue
            err = float(np.abs(got - want).max())
            scale = float(np.abs(want).max())
            same_top1 = bool((got.argmax(1) == want.argmax(1)).all())
            ok = err <= 1e-4 * max(scale, 1.0) and same_top1
            print(f"{'ok' if ok else 'FAIL'} {name}: max |tern - {oracle}| "
                  f"{err:.2e} (largest logit {scale:.2f}), same top-1 "
                  f"{same_top1}")


if __name__ == "__main__":
    {"gen": gen, "check": check}[sys.argv[1]](sys.argv[2])
