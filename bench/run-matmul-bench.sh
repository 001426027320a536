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
    for strategy in ("addsub", "dot", "lut"):
        lib = os.path.join(out, f"{entry['name']}_{strategy}.so")
        subprocess.run([ternc, entry["mlir"], "-o", lib,
                        f"--matmul-strategy={strategy}"], check=True)
        entry["libraries"][strategy] = lib
json.dump(manifest, open(path, "w"), indent=1)
PY

exec "$build/bin/tern-matmul-bench" --manifest="$out/manifest.json" \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "$@"
