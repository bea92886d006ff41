#!/bin/sh
# interp.sh: the interpreter's throughput (issue 4): `axcc run` of a Fashion-MNIST CNN
# over the 10,000 test images, batch 1 (BATCH=k: k images per run), the runs split
# over all cores (prog_run_batch). Not a test.
#
#   bench/interp.sh [MODEL.onnx]
#
# MODEL defaults to tests/models/fmnist_vgg/model.onnx (the VGG-style CNN of
# tools/make_fmnist_models.py), else the example's examples/fmnist/fmnist_cnn.onnx.
# Builds axcc (Release) into bench/out/axcc-build unless AXCC=/path/to/axcc is set;
# writes the images as float32 .npy (pixels / 255) into bench/out/fmnist once
# (Debian's /usr/bin/python3 with numpy); prints the wall and CPU seconds of the run,
# the images per second and the top-1 accuracy of the logits. DATA overrides the
# folder of t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.
set -eu
BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
OUT="$BENCH/out"
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
mkdir -p "$OUT/fmnist"

MODEL=${1:-}
if [ -z "$MODEL" ]; then
	MODEL="$ROOT/tests/models/fmnist_vgg/model.onnx"
	[ -f "$MODEL" ] || MODEL="$ROOT/examples/fmnist/fmnist_cnn.onnx"
fi
if [ -z "${AXCC:-}" ]; then
	echo "== building axcc (Release) in $OUT/axcc-build"
	cmake -S "$ROOT" -B "$OUT/axcc-build" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$OUT/axcc-build" -j2 --target axcc >/dev/null
	AXCC="$OUT/axcc-build/axcc"
fi
if [ ! -f "$OUT/fmnist/t10k_labels.npy" ]; then
	/usr/bin/python3 "$BENCH/fmnist_npy.py" "$DATA/t10k-images-idx3-ubyte.gz" \
		"$DATA/t10k-labels-idx1-ubyte.gz" "$OUT/fmnist"
fi

echo "model: $MODEL"
BATCH=${BATCH:-1}
"$AXCC" info "$MODEL" --dim N=1 -q 2>/dev/null | grep '^total' || true
t0=$(date +%s.%N)
"$AXCC" run "$MODEL" --dim N="$BATCH" -q --input "$OUT/fmnist/t10k_images.npy" --output "$OUT/fmnist/logits.npy"
t1=$(date +%s.%N)
times >"$OUT/fmnist/times"   # line 2: the user and system time of finished children
set -- $(sed -n 2p "$OUT/fmnist/times")
acc=$(/usr/bin/python3 "$BENCH/fmnist_npy.py" --accuracy "$OUT/fmnist/logits.npy" "$OUT/fmnist/t10k_labels.npy")
awk -v t0="$t0" -v t1="$t1" -v u="$1" -v s="$2" -v acc="$acc" -v n="$(nproc)" -v b="$BATCH" 'function sec(x) {
		sub(/s$/, "", x); split(x, p, "m"); return p[1] * 60 + p[2]
	} BEGIN {
		w = t1 - t0
		printf "10000 images, batch %d: %.2f s wall, %.2f s CPU (user+sys, %d cores), %.0f images/s; top-1 accuracy %s%%\n",
			b, w, sec(u) + sec(s), n, 10000 / w, acc
	}'
