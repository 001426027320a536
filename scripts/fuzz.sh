#!/usr/bin/env bash
# The sanitizer build: Tern's compiler, tools, runtime, unit tests and
# libFuzzer targets built with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang-22, libfuzzer-22-dev) in build-fuzz.
#
#   scripts/fuzz.sh [SECONDS]    each fuzzer for SECONDS (default 60) from
#                                its growing corpus
#   scripts/fuzz.sh --ci         CI: the unit tests and the lit suite under
#                                the sanitizers, then a fixed seed and a
#                                fixed number of executions per fuzzer
#                                (about a minute each), from the seeds
#                                alone, so that a run repeats exactly
#
# Corpora grow in build-fuzz/corpus/<target>; inputs that crash are written
# to build-fuzz/crashes and the script fails.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TERN_FUZZ_BUILD:-$ROOT/build-fuzz}
CI=0
if [[ "${1:-}" == "--ci" ]]; then
  CI=1
fi

SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -fsanitize=fuzzer-no-link"
source "$ROOT/scripts/ccache-launcher.sh" "$ROOT"
cmake -S "$ROOT" -B "$BUILD" -G Ninja "${LAUNCHER[@]}" \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
  -DCMAKE_BUILD_TYPE=Release -DTERN_BUILD_TESTS=ON \
  -DTERN_ENABLE_FUZZERS=ON -DLLVM_USE_SANITIZER="Address;Undefined" \
  -DTERN_FUZZ_TERNC="$(realpath -m "${TERN_BUILD_DIR:-$ROOT/build}")/bin/ternc" \
  -DCMAKE_C_FLAGS="$SANITIZE" -DCMAKE_CXX_FLAGS="$SANITIZE" > /dev/null
if [[ $CI == 1 ]]; then
  # Everything the lit suite runs, and the generated docs it compares.
  ninja -C "$BUILD" tern-fuzzers TernDialectTests TernModelRuntimeTests \
    TernRuntimeSupportTests TernCudaRuntimeTests TernLanguageModelTests TernCompilerTests \
    tern-opt tern-translate \
    ternc tern-run tern-matmul-bench tern_model_runtime tern_runner \
    tern_generate tern-doc tern_cuda_runtime tern_fake_cuda
else
  ninja -C "$BUILD" tern-fuzzers
fi

# Leaks are not errors here: libonnx's schema registry lives forever.
# LLVM's allocators poison and unpoison their slabs only in the code built
# here, not in Debian's libMLIR.so, so ASan would report the memory that
# libMLIR's copy hands out; poisoning by hand is ignored.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if [[ $CI == 1 ]]; then
  # The gtest suites, then every lit test, end-to-end ones included, with
  # the compiler, tern-run and the runtime inside each model instrumented.
  # The pytest suite loads models into Python, which has no sanitizer
  # runtime, so it runs in the regular build only.
  ctest --test-dir "$BUILD" --output-on-failure -E '^pytest$'
fi

# Seeds: ONNX's node tests and Tern's own models, binary and text, and
# .npy files of every dtype the reader takes.
SEEDS=$BUILD/seeds
if [[ ! -d $SEEDS ]]; then
  mkdir -p "$SEEDS"/{onnx,text,npy}
  NODE_TESTS=$(/usr/bin/python3 -c "import onnx, os; print(os.path.join(os.path.dirname(onnx.__file__), 'backend/test/data/node'))")
  for model in "$NODE_TESTS"/*/model.onnx; do
    cp "$model" "$SEEDS/onnx/$(basename "$(dirname "$model")").onnx"
  done
  find "$ROOT/test" "$ROOT/examples" -name '*.onnxtxt' -exec cp {} "$SEEDS/text/" \;
  # Small files that ask for ranks of 2^20 (they once took ternc minutes
  # and gigabytes); with -rss_limit_mb and -timeout below, anything like
  # them fails the smoke.
  /usr/bin/python3 "$ROOT/test/fuzz/Inputs/huge_ranks.py" "$SEEDS/onnx" --seeds
  /usr/bin/python3 - "$SEEDS/npy" <<'PY'
import sys, numpy as np
for i, dtype in enumerate(["<f4", "<f8", "<f2", "|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "|b1"]):
    for shape in [(), (3,), (2, 3), (1, 0, 2)]:
        np.save(f"{sys.argv[1]}/{i}-{len(shape)}.npy", np.ones(shape, dtype))
PY
fi

# The C API target builds its tensors from raw bytes: a few fixed seeds
# of each length start it off.
if [[ ! -d $SEEDS/api ]]; then
  mkdir -p "$SEEDS/api"
  /usr/bin/python3 -c "
import random, sys
rng = random.Random(0)
for n in (1, 8, 32, 128):
    open(f'$SEEDS/api/bytes-{n}', 'wb').write(bytes(rng.randrange(256) for _ in range(n)))"
fi

rm -rf "$BUILD/crashes"
mkdir -p "$BUILD/crashes"
status=0
for target in onnx:tern-onnx-fuzzer text:tern-onnx-text-fuzzer npy:tern-npy-fuzzer api:tern-model-api-fuzzer; do
  seeds=${target%%:*} fuzzer=${target#*:}
  if [[ ! -x $BUILD/bin/$fuzzer ]]; then
    echo "== $fuzzer: not built (see tools/fuzzers/CMakeLists.txt)"
    continue
  fi
  corpus=$BUILD/corpus/$fuzzer
  limit=(-max_total_time="${1:-60}")
  if [[ $CI == 1 ]]; then
    # Executions for about a minute at each target's speed under the
    # sanitizers on two cores.
    case $fuzzer in
      tern-onnx-fuzzer) runs=20000 ;;
      tern-onnx-text-fuzzer) runs=20000 ;;
      tern-npy-fuzzer) runs=10000000 ;;
      *) runs=2000000 ;;
    esac
    corpus=$(mktemp -d)
    limit=(-seed=1 -runs=$runs)
  fi
  mkdir -p "$corpus"
  echo "== $fuzzer"
  # An input that takes 20 s or 2 GB is a failure like a crash (the
  # million-execution importer campaign peaked at 710 MB under ASan); one
  # allocation may still ask for more, which the importer must refuse.
  "$BUILD/bin/$fuzzer" "${limit[@]}" -timeout=20 -rss_limit_mb=2048 \
      -malloc_limit_mb=6144 \
      -max_len=262144 -print_final_stats=1 \
      -artifact_prefix="$BUILD/crashes/$fuzzer-" \
      "$corpus" "$SEEDS/$seeds" 2>&1 | grep -E "^#[0-9]+\s+(DONE|INITED)|stat::number_of_executed_units|ERROR|SUMMARY|Test unit written|deadly signal" || true
  if ls "$BUILD/crashes/$fuzzer-"* > /dev/null 2>&1; then
    status=1
  fi
done
exit $status
