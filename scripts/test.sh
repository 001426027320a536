#!/usr/bin/env bash
# Installs the dependencies, builds Tern and runs every test: the gtest
# suites and the lit suite (dialect, passes, importer, tools and the
# end-to-end numerical tests against numpy).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
TERN_REQUIRE_CROSS=1 TERN_REQUIRE_ORT=1 ctest --test-dir "${TERN_BUILD_DIR:-build}" --output-on-failure
