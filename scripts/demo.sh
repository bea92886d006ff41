#!/usr/bin/env bash
# demo.sh: the main job, end to end. Installs what is missing, builds axcc,
# compiles the shipped Fashion-MNIST model to C, builds that C with the system
# compiler, runs it on the example images, and prints its accuracy against
# the labels and its agreement with axcc's interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
EX=examples/fmnist
OUT=build/demo
mkdir -p "$OUT"
./build/axcc compile $EX/fmnist_cnn.onnx -o "$OUT" --name fmnist --dim N=1 -q
cc -std=c99 -O2 -Wall -Wextra -Wpedantic -Werror -I"$OUT" \
	"$OUT/fmnist.c" $EX/demo_main.c -o "$OUT/fmnist_demo" -lm
./build/axcc run $EX/fmnist_cnn.onnx --dim N=1 -q \
	--input $EX/data/images.npy --output "$OUT/interp_logits.npy"
"$OUT/fmnist_demo" $EX/data/images.npy $EX/data/labels.npy "$OUT/interp_logits.npy"
