#!/usr/bin/env python3
"""The same BitNet-2B4T-shaped decoder as different exporters write it
(bench/gen_bitnet_2b4t.py's pattern options), each compiled with ternc's
default flags and run against ONNX Runtime on the same file. Per variant:

- compile wall time and ternc's peak RSS over the model's bytes;
- greedy decode with the KV cache (a --prompt-token prompt, --new tokens)
  in tokens/s, Tern against ONNX Runtime;
- prefill of --prefill tokens, Tern against ONNX Runtime.

Every figure is a median of --runs runs in one process; the read bandwidth
is measured in the same run. The models are written one at a time into
WORK and removed after their row unless --keep.

    /usr/bin/python3 bench/export_zoo.py WORK [--build build] [--runs 3]
        [--variants expand,tile,...] [--layers N] [--size full|small]
        [--skip-ort] [--keep]

test/e2e/export-zoo.test runs the same variants at the generator's tiny
size and checks their greedy ids against ONNX Runtime's.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(ROOT / "bench"))
import tern  # noqa: E402
import tern.ort  # noqa: E402
from e2e_vs_ort import (decoder_feeds, median_seconds,  # noqa: E402
                        read_bandwidth, tern_decode)
from gen_bitnet_2b4t import FULL, SMALL  # noqa: E402
import scale_report  # noqa: E402

# name: the generator's arguments. The Optimum layout unless it says
# otherwise; "gqa" is ONNX Runtime GenAI's model builder's graph, whose
# GroupQueryAttention repeats the KV heads itself.
VARIANTS = {
    "expand": ["--repeat-kv", "expand"],
    "expand-dyn": ["--repeat-kv", "expand-dyn"],
    "tile": ["--repeat-kv", "tile"],
    "interleave": ["--repeat-kv", "interleave"],
    "concat": ["--repeat-kv", "concat"],
    "mask-trilu": ["--mask", "trilu"],
    "mask-less": ["--mask", "less"],
    "rope-gptj": ["--rope", "interleaved"],
    "norm-simplified": ["--norm", "simplified"],
    "norm-sumsquare": ["--norm", "sumsquare"],
    "rope-computed": ["--rope", "computed"],
    "mha": ["--attention", "mha"],
    "io-fp16": ["--io", "fp16"],
    "ids-int32": ["--ids", "int32"],
    "batch-static": ["--batch", "static"],
    "gqa": ["--layout", "genai"],
    "gqa-fp16-int32": ["--layout", "genai", "--io", "fp16", "--ids", "int32",
                       "--batch", "static"],
}


def bench_variant(name, work, args, config):
    out = work / name
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(ROOT / "bench" / "gen_bitnet_2b4t.py"),
           str(out), "--size", args.size, *VARIANTS[name]]
    if args.layers:
        cmd += ["--layers", str(args.layers)]
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    model = out / "model.onnx"
    size = scale_report.model_bytes(model)
    library = out / "model.so"
    built = scale_report.compile_model(args.build, model, library)
    row = {"variant": name, "model_bytes": size,
           "compile_s": built["wall"], "peak_rss_ratio": built["peak"] / size}
    print(f"{name}: compiled in {built['wall']:.1f} s, peak RSS "
          f"{built['peak'] / size:.2f}x the model", flush=True)

    session = tern.load(str(library))
    # GenAI's layout takes no position_ids.
    inputs = onnx.load(str(model), load_external_data=False).graph.input
    options = {"config": config,
               "positions": any(i.name == "position_ids" for i in inputs),
               "dtypes": {name: np.dtype(t) for name, t in
                          tern.ort.input_dtypes(str(model)).items()}}
    prompt = [int(t) for t in np.random.default_rng(0).integers(
        0, config["vocab"], args.prompt)]
    rates, ort_rates, same = [], [], None

    class Cache:
        layers, kv_heads, head_dim = (config["layers"], config["kv_heads"],
                                      config["head_dim"])
    for _ in range(args.runs):
        tokens, first, total = tern_decode(session, prompt, args.new,
                                           config["layers"], **options)
        rates.append((args.new - 1) / (total - first))
        if not args.skip_ort:
            # ort_run.js feeds position_ids only where the model takes them.
            reply = tern.ort.generate(str(model), prompt, args.new, Cache,
                                      threads=args.threads, layout="optimum")
            ort_rates.append((args.new - 1) /
                             (reply["seconds"] - reply["first_seconds"]))
            same = sum(a == b for a, b in zip(tokens, reply["tokens"]))
    row["decode_tokens_per_s"] = statistics.median(rates)
    ids = [int(t) for t in np.random.default_rng(1).integers(
        0, config["vocab"], args.prefill)]
    step = decoder_feeds(ids, {}, args.prefill, config["layers"], **options)
    row["prefill_s"] = median_seconds(lambda: session.run(step), args.runs)
    if not args.skip_ort:
        row["ort_decode_tokens_per_s"] = statistics.median(ort_rates)
        row["same_greedy_tokens"] = same
        row["ort_prefill_s"] = statistics.median(
            tern.ort.bench(str(model), step, args.runs, args.threads))
    del session
    if not args.keep:
        shutil.rmtree(out)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt", type=int, default=64)
    parser.add_argument("--new", type=int, default=32)
    parser.add_argument("--prefill", type=int, default=64)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--size", choices=("full", "small"), default="full")
    parser.add_argument("--layers", type=int)
    parser.add_argument("--skip-ort", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ.setdefault("TERN_BUILD_DIR", str(args.build))
    args.work.mkdir(parents=True, exist_ok=True)
    config = dict(FULL if args.size == "full" else SMALL)
    if args.layers:
        config["layers"] = args.layers

    bandwidth = read_bandwidth(args.threads)
    print(f"read bandwidth ({args.threads} threads): "
          f"{bandwidth / 1e9:.1f} GB/s", flush=True)
    rows = []
    for v in args.variants.split(","):
        rows.append(bench_variant(v, args.work, args, config))
        print(json.dumps(rows[-1]), flush=True)
        (args.work / "export_zoo.json").write_text(json.dumps(
            {"read_bandwidth_bytes_per_s": bandwidth,
             "threads": args.threads, "config": config, "rows": rows},
            indent=1))
    fastest = max(r["decode_tokens_per_s"] for r in rows)
    print(f"\n{'variant':<15} {'compile s':>9} {'RSS/model':>9} "
          f"{'decode t/s':>10} {'vs best':>7} {'vs ORT':>7} "
          f"{'prefill s':>9} {'vs ORT':>7}")
    for r in rows:
        ort = r.get("ort_decode_tokens_per_s")
        ort_p = r.get("ort_prefill_s")
        print(f"{r['variant']:<15} {r['compile_s']:>9.1f} "
              f"{r['peak_rss_ratio']:>9.2f} {r['decode_tokens_per_s']:>10.1f} "
              f"{r['decode_tokens_per_s'] / fastest:>7.2f} "
              f"{(r['decode_tokens_per_s'] / ort if ort else float('nan')):>7.2f} "
              f"{r['prefill_s']:>9.2f} "
              f"{(ort_p / r['prefill_s'] if ort_p else float('nan')):>7.2f}")


if __name__ == "__main__":
    main()
