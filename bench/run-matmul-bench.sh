#!/usr/bin/env bash
# Builds the ternary GEMV/GEMM models for every strategy and runs
# tern-matmul-bench on them.
#
#   bench/run-matmul-bench.sh [BUILD_DIR] [-- benchmark flags]
#
# Models go to BUILD_DIR/bench/matmul (about 0.5 GB: GEMV weights total
# three times the last-level cache). Extra flags reach Google Benchmark,
# e.g. --benchmark_repetitions=5 --benchmark_filter=gemv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
shift || true
[[ "${1:-}" == "--" ]] && shift
out="$build/bench/matmul"
mkdir -p "$out"

# The LLC this machine's cores see (sysfs; getconf can report the host's
# whole cache inside a VM). TERN_BENCH_LLC_BYTES overrides it.
llc_kib=$(sed -n 's/K$//p' /sys/devices/system/cpu/cpu0/cache/index3/size \
  2>/dev/null || true)
llc_bytes=${TERN_BENCH_LLC_BYTES:-$(( ${llc_kib:-32768} * 1024 ))}
/usr/bin/python3 "$here/gen_matmul_models.py" "$out" --llc-bytes "$llc_bytes"

# Compile every model with every strategy and record the libraries.
/usr/bin/python3 - "$out" "$build/bin/ternc" <<'PY'
import json, os, subprocess, sys
out, ternc = sys.argv[1], sys.argv[2]
path = os.path.join(out, "manifest.json")
manifest = json.load(open(path))
for entry in manifest:
    entry["libraries"] = {}
    # Each strategy for the host's CPU, and dot and addsub for an AVX2
    # machine without VNNI (x86-64-v3), which this one can run too.
    variants = {s: [f"--matmul-strategy={s}"] for s in ("addsub", "dot", "lut")}
    for s in ("addsub", "dot"):
        variants[f"{s}-avx2"] = [f"--matmul-strategy={s}", "--mcpu=x86-64-v3"]
    for name, flags in variants.items():
        lib = os.path.join(out, f"{entry['name']}_{name}.so")
        subprocess.run([ternc, entry["mlir"], "-o", lib] + flags, check=True)
        entry["libraries"][name] = lib
json.dump(manifest, open(path, "w"), indent=1)
PY

exec "$build/bin/tern-matmul-bench" --manifest="$out/manifest.json" \
  --bench-threads=1,2 \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "$@"
