#!/usr/bin/env python3
"""Logits of a decoder in the Optimum or GenAI layout, Tern's library
against ONNX Runtime on the same file: the prompt step, then one step on
the caches each returned. Greedy ids can agree while the logits do not (a
wrong mask or rotation barely moves a small random model's argmax), so
this compares the values. Feeds are typed as the model declares them
(int32 ids, float16 caches).

The library runs in TERN_RUN, not in this process: in the sanitizer build
the library carries an instrumented runtime that only tern-run, built with
the same sanitizers, can load.

decoder_logits.py MODEL LIBRARY PROMPT_IDS TERN_RUN WORK_DIR
  prints "ok: ..." or "FAIL: ..." for each step
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import tern.ort  # noqa: E402
from e2e_vs_ort import decoder_feeds  # noqa: E402


def run_library(tern_run, library, feeds, work):
    """Runs LIBRARY on FEEDS with tern-run and returns its outputs."""
    os.makedirs(work, exist_ok=True)
    command = [tern_run, library, "--output-dir", os.path.join(work, "out")]
    for name, value in feeds.items():
        path = os.path.join(work, name + ".npy")
        np.save(path, value)
        command += ["--input", f"{name}={path}"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    out = os.path.join(work, "out")
    return {f[:-4]: np.load(os.path.join(out, f)) for f in os.listdir(out)}


def main():
    model, library, prompt, tern_run, work = sys.argv[1:6]
    prompt = [int(t) for t in prompt.split(",")]
    graph = onnx.load(model, load_external_data=False).graph
    names = [i.name for i in graph.input]
    cache = next(i for i in graph.input if i.name.startswith("past_"))
    dims = cache.type.tensor_type.shape.dim
    config = {"kv_heads": dims[1].dim_value, "head_dim": dims[3].dim_value}
    layers = sum(n.startswith("past_") for n in names) // 2
    options = {"config": config, "positions": "position_ids" in names,
               "dtypes": {n: np.dtype(t) for n, t in
                          tern.ort.input_dtypes(model).items()}}
    steps = [(prompt, {}, len(prompt))]
    for step, (ids, past, total) in enumerate(steps):
        feeds = decoder_feeds(ids, past, total, layers, **options)
        got = run_library(tern_run, library, feeds,
                          os.path.join(work, f"step{step}"))
        want = tern.ort.run(model, feeds)
        for name in ["logits"] + [n for n in want if n.startswith("present")]:
            a = got[name].astype(np.float64)
            b = want[name].astype(np.float64)
            # float16 outputs round to 11 bits; float32 ones differ by the
            # order of the sums.
            rtol = 2e-3 if want[name].dtype == np.float16 else 1e-4
            error = np.abs(a - b).max() / max(np.abs(b).max(), 1e-6)
            ok = a.shape == b.shape and error <= rtol
            print(f"{'ok' if ok else 'FAIL'}: step {step} {name} "
                  f"{list(a.shape)} relative error {error:.2e}")
        if step == 0:
            token = int(want["logits"][0, -1].argmax())
            steps.append(([token], {
                (i, kind): want[f"present.{i}.{kind}"]
                for i in range(layers) for kind in ("key", "value")},
                total + 1))


if __name__ == "__main__":
    main()
