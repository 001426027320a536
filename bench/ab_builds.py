#!/usr/bin/env python3
"""Two Tern builds against each other on one model, in one run: what a
compiler change costs or saves on the BitNet-2B4T-shaped decoder
(bench/gen_bitnet_2b4t.py, Optimum layout).

For each build, alternating, --rounds times:
- compile: ternc's wall time and peak resident memory (its own, from
  wait4);
- run, each in a fresh process: the first prefill of a --prompt-token
  prompt (weights not yet touched), the median of 5 warm prefills, and
  the median of --steps greedy decode steps with the KV cache.

Prints every figure and, per figure, the median over rounds and the new
build's median over the base build's.

    /usr/bin/python3 bench/ab_builds.py MODEL.onnx --base BUILD_A
        --new BUILD_B [--work DIR] [--rounds 3] [--prompt 64] [--steps 16]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent

RUN_SCRIPT = r'''
import json, statistics, sys, time
sys.path.insert(0, sys.argv[1])
from e2e_vs_ort import decoder_feeds, FULL, tern
session = tern.load(sys.argv[2])
prompt_len, steps = int(sys.argv[3]), int(sys.argv[4])
layers = FULL["layers"]
prompt = list(range(100, 100 + prompt_len))
def timed(feeds):
    start = time.perf_counter()
    result = session.run(feeds)
    return result, time.perf_counter() - start
prefill = decoder_feeds(prompt, {}, prompt_len, layers)
result, first = timed(prefill)
warm = statistics.median(timed(prefill)[1] for _ in range(5))
past, ids, total, decode = {}, prompt, prompt_len, []
for step in range(steps + 1):
    result, seconds = timed(decoder_feeds(ids, past, total, layers))
    if step:
        decode.append(seconds)
    for i in range(layers):
        for kind in ("key", "value"):
            past[(i, kind)] = result[f"present.{i}.{kind}"]
    ids, total = [int(result["logits"][0, -1].argmax())], total + 1
print(json.dumps({"prefill_first_s": first, "prefill_warm_s": warm,
                  "decode_ms": 1000 * statistics.median(decode)}))
'''


def compile_once(build, model, library):
    start = time.perf_counter()
    child = subprocess.Popen([str(Path(build) / "bin" / "ternc"), str(model),
                              "-o", str(library)])
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        sys.exit(f"ab_builds: ternc of {build} failed")
    # ru_maxrss is in KiB on Linux.
    return {"compile_s": time.perf_counter() - start,
            "compile_peak_gb": usage.ru_maxrss * 1024 / 1e9}


def run_once(library, args):
    out = subprocess.run(
        [sys.executable, "-c", RUN_SCRIPT, str(ROOT), str(library),
         str(args.prompt), str(args.steps)],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", type=Path)
    parser.add_argument("--base", type=Path, required=True)
    parser.add_argument("--new", type=Path, required=True)
    parser.add_argument("--work", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prompt", type=int, default=64)
    parser.add_argument("--steps", type=int, default=16)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="tern-ab-"))
    work.mkdir(parents=True, exist_ok=True)

    figures = {"base": [], "new": []}
    for round_index in range(args.rounds):
        for name, build in (("base", args.base), ("new", args.new)):
            library = work / f"{name}.so"
            figure = compile_once(build, args.model, library)
            figure.update(run_once(library, args))
            figures[name].append(figure)
            print(f"round {round_index + 1} {name}: " + ", ".join(
                f"{k} {v:.3f}" for k, v in figure.items()), flush=True)
    print("medians (new / base):")
    for key in figures["base"][0]:
        base = statistics.median(f[key] for f in figures["base"])
        new = statistics.median(f[key] for f in figures["new"])
        print(f"  {key}: base {base:.3f}, new {new:.3f} ({new / base:.3f}x)")


if __name__ == "__main__":
    main()
