"""ONNX graphs checked against ONNX Runtime case by case, for the e2e tests
of ops ONNX Runtime defines (its contrib ops) or whose corners torch does
not export.

write_cases(DIR, cases, LIST) writes, for each (name, model, feeds) case,
DIR/<name>.onnx, DIR/<name>.<input>.npy, DIR/<name>.inputs (the tern-run
--input flags) and ONNX Runtime's outputs DIR/<name>.expected/<output>.npy,
and the case names to DIR/LIST. check_cases(DIR, LIST) compares each case's
tern-run outputs DIR/<name>.out/<output>.npy with them and prints one
`ok NAME` or `FAIL NAME` line per case.
"""

import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "python"))
import tern.ort  # noqa: E402


def write_cases(out, cases, list_name):
    names = []
    for name, model, feeds in cases:
        path = os.path.join(out, name + ".onnx")
        onnx.save(model, path)
        flags = []
        for n, a in feeds.items():
            array = os.path.join(out, f"{name}.{n}.npy")
            np.save(array, a)
            flags.append(f"--input {n}={array}")
        with open(os.path.join(out, name + ".inputs"), "w") as f:
            f.write(" ".join(flags) + "\n")
        expected = os.path.join(out, name + ".expected")
        os.makedirs(expected, exist_ok=True)
        for o, value in tern.ort.run(path, feeds).items():
            np.save(os.path.join(expected, o + ".npy"), value)
        names.append(name)
    with open(os.path.join(out, list_name), "w") as f:
        f.write("\n".join(names) + "\n")


def check_cases(out, list_name, tolerance=1e-5):
    with open(os.path.join(out, list_name)) as f:
        names = f.read().split()
    for name in names:
        expected_dir = os.path.join(out, name + ".expected")
        worst, ok = 0.0, True
        for o in sorted(os.listdir(expected_dir)):
            expected = np.load(os.path.join(expected_dir, o))
            got = np.load(os.path.join(out, name + ".out", o))
            if got.shape != expected.shape:
                print(f"FAIL {name}/{o}: shape {got.shape}, ONNX Runtime "
                      f"{expected.shape}")
                ok = False
                continue
            err = float(np.abs(got - expected).max()) if got.size else 0.0
            worst = max(worst, err)
            ok = ok and err < tolerance
        print(f"{'ok' if ok else 'FAIL'} {name}: max |tern - ONNX Runtime| "
              f"{worst:.2e}")
