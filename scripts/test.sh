#!/usr/bin/env bash
# Installs the dependencies, builds Tern and runs every test: the gtest
# suites and the lit suite (dialect, passes, importer, tools and the
# end-to-end numerical tests against numpy), then the same gtest and lit
# suites and a fuzz smoke in the sanitizer build (scripts/fuzz.sh --ci).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
TERN_REQUIRE_CROSS=1 TERN_REQUIRE_ORT=1 ctest --test-dir "${TERN_BUILD_DIR:-build}" --output-on-failure
# The unit tests and the lit suite under AddressSanitizer and UBSan, and a
# short, repeatable smoke of each fuzzer (tools/fuzzers).
scripts/fuzz.sh --ci
