#!/usr/bin/env bash
# fxspeed.sh AXCC: the 8-bit Fashion-MNIST CNN (axcc compile --quantize 8)
# against the float one, both built with gcc -O3 -march=native and timed
# by bench/fxspeed.c (docs/FIXED_POINT.md, "Speed").
set -euo pipefail
AXCC=${1:-build/axcc}
SRC=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
M=$SRC/examples/fmnist/fmnist_cnn.onnx
"$AXCC" compile "$M" -o "$tmp/f32" --name model -q
"$AXCC" compile "$M" --quantize 8 --data "$SRC/examples/fmnist/data/images.npy" -o "$tmp/q8" --name model -q
for v in f32 q8; do
	gcc -O3 -march=native -I"$tmp/$v" "$tmp/$v/model.c" "$SRC/bench/fxspeed.c" -o "$tmp/$v.bin" -lm
done
for r in 1 2 3; do
	printf 'float: '; "$tmp/f32.bin"
	printf '8-bit: '; "$tmp/q8.bin"
done
