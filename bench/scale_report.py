#!/usr/bin/env python3
"""Compiles the BitNet-2B4T-shaped decoder (gen_bitnet_2b4t.py) in each
weight form with `ternc model.onnx -o model.so` (default flags) and
reports, per form: compile wall time, peak RSS (getrusage of ternc) over
the model's bytes (.onnx plus external data), the outputs' sizes, and the
model's load time and first decode step (tern-run).

With --check-ort it also compares a cut of the model (--check-layers,
accuracy_level=0 so that ONNX Runtime computes in float) with ONNX Runtime
1.30: logits of a prompt, and the greedy tokens of a few cached steps.

scale_report.py WORK_DIR [--build build] [--forms F[:fp32],...] [--layers N]
                [--check-ort] [--check-layers 4] [--json OUT]

A form with :fp32 ties the head to the embedding as fp32 (MatMul with the
transposed embedding) instead of MatMulNBits-4.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

FORMS = ("matmulnbits", "qdq", "dense", "fakequant")
FULL = dict(kv_heads=5, head_dim=128, vocab=128256)


def generate(out, form, layers, extra=()):
    model = out / "model.onnx"
    if not model.exists():
        cmd = [sys.executable, str(ROOT / "bench" / "gen_bitnet_2b4t.py"),
               str(out), "--form", form, *extra]
        if layers is not None:
            cmd += ["--layers", str(layers)]
        subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    return model


def model_bytes(model):
    data = Path(str(model) + ".data")
    return model.stat().st_size + (data.stat().st_size if data.exists() else 0)


def compile_model(build, model, output):
    """Runs ternc in a child of its own so that getrusage reads its peak."""
    script = ("import resource, subprocess, sys, time, json;"
              "t = time.monotonic();"
              "r = subprocess.run(sys.argv[1:]);"
              "w = time.monotonic() - t;"
              "p = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss;"
              "print(json.dumps({'rc': r.returncode, 'wall': w,"
              " 'peak': p * 1024}))")
    result = subprocess.run(
        [sys.executable, "-c", script, str(build / "bin" / "ternc"),
         str(model), "-o", str(output), "--quiet"],
        capture_output=True, text=True)
    info = json.loads(result.stdout.strip().splitlines()[-1])
    if info["rc"] != 0:
        raise RuntimeError(f"ternc failed on {model}: {result.stderr}")
    return info


def load_time(build, library, layers):
    """tern-run on one decode step (a token after an empty cache): the load
    (opening the library, mapping the weights) and the first run, which
    reads the weights from disk unless they are in the page cache."""
    inputs = []
    for name, value in (("input_ids", [[1000]]), ("attention_mask", [[1]]),
                        ("position_ids", [[0]])):
        path = library.parent / f"{name}.npy"
        np.save(path, np.array(value, np.int64))
        inputs += ["--input", f"{name}={path}"]
    out = subprocess.run(
        [str(build / "bin" / "tern-run"), str(library), *inputs,
         "--dim", "past_sequence_length=0"],
        capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("load time:"):
            parts = line.replace(",", "").split()
            return float(parts[2]), float(parts[6])
    raise RuntimeError("tern-run printed no load time:\n" + out)


def check_ort(build, work, layers):
    """A cut of the MatMulNBits form against ONNX Runtime."""
    import tern
    import tern.ort

    out = work / f"ort-check-{layers}"
    out.mkdir(parents=True, exist_ok=True)
    model = generate(out, "matmulnbits", layers, ["--accuracy-level", "0"])
    library = out / "model.so"
    compile_model(build, model, library)
    session = tern.load(str(library))
    prompt = [15, 2047, 99, 128000, 7, 4321, 64, 1]
    # The Optimum layout's feeds, as bench/e2e_vs_ort.py builds them.
    from e2e_vs_ort import decoder_feeds

    def feeds_for(ids, past, total):
        return decoder_feeds(ids, past, total, layers)

    feeds = feeds_for(prompt, {}, len(prompt))
    tern_logits = session.run(feeds)["logits"]
    ort_logits = tern.ort.run(str(model), feeds)["logits"]
    diff = float(np.abs(tern_logits - ort_logits).max())
    scale = float(np.abs(ort_logits).max())

    steps = 4
    tokens, past, ids, total = [], {}, prompt, len(prompt)
    for _ in range(steps):
        result = session.run(feeds_for(ids, past, total))
        token = int(result["logits"][0, -1].argmax())
        tokens.append(token)
        for i in range(layers):
            for kind in ("key", "value"):
                past[(i, kind)] = result[f"present.{i}.{kind}"]
        ids, total = [token], total + 1

    class Config:
        kv_heads, head_dim = FULL["kv_heads"], FULL["head_dim"]
    Config.layers = layers
    ort_tokens = tern.ort.generate(str(model), prompt, steps, Config,
                                   layout="optimum")["tokens"]
    return {"layers": layers, "logits_max_abs_diff": diff,
            "logits_max_abs": scale, "tern_tokens": tokens,
            "ort_tokens": ort_tokens, "tokens_equal": tokens == ort_tokens}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--forms", default=",".join(FORMS))
    parser.add_argument("--layers", type=int, help="default: all 30")
    parser.add_argument("--check-ort", action="store_true")
    parser.add_argument("--check-layers", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    report = {"forms": {}}
    print(f"{'form':16} {'model GB':>9} {'compile s':>10} {'peak GB':>8} "
          f"{'RSS/model':>9} {'.so MB':>8} {'weights GB':>10} "
          f"{'load ms':>8} {'step ms':>8}")
    for spec in args.forms.split(","):
        # FORM or FORM:fp32 (the tied head as fp32 instead of MatMulNBits-4).
        form, _, head = spec.partition(":")
        extra = ["--head", head] if head else []
        out = args.work / (f"{form}-{args.layers or 30}" +
                           (f"-{head}" if head else ""))
        out.mkdir(parents=True, exist_ok=True)
        model = generate(out, form, args.layers, extra)
        size = model_bytes(model)
        library = out / "model.so"
        info = compile_model(args.build, model, library)
        weights = Path(str(library) + ".weights")
        load, step = load_time(args.build, library, args.layers)
        row = {"model_bytes": size, "compile_seconds": info["wall"],
               "peak_rss_bytes": info["peak"],
               "rss_over_model": info["peak"] / size,
               "library_bytes": library.stat().st_size,
               "weights_bytes": weights.stat().st_size
               if weights.exists() else 0,
               "load_ms": load, "first_step_ms": step}
        report["forms"][spec] = row
        print(f"{spec:16} {size / 1e9:9.3f} {row['compile_seconds']:10.1f} "
              f"{info['peak'] / 1e9:8.2f} {row['rss_over_model']:9.2f} "
              f"{row['library_bytes'] / 1e6:8.1f} "
              f"{row['weights_bytes'] / 1e9:10.3f} {load:8.3f} {step:8.1f}",
              flush=True)
    if args.check_ort:
        check = check_ort(args.build, args.work, args.check_layers)
        report["ort_check"] = check
        print(f"{check['layers']}-layer cut against ONNX Runtime "
              f"(accuracy_level 0): logits max |diff| "
              f"{check['logits_max_abs_diff']:.3g} (max |logit| "
              f"{check['logits_max_abs']:.3g}); greedy tokens "
              f"{'equal' if check['tokens_equal'] else 'DIFFER'}: "
              f"{check['tern_tokens']} vs {check['ort_tokens']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
