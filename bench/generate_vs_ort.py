#!/usr/bin/env python3
"""Tokens per second of the compiled example model against ONNX Runtime
on the same .onnx: greedy decoding with the KV cache, same prompt, same
number of tokens, medians of several runs in one process.

    /usr/bin/python3 bench/generate_vs_ort.py [--build build] [--runs 5]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
import tern  # noqa: E402
import tern.ort  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--model", default=os.path.join(
        ROOT, "examples", "bitnet-tiny", "bitnet_tiny.onnx"))
    parser.add_argument("--prompt", default="This License")
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    exe = os.path.join(args.build, "bitnet_tiny")
    tern.compile(args.model, exe, emit="exe")
    with open(os.path.join(os.path.dirname(args.model),
                           "training.json")) as f:
        config = tern.models.BitNetConfig(**json.load(f)["config"])

    tern_rates, tern_text = [], None
    for _ in range(args.runs):
        result = subprocess.run([exe, "--prompt", args.prompt, "--tokens",
                                 str(args.tokens)], capture_output=True,
                                check=True)
        tern_text = result.stdout[len(args.prompt):-1]
        rate = re.search(rb": ([0-9.]+) tokens/s \(", result.stderr)
        tern_rates.append(float(rate.group(1)))

    ort_rates, ort_tokens = [], None
    prompt = list(args.prompt.encode())
    for _ in range(args.runs):
        reply = tern.ort.generate(args.model, prompt, args.tokens, config)
        ort_rates.append(args.tokens / reply["seconds"])
        ort_tokens = bytes(reply["tokens"])

    tern_median = statistics.median(tern_rates)
    ort_median = statistics.median(ort_rates)
    print(f"prompt {args.prompt!r}, {args.tokens} greedy tokens, "
          f"medians of {args.runs}")
    print(f"tern (ternc --emit=exe): {tern_median:.1f} tokens/s "
          f"(runs: {', '.join(f'{r:.0f}' for r in tern_rates)})")
    print(f"ONNX Runtime {tern.ort.version()}: {ort_median:.1f} tokens/s "
          f"(runs: {', '.join(f'{r:.0f}' for r in ort_rates)})")
    print(f"speed-up: {tern_median / ort_median:.2f}x")
    same = sum(a == b for a, b in zip(tern_text, ort_tokens))
    print(f"same tokens as ONNX Runtime: {same} of {args.tokens}")


if __name__ == "__main__":
    main()
