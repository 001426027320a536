#!/usr/bin/env bash
# Configures (once) and builds Tern in build/ with Ninja.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${TERN_BUILD_DIR:-build}"
source scripts/ccache-launcher.sh "$PWD"
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -G Ninja -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "${LAUNCHER[@]}"
fi
cmake --build "$BUILD_DIR"
# Debian's arm64 libomp, for linking AArch64 models (scripts/install-deps.sh
# installed the cross compiler and qemu).
scripts/fetch-cross-sysroot.sh "$BUILD_DIR" arm64
