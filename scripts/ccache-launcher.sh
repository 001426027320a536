# Sourced by scripts/build.sh and scripts/fuzz.sh with the checkout's root:
# ccache, where installed, as CMake's compiler launcher (LAUNCHER), keyed on
# paths relative to that root, so that another clone of the same tree (CI's)
# reuses what an earlier build on the machine compiled.
LAUNCHER=()
if command -v ccache > /dev/null; then
  export CCACHE_BASEDIR="$1"
  export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/root}/.cache/ccache}"
  LAUNCHER=(-DCMAKE_C_COMPILER_LAUNCHER=ccache
            -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
