#!/usr/bin/env bash
# Installs every build, test and runtime dependency of Tern on Debian 12.
# Idempotent and non-interactive: packages already present are left alone.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  # Toolchain and build.
  cmake ninja-build g++ pkg-config git ccache
  # LLVM/MLIR 22 (shared libMLIR.so / libLLVM.so), lit/FileCheck, clang/lld.
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libomp-22-dev libomp5-19
  # AArch64: cross libc for the runtime and links, qemu to run the results.
  g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  # riscv64 (docs/AddingABackend.md): cross libc and C runtime files.
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross
  # ONNX and protobuf.
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  # Tests and benchmarks.
  libgtest-dev libgmock-dev libbenchmark-dev python3-pytest
  # Fuzzing and the sanitizer build (scripts/fuzz.sh, .ci/run).
  libfuzzer-22-dev libclang-rt-22-dev
  # The generators' --tokenizer (spm_train makes the tests' tokenizer).
  libsentencepiece-dev sentencepiece
  # Python side.
  python3-numpy python3-onnx python3-torch python3-torchvision python3-matplotlib
  # Debian's torch calls the generic BLAS; OpenBLAS replaces it (through
  # update-alternatives) and trains the example model 45x faster.
  libopenblas0-pthread
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all Debian packages present"
fi

# ONNX Runtime, the reference and the peer to beat: npm's onnxruntime-node
# with its bundled CPU build (--ignore-scripts skips its download step),
# into the build folder, where python/tern/ort.py finds it.
if ! command -v npm > /dev/null; then
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
ORT_DIR="${TERN_BUILD_DIR:-build}/ort"
if [ ! -d "$ORT_DIR/node_modules/onnxruntime-node" ]; then
  mkdir -p "$ORT_DIR"
  npm install --prefix "$ORT_DIR" --ignore-scripts --no-audit --no-fund \
    onnxruntime-node@1.30.0
fi
