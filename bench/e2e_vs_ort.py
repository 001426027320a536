#!/usr/bin/env python3
"""Tern against ONNX Runtime 1.30 (graph optimizations on, the same thread
count) on the same .onnx files, end to end, in one run:

- the BitNet-2B4T-shaped decoder (bench/gen_bitnet_2b4t.py: MatMulNBits
  bits 2, a 4-bit head, accuracy_level 4): greedy decode with the KV cache
  (a 64-token prompt, 128 new tokens) in tokens/s, prefill of 64 and 512
  tokens, Tern's bytes read per decoded token as a fraction of the read
  bandwidth measured in this process, and the OpenMP regions a decoded
  token starts (bench/OmpRegionCounter.c, an OMPT tool);
- the bundled example (bench/generate_vs_ort.py);
- resnet18 and mobilenet_v2 from torchvision (random weights, 1x3x224x224);
- float GEMV and GEMM (MatMul on a 2560 x 6912 fp32 weight), GEMM against
  this machine's fp32 FMA rate measured in the same run (tern-fma-peak);
- ternary GEMV and GEMM (7 MatMuls on 4096 x 14336 ternary-valued fp32
  weights, 3x the LLC once packed) with W1.58A8 activations, packed i2 and
  tq1: GOPS-eq and packed bytes read against the bandwidth.

Every figure is a median of --runs runs; ratios are Tern's speed over
ONNX Runtime's. Writes WORK/e2e.json, which bench/plot_performance.py draws.

    /usr/bin/python3 bench/e2e_vs_ort.py WORK [--build build] [--runs 3]
        [--threads 2] [--skip 2b4t,example,cnn,float,ternary]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))
import tern  # noqa: E402
import tern.ort  # noqa: E402

FULL = dict(hidden=2560, kv_heads=5, head_dim=128, vocab=128256, layers=30)


def read_bandwidth(threads, gib=1):
    """Bytes per second `threads` threads read from a buffer far larger than
    the caches (numpy reductions, which release the GIL): median of 5."""
    data = np.ones((gib << 30) // 4, np.float32)
    parts = np.array_split(data, threads)
    rates = []
    for _ in range(5):
        start = time.perf_counter()
        workers = [threading.Thread(target=np.add.reduce, args=(p,))
                   for p in parts]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        rates.append(data.nbytes / (time.perf_counter() - start))
    return statistics.median(rates)


def fma_peak_flops(build, threads):
    """fp32 FLOP/s of `threads` threads of independent FMA chains
    (bench/FmaPeak.c), or None where it was not built (not x86-64)."""
    tool = build / "bin" / "tern-fma-peak"
    if not tool.exists():
        return None
    out = subprocess.run([str(tool), str(threads)], capture_output=True,
                         text=True, check=True).stdout
    return float(out.split()[0]) * 1e9


def median_seconds(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compile_model(model, library):
    """ternc with its default flags (the target is this machine)."""
    tern.compile(str(model), str(library))
    return tern.load(str(library))


# --- BitNet-2B4T-shaped decoder -------------------------------------------

def decoder_feeds(ids, past, total, layers, config=FULL, positions=True,
                  dtypes=None):
    """One step's inputs in the Optimum layout; without `positions`, ONNX
    Runtime GenAI's (no position_ids). `dtypes` maps inputs typed other
    than int64 ids and float32 caches to their numpy types."""
    dtypes = dtypes or {}
    ids_type = dtypes.get("input_ids", np.int64)
    feeds = {"input_ids": np.array([ids], ids_type),
             "attention_mask": np.ones((1, total), dtypes.get(
                 "attention_mask", ids_type))}
    if positions:
        feeds["position_ids"] = np.arange(
            total - len(ids), total,
            dtype=dtypes.get("position_ids", ids_type))[None]
    empty = np.zeros((1, config["kv_heads"], 0, config["head_dim"]),
                     dtypes.get("past_key_values.0.key", np.float32))
    for i in range(layers):
        for kind in ("key", "value"):
            feeds[f"past_key_values.{i}.{kind}"] = past.get((i, kind), empty)
    return feeds


def tern_decode(session, prompt, tokens, layers, **feed_options):
    """Greedy decoding with the KV cache, as ONNX Runtime's generate does
    it: seconds of the prompt step and of the rest. `feed_options` go to
    decoder_feeds."""
    past, ids, total, out = {}, prompt, len(prompt), []
    start = time.perf_counter()
    first = None
    for _ in range(tokens):
        result = session.run(decoder_feeds(ids, past, total, layers,
                                           **feed_options))
        token = int(result["logits"][0, -1].argmax())
        out.append(token)
        for i in range(layers):
            for kind in ("key", "value"):
                past[(i, kind)] = result[f"present.{i}.{kind}"]
        ids, total = [token], total + 1
        if first is None:
            first = time.perf_counter() - start
    return out, first, time.perf_counter() - start


COUNT_SCRIPT = r'''
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from e2e_vs_ort import decoder_feeds, FULL, tern
session = tern.load(sys.argv[2])
past, ids, total = {}, list(range(100, 164)), 64
for _ in range(int(sys.argv[3])):
    result = session.run(decoder_feeds(ids, past, total, FULL["layers"]))
    for i in range(FULL["layers"]):
        for kind in ("key", "value"):
            past[(i, kind)] = result[f"present.{i}.{kind}"]
    ids, total = [int(result["logits"][0, -1].argmax())], total + 1
'''


def count_regions(build, library, steps):
    """OpenMP parallel regions (forks, serialized) of a prefill and
    `steps` - 1 decode steps, counted by bench/OmpRegionCounter.c."""
    tool = Path(build) / "lib" / "libtern-omp-region-counter.so"
    out = Path(str(library) + f".regions{steps}")
    env = dict(os.environ, OMP_TOOL_LIBRARIES=str(tool),
               TERN_OMP_COUNT_FILE=str(out))
    subprocess.run([sys.executable, "-c", COUNT_SCRIPT,
                    str(ROOT / "bench"), str(library), str(steps)],
                   env=env, check=True)
    words = out.read_text().split()
    return int(words[1]), int(words[3])


def forks_per_token(build, library):
    """Per decode step: the difference of 6 and 2 steps, over 4."""
    tool = Path(build) / "lib" / "libtern-omp-region-counter.so"
    if not tool.exists():
        return None
    few, many = count_regions(build, library, 2), count_regions(build,
                                                                library, 6)
    return {"forks": (many[0] - few[0]) / 4,
            "serialized": (many[1] - few[1]) / 4}


def bench_decoder(work, args, bandwidth):
    out = work / "bitnet-2b4t"
    model = out / "model.onnx"
    if not model.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" /
                                            "gen_bitnet_2b4t.py"), str(out),
                        "--form", "matmulnbits", "--head", "q4"], check=True,
                       stderr=subprocess.DEVNULL)
    library = out / "model.so"
    session = compile_model(model, library)
    layers = FULL["layers"]
    prompt = [int(t) for t in
              np.random.default_rng(0).integers(0, 128000, args.prompt)]

    class Config:
        kv_heads, head_dim = FULL["kv_heads"], FULL["head_dim"]
    Config.layers = layers

    rates, ort_rates, same = [], [], None
    for _ in range(args.runs):
        tokens, first, total = tern_decode(session, prompt, args.new, layers)
        rates.append((args.new - 1) / (total - first))
        reply = tern.ort.generate(str(model), prompt, args.new, Config,
                                  threads=args.threads, layout="optimum")
        ort_rates.append((args.new - 1) /
                         (reply["seconds"] - reply["first_seconds"]))
        same = sum(a == b for a, b in zip(tokens, reply["tokens"]))

    prefill = {}
    for length in (64, 512):
        ids = [int(t) for t in
               np.random.default_rng(1).integers(0, 128000, length)]
        feeds = decoder_feeds(ids, {}, length, layers)
        runs = args.runs if length <= 64 else max(1, args.runs - 1)
        t = median_seconds(lambda: session.run(feeds), runs)
        o = statistics.median(tern.ort.bench(str(model), feeds, runs,
                                             args.threads))
        prefill[length] = {"tern_s": t, "ort_s": o, "speedup": o / t}

    # Bytes a decode step reads: every weight but the embedding table (one
    # row of it), and the KV cache at the decode's mean context.
    weights = Path(str(library) + ".weights").stat().st_size
    embedding = FULL["vocab"] * FULL["hidden"] * 4
    context = args.prompt + args.new / 2
    cache = layers * 2 * FULL["kv_heads"] * FULL["head_dim"] * 4 * context
    per_token = weights - embedding + cache
    rate = statistics.median(rates)
    regions = forks_per_token(args.build, library)
    return {
        "omp_regions_per_token": regions,
        "decode_tokens_per_s": rate,
        "ort_decode_tokens_per_s": statistics.median(ort_rates),
        "decode_speedup": rate / statistics.median(ort_rates),
        "same_greedy_tokens": same, "new_tokens": args.new,
        "prefill": prefill,
        "bytes_per_token": per_token,
        "bytes_per_token_fraction_of_bandwidth": per_token * rate / bandwidth,
    }


# --- The bundled example ----------------------------------------------------

def bench_example(args):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate_vs_ort.py"),
         "--build", str(args.build), "--runs", str(args.runs)],
        capture_output=True, text=True, check=True)
    rates = re.findall(r": ([0-9.]+) tokens/s", result.stdout)
    return {"tokens_per_s": float(rates[0]), "ort_tokens_per_s":
            float(rates[1]), "speedup": float(rates[0]) / float(rates[1])}


# --- torchvision CNNs ---------------------------------------------------------

def bench_cnns(work, args):
    import torch
    import torchvision
    results = {}
    for name in ("resnet18", "mobilenet_v2"):
        model = work / f"{name}.onnx"
        if not model.exists():
            torch.manual_seed(0)
            net = getattr(torchvision.models, name)(weights=None).eval()
            torch.onnx.export(net, torch.randn(1, 3, 224, 224), str(model),
                              input_names=["input"], output_names=["output"],
                              opset_version=17)
        session = compile_model(model, work / f"{name}.so")
        feeds = {"input": np.random.default_rng(0).standard_normal(
            (1, 3, 224, 224)).astype(np.float32)}
        runs = max(10, 5 * args.runs)
        t = median_seconds(lambda: session.run(feeds), runs)
        o = statistics.median(tern.ort.bench(str(model), feeds, runs,
                                             args.threads))
        results[name] = {"tern_ms": 1e3 * t, "ort_ms": 1e3 * o,
                         "speedup": o / t}
    return results


# --- Float GEMV and GEMM ------------------------------------------------------

def bench_float(work, args, bandwidth):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    k, n, copies = 2560, 6912, 4
    model = work / "float_matmul.onnx"
    if not model.exists():
        rng = np.random.default_rng(0)
        inits, nodes, outputs = [], [], []
        for c in range(copies):
            inits.append(numpy_helper.from_array(
                rng.standard_normal((k, n)).astype(np.float32), f"w{c}"))
            nodes.append(helper.make_node("MatMul", ["x", f"w{c}"],
                                          [f"y{c}"]))
            outputs.append(helper.make_tensor_value_info(
                f"y{c}", TensorProto.FLOAT, ["m", n]))
        graph = helper.make_graph(nodes, "float_matmul", [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["m", k])],
            outputs, inits)
        onnx.save(helper.make_model(graph, opset_imports=[
            helper.make_opsetid("", 17)]), str(model),
            save_as_external_data=True, location="float_matmul.data")
    session = compile_model(model, work / "float_matmul.so")
    results = {}
    for m in (1, 128):
        feeds = {"x": np.random.default_rng(m).standard_normal(
            (m, k)).astype(np.float32)}
        runs = max(10, 5 * args.runs)
        t = median_seconds(lambda: session.run(feeds), runs)
        o = statistics.median(tern.ort.bench(str(model), feeds, runs,
                                             args.threads))
        flops = 2.0 * m * k * n * copies
        results[f"m{m}"] = {
            "tern_ms": 1e3 * t, "ort_ms": 1e3 * o, "speedup": o / t,
            "tern_gflops": flops / t / 1e9,
            "weight_bytes_fraction_of_bandwidth":
                4.0 * k * n * copies / t / bandwidth}
    peak = fma_peak_flops(args.build, args.threads)
    if peak:
        results["fma_peak_gflops"] = peak / 1e9
        results["m128"]["fraction_of_fma_peak"] = (
            results["m128"]["tern_gflops"] * 1e9 / peak)
    return results


# --- Ternary GEMV and GEMM ----------------------------------------------------

def ternary_matmul_model(work, k, n, copies):
    """MatMuls of one input by `copies` fp32 weights in {-s, 0, s}, as a
    BitNet export without packing stores them."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    model = work / "ternary_matmul.onnx"
    if model.exists():
        return model
    rng = np.random.default_rng(1)
    inits, nodes, outputs = [], [], []
    for c in range(copies):
        weight = rng.integers(-1, 2, (k, n)).astype(np.float32) * 0.02
        inits.append(numpy_helper.from_array(weight, f"w{c}"))
        nodes.append(helper.make_node("MatMul", ["x", f"w{c}"], [f"y{c}"]))
        outputs.append(helper.make_tensor_value_info(
            f"y{c}", TensorProto.FLOAT, ["m", n]))
    graph = helper.make_graph(nodes, "ternary_matmul", [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["m", k])],
        outputs, inits)
    onnx.save(helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17)]), str(model),
        save_as_external_data=True, location="ternary_matmul.data")
    return model


def bench_ternary(work, args, bandwidth):
    k, n, copies = 4096, 14336, 7
    model = ternary_matmul_model(work, k, n, copies)
    results = {}
    ort_ms = {}
    for pack in ("i2", "tq1"):
        library = work / f"ternary_matmul_{pack}.so"
        tern.compile(str(model), str(library), pack=pack, quantize_acts=True)
        session = tern.load(str(library))
        # The packed weights are what a run reads: the external weights
        # file holds exactly them.
        packed = Path(str(library) + ".weights").stat().st_size
        for m in (1, 128):
            feeds = {"x": np.random.default_rng(m).standard_normal(
                (m, k)).astype(np.float32)}
            runs = max(10, 5 * args.runs)
            t = median_seconds(lambda: session.run(feeds), runs)
            if m not in ort_ms:
                ort_ms[m] = 1e3 * statistics.median(tern.ort.bench(
                    str(model), feeds, runs, args.threads))
            ops = 2.0 * m * k * n * copies
            results[f"{pack}_m{m}"] = {
                "tern_ms": 1e3 * t, "ort_fp32_ms": ort_ms[m],
                "speedup": ort_ms[m] / 1e3 / t,
                "gops_eq": ops / t / 1e9, "packed_bytes": packed,
                "packed_bytes_fraction_of_bandwidth": packed / t / bandwidth}
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompt", type=int, default=64)
    parser.add_argument("--new", type=int, default=128)
    parser.add_argument("--skip", default="")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ.setdefault("TERN_BUILD_DIR", str(args.build))
    args.work.mkdir(parents=True, exist_ok=True)
    skip = set(args.skip.split(",")) - {""}

    bandwidth = read_bandwidth(args.threads)
    report = {"threads": args.threads, "runs": args.runs,
              "read_bandwidth_bytes_per_s": bandwidth}
    print(f"read bandwidth ({args.threads} threads): "
          f"{bandwidth / 1e9:.1f} GB/s", flush=True)
    if "float" not in skip:
        report["float_matmul"] = bench_float(args.work, args, bandwidth)
        for m, r in report["float_matmul"].items():
            if m == "fma_peak_gflops":
                continue
            print(f"float MatMul 2560x6912 x4, {m}: tern {r['tern_ms']:.2f} "
                  f"ms ({r['tern_gflops']:.0f} GFLOPS, weights at "
                  f"{100 * r['weight_bytes_fraction_of_bandwidth']:.0f}% of "
                  f"bandwidth), ORT {r['ort_ms']:.2f} ms: "
                  f"{r['speedup']:.2f}x", flush=True)
        r = report["float_matmul"]
        if "fma_peak_gflops" in r:
            print(f"  fp32 FMA peak (tern-fma-peak, {args.threads} threads): "
                  f"{r['fma_peak_gflops']:.0f} GFLOPS; GEMM at "
                  f"{100 * r['m128']['fraction_of_fma_peak']:.0f}% of it",
                  flush=True)
    if "ternary" not in skip:
        report["ternary_matmul"] = bench_ternary(args.work, args, bandwidth)
        for name, r in report["ternary_matmul"].items():
            print(f"ternary MatMul 4096x14336 x7, {name}: tern "
                  f"{r['tern_ms']:.2f} ms ({r['gops_eq']:.0f} GOPS-eq, "
                  f"{r['packed_bytes'] / 1e6:.0f} MB packed at "
                  f"{100 * r['packed_bytes_fraction_of_bandwidth']:.0f}% of "
                  f"bandwidth), ORT (fp32) {r['ort_fp32_ms']:.2f} ms: "
                  f"{r['speedup']:.2f}x", flush=True)
    if "cnn" not in skip:
        report["cnn"] = bench_cnns(args.work, args)
        for name, r in report["cnn"].items():
            print(f"{name}: tern {r['tern_ms']:.1f} ms, ORT "
                  f"{r['ort_ms']:.1f} ms: {r['speedup']:.2f}x", flush=True)
    if "example" not in skip:
        report["example"] = bench_example(args)
        r = report["example"]
        print(f"bundled example: tern {r['tokens_per_s']:.0f} tokens/s, ORT "
              f"{r['ort_tokens_per_s']:.0f}: {r['speedup']:.2f}x", flush=True)
    if "2b4t" not in skip:
        report["bitnet_2b4t"] = r = bench_decoder(args.work, args, bandwidth)
        print(f"2B4T-shaped decode ({args.prompt}-token prompt, {args.new} "
              f"new): tern {r['decode_tokens_per_s']:.1f} tokens/s, ORT "
              f"{r['ort_decode_tokens_per_s']:.1f}: "
              f"{r['decode_speedup']:.2f}x; same greedy tokens "
              f"{r['same_greedy_tokens']}/{r['new_tokens']}")
        print(f"  bytes per token {r['bytes_per_token'] / 1e9:.3f} GB, at "
              f"{100 * r['bytes_per_token_fraction_of_bandwidth']:.0f}% of "
              f"the read bandwidth")
        for length, p in r["prefill"].items():
            print(f"  prefill {length}: tern {p['tern_s']:.2f} s, ORT "
                  f"{p['ort_s']:.2f} s: {p['speedup']:.2f}x", flush=True)
        if r["omp_regions_per_token"]:
            regions = r["omp_regions_per_token"]
            print(f"  OpenMP regions per decoded token: {regions['forks']:.0f}"
                  f" forks, {regions['serialized']:.0f} on one thread")
    (args.work / "e2e.json").write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
