#!/usr/bin/env bash
# test.sh: installs what is missing, builds, and runs every test -- the unit
# suites, the end-to-end model tests and the ONNX conformance ratchet -- then
# the unit suites, bad-input tests and the conformance runner over all four
# ONNX backend suites again under AddressSanitizer + UBSan (a sanitizer
# report in a case fails that case, so the must-pass ratchet; about 5 min of
# CPU on top).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh --test
ctest --test-dir build --output-on-failure -j2

echo "== AddressSanitizer + UBSan build =="
BUILD=build-asan BUILD_TYPE=Debug CMAKE_ARGS="-DAXCC_SANITIZE=ON -DCMAKE_C_COMPILER=clang-14" \
	./scripts/setup.sh --test
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan --output-on-failure -j2 -E '^(model_.*)$'
