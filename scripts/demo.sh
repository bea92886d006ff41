#!/usr/bin/env bash
# demo.sh: the main job, end to end. Installs what is missing, builds axcc,
# compiles the shipped Fashion-MNIST model to C twice -- exact, and
# approximated within a 1-point accuracy budget (pruning + fixed point chosen
# by `axcc optimize` on the Fashion-MNIST test set: half to analyse, half
# held out to verify) -- builds both with the system compiler, runs them on
# the 1000 example images, and prints accuracy, agreement with axcc's
# interpreter and what the approximation saved.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
EX=examples/fmnist
OUT=build/demo
DS=/usr/share/datasets/fashion-mnist
BUDGET=${BUDGET:-1%}
CFLAGS="-std=c99 -O2 -Wall -Wextra -Wpedantic -Werror"
mkdir -p "$OUT/exact" "$OUT/approx"

build_and_run() {   # $1: exact|approx, $2..: extra axcc options
	local kind=$1
	shift
	./build/axcc compile $EX/fmnist_cnn.onnx -o "$OUT/$kind" --name fmnist --dim N=1 -q "$@"
	cc $CFLAGS -I"$OUT/$kind" "$OUT/$kind/fmnist.c" $EX/demo_main.c -o "$OUT/$kind/demo" -lm
	./build/axcc run $EX/fmnist_cnn.onnx --dim N=1 -q "$@" \
		--input $EX/data/images.npy --output "$OUT/$kind/interp_logits.npy"
	"$OUT/$kind/demo" $EX/data/images.npy $EX/data/labels.npy "$OUT/$kind/interp_logits.npy"
	echo "  flash (text + data of fmnist.o, cc -O2): $(cc $CFLAGS -I"$OUT/$kind" -c \
		"$OUT/$kind/fmnist.c" -o "$OUT/$kind/fmnist.o" && size "$OUT/$kind/fmnist.o" |
		awk 'NR == 2 { print $1 + $2 }') bytes"
}

echo "== exact model"
build_and_run exact

echo
echo "== axcc optimize: budget $BUDGET on the Fashion-MNIST test set (10,000 images)"
./build/axcc optimize $EX/fmnist_cnn.onnx --dim N=1 -q --budget "$BUDGET" \
	--data $DS/t10k-images-idx3-ubyte.gz --labels $DS/t10k-labels-idx1-ubyte.gz --scale 1/255 \
	-o "$OUT/plan.json"

echo
echo "== approximated model (plan $OUT/plan.json)"
build_and_run approx --plan "$OUT/plan.json"
