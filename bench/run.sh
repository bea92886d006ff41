#!/bin/sh
# run.sh: axcc's benchmark (issue 4): latency against ONNX Runtime, arena against a
# TF-Lite-Micro-style greedy-by-size planner, flash, compile times. Not a test.
#
#   bench/run.sh [--rounds R] [--models squeezenet1_1,mobilenet_v2,resnet18,fmnist_cnn]
#
# 1. builds axcc (Release) into bench/out/axcc-build, unless AXCC=/path/to/axcc is set;
# 2. exports the models with Debian's /usr/bin/python3 (torch, torchvision, onnx) into
#    bench/out/models (once; delete the folder to export again; the files are identical);
# 3. installs onnxruntime-node into bench/node_modules (once);
# 4. node bench/bench.js: compiles, builds, times, plans, prints the table and writes
#    bench/out/results.json.
# CC picks the C compiler (default cc). Takes about 5-10 minutes on 2 cores, most of it
# gcc on ResNet-18's 47 MB of weights.
set -eu
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
OUT="$BENCH/out"
mkdir -p "$OUT"

for tool in node npm cmake size "${CC:-cc}"; do
	command -v "$tool" >/dev/null || { echo "run.sh: '$tool' is missing" >&2; exit 1; }
done
/usr/bin/python3 -c 'import torch, torchvision, onnx, numpy' 2>/dev/null || {
	echo "run.sh: /usr/bin/python3 needs torch, torchvision, onnx and numpy" \
	     "(apt-get install python3-torch python3-torchvision python3-onnx python3-numpy)" >&2
	exit 1
}

if [ -z "${AXCC:-}" ]; then
	echo "== building axcc (Release) in $OUT/axcc-build"
	cmake -S "$ROOT" -B "$OUT/axcc-build" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$OUT/axcc-build" -j2 --target axcc >/dev/null || {
		echo "run.sh: building axcc failed (AXCC=/path/to/axcc uses a built one)" >&2
		exit 1
	}
	AXCC="$OUT/axcc-build/axcc"
fi

if [ ! -f "$OUT/models/models.json" ]; then
	echo "== exporting models into $OUT/models"
	/usr/bin/python3 "$BENCH/export.py" "$OUT/models"
fi

if [ ! -d "$BENCH/node_modules/onnxruntime-node" ]; then
	echo "== installing onnxruntime-node into $BENCH/node_modules"
	(cd "$BENCH" && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node >/dev/null)
fi

echo "== benchmark"
exec node "$BENCH/bench.js" --axcc "$AXCC" --out "$OUT" "$@"
