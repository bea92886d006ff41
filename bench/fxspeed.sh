#!/usr/bin/env bash
# fxspeed.sh AXCC [MODEL.onnx...]: each Fashion-MNIST model (default the
# example CNN) in 8 bits (axcc compile --quantize 8, calibrated on the
# example's 1000 test images) against the float one, both built with
# gcc -O3 -march=native and timed by bench/fxspeed.c, float and 8-bit
# alternating, three rounds (docs/FIXED_POINT.md, "Speed"). The input is
# 1x1x28x28 pixels in [0, 1], as all the models take.
#   bench/fxspeed.sh build/axcc tests/models/fmnist_vgg/model.onnx tests/models/fmnist_mobilenet/model.onnx
set -euo pipefail
AXCC=${1:-build/axcc}
SRC=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ $# -gt 1 ] && shift 1 && models=("$@") || models=("$SRC/examples/fmnist/fmnist_cnn.onnx")
for M in "${models[@]}"; do
	echo "== $M"
	"$AXCC" compile "$M" -o "$tmp/f32" --name model -q
	"$AXCC" compile "$M" --quantize 8 --data "$SRC/examples/fmnist/data/images.npy" -o "$tmp/q8" --name model -q
	for v in f32 q8; do
		gcc -O3 -march=native -I"$tmp/$v" "$tmp/$v/model.c" "$SRC/bench/fxspeed.c" -o "$tmp/$v.bin" -lm
	done
	for r in 1 2 3; do
		printf 'float: '; "$tmp/f32.bin"
		printf '8-bit: '; "$tmp/q8.bin"
	done
done
