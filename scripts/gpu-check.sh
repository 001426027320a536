#!/usr/bin/env bash
# Everything the NVPTX target needs a GPU for, in one command: the lit
# tests that run models on the GPU (test/Target/nvptx-gpu-run.test, which
# may not be skipped here) and the other NVPTX tests, then the GEMV/GEMM
# benchmark (bench/run-gpu-bench.sh). GPU time is scarce: one run answers
# everything, and the logs go to $TERN_GPU_CHECK_OUT (default
# build/gpu-check).
#
#   scripts/gpu-check.sh [-- benchmark flags]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${TERN_BUILD_DIR:-build}"
LOGS="${TERN_GPU_CHECK_OUT:-$BUILD_DIR/gpu-check}"
[[ "${1:-}" == "--" ]] && shift

if ! nvidia-smi -L; then
  echo "gpu-check: nvidia-smi lists no GPU; nothing here can run" >&2
  exit 1
fi
# Only what these tests and the benchmark run, to spend little GPU time
# on building.
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  scripts/install-deps.sh
  cmake -G Ninja -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$BUILD_DIR" --target ternc tern-run tern-opt tern-translate \
  tern-matmul-bench tern_model_runtime tern_cuda_runtime tern_runner \
  tern_generate tern_fake_cuda
mkdir -p "$LOGS"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv \
  | tee "$LOGS/gpu.txt"

status=0
TERN_REQUIRE_GPU=1 TERN_REQUIRE_PTXAS=1 /usr/lib/llvm-22/bin/lit -v \
  --filter 'nvptx' "$BUILD_DIR/test/Target" 2>&1 | tee "$LOGS/lit.txt" \
  || status=1
bench/run-gpu-bench.sh "$BUILD_DIR" -- "$@" 2>&1 | tee "$LOGS/bench.txt" \
  || status=1
echo "gpu-check: logs in $LOGS"
exit "$status"
