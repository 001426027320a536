#!/usr/bin/env bash
# Installs the dependencies, builds Tern, compiles the bundled BitNet model
# (examples/bitnet-tiny) into a native executable and generates text with
# it.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
BUILD_DIR="${TERN_BUILD_DIR:-build}"
"$BUILD_DIR/bin/ternc" examples/bitnet-tiny/bitnet_tiny.onnx --emit=exe \
  -o "$BUILD_DIR/bitnet_tiny"
"$BUILD_DIR/bitnet_tiny" --prompt "This License" --tokens 200
