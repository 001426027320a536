#!/usr/bin/env bash
# Builds the ternary GEMV/GEMM models of BitNet b1.58 2B4T's linear-layer
# shapes for the NVPTX target and runs tern-matmul-bench on them against
# the GPU's device-to-device copy bandwidth measured in the same process.
#
#   bench/run-gpu-bench.sh [BUILD_DIR] [-- benchmark flags]
#
# Needs an NVIDIA GPU and its driver. GEMV weights total twice
# TERN_BENCH_GPU_L2_BYTES (default 50 MiB, an H100's L2), so that they
# stream from HBM as a decoding step's do; TERN_BENCH_GPU_SHAPES picks the
# N x K shapes (default the 2B4T model's attention output, FFN up and FFN
# down). Generating and compiling the 2560 x 2560 GEMV model (64 GEMVs,
# 210 MB of MLIR) took 18 s on one core of the development machine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
shift || true
[[ "${1:-}" == "--" ]] && shift
out="$build/bench/gpu-matmul"
mkdir -p "$out"

# gen_matmul_models.py writes GEMV weights of three times --llc-bytes.
l2_bytes=${TERN_BENCH_GPU_L2_BYTES:-$((50 << 20))}
/usr/bin/python3 "$here/gen_matmul_models.py" "$out" \
  --llc-bytes "$((l2_bytes * 2 / 3))" \
  --shapes "${TERN_BENCH_GPU_SHAPES:-2560x2560,6912x2560,2560x6912}"

# Compile every model for the GPU, in parallel, and record the libraries.
/usr/bin/python3 - "$out" "$build/bin/ternc" <<'PY'
import concurrent.futures, json, os, subprocess, sys
out, ternc = sys.argv[1], sys.argv[2]
path = os.path.join(out, "manifest.json")
manifest = json.load(open(path))
def compile(entry):
    lib = os.path.join(out, f"{entry['name']}_nvptx.so")
    subprocess.run([ternc, entry["mlir"], "--target=nvptx64-nvidia-cuda",
                    "-o", lib], check=True)
    entry["libraries"] = {"nvptx-dp4a": lib}
with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
    list(pool.map(compile, manifest))
json.dump(manifest, open(path, "w"), indent=1)
PY

exec "$build/bin/tern-matmul-bench" --manifest="$out/manifest.json" \
  --reference=cuda --bench-threads=1 \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true "$@"
