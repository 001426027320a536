#!/usr/bin/env bash
# Puts Debian's OpenMP runtime for a cross architecture into the build's
# sysroot, so that ternc can link models for it and qemu can run them:
#   scripts/fetch-cross-sysroot.sh [build-dir] [debian-arch]   (default: build arm64)
# The __kmpc ABI is stable across LLVM versions, so libomp5-19 serves
# models compiled by LLVM 22. Idempotent.
set -euo pipefail

BUILD_DIR="${1:-build}"
ARCH="${2:-arm64}"
case "$ARCH" in
  arm64) TRIPLE=aarch64-linux-gnu ;;
  *) echo "fetch-cross-sysroot: unknown architecture '$ARCH'" >&2; exit 2 ;;
esac
PACKAGE="libomp5-19:$ARCH"
SYSROOT="$BUILD_DIR/sysroot/$TRIPLE"
if [ -e "$SYSROOT/usr/lib/$TRIPLE/libomp.so.5" ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
  $SUDO dpkg --add-architecture "$ARCH"
  $SUDO apt-get update -qq
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# apt's sandbox user must be able to write where it downloads.
chmod 777 "$WORK"
if ! (cd "$WORK" && apt-get download -qq "$PACKAGE" 2>/dev/null); then
  $SUDO apt-get update -qq
  (cd "$WORK" && apt-get download -qq "$PACKAGE")
fi
mkdir -p "$SYSROOT"
dpkg -x "$WORK"/*.deb "$SYSROOT"
echo "fetch-cross-sysroot: $PACKAGE in $SYSROOT"
