#!/usr/bin/env bash
# setup.sh: installs the Debian packages axcc needs (only those missing) and
# builds it into build/. Used by demo.sh and test.sh; safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS="cmake make gcc pkg-config check libsubunit-dev libprotobuf-c-dev protobuf-c-compiler
libonnx-dev libonnx-testdata libcjson-dev zlib1g-dev dataset-fashion-mnist"
PKGS_TEST="clang-14 libclang-rt-14-dev gcc-arm-none-eabi libnewlib-arm-none-eabi chromium"
want="$PKGS"
[ "${1:-}" = "--test" ] && want="$PKGS $PKGS_TEST"

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
