#!/usr/bin/env bash
# Installs the dependencies, builds Tern, compiles the bundled example model
# to a native executable and runs it on seeded random inputs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
BUILD_DIR="${TERN_BUILD_DIR:-build}"
"$BUILD_DIR/bin/ternc" examples/ternary_mlp.onnx --emit=exe \
  -o "$BUILD_DIR/ternary_mlp"
"$BUILD_DIR/ternary_mlp" --dim batch=4 --output-dir "$BUILD_DIR/ternary_mlp_out" \
  --bench 100
echo "Output written to $BUILD_DIR/ternary_mlp_out/y.npy"
