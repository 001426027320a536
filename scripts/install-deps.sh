#!/usr/bin/env bash
# Installs every build, test and runtime dependency of Tern on Debian 12.
# Idempotent and non-interactive: packages already present are left alone.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

PACKAGES=(
  # Toolchain and build.
  cmake ninja-build g++ pkg-config git
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
  # Python side.
  python3-numpy python3-onnx python3-torch
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
