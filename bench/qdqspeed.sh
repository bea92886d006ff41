#!/usr/bin/env bash
# qdqspeed.sh AXCC: tests/models/qdq_cnn_u8 on the integer kernels, on the
# reference integer kernels (the fast kernels' names swapped in the
# generated C) and as its float network (tools/make_qdq_models.py --float),
# each built with gcc -O3 -march=native and timed by bench/qdqspeed.c,
# alternating, three rounds (docs/QDQ.md, "Speed").
set -euo pipefail
AXCC=${1:-build/axcc}
SRC=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
M=$SRC/tests/models/qdq_cnn_u8/model.onnx
/usr/bin/python3 "$SRC/tools/make_qdq_models.py" --float "$M" "$tmp/f32.onnx"
"$AXCC" compile "$M" -o "$tmp/int" --name model -q
"$AXCC" compile "$tmp/f32.onnx" -o "$tmp/f32" --name model -q
mkdir -p "$tmp/ref"
cp "$tmp/int/model.h" "$tmp/ref/"
sed 's/axrt_qdq_conv_fast(&/axrt_qdq_conv(\&/; s/axrt_qdq_gemm_fast(&/axrt_qdq_gemm(\&/' \
	"$tmp/int/model.c" > "$tmp/ref/model.c"
for v in int ref f32; do
	gcc -O3 -march=native -I"$tmp/$v" "$tmp/$v/model.c" "$SRC/bench/qdqspeed.c" -o "$tmp/$v.bin" -lm
done
for r in 1 2 3; do
	printf 'integer:   '; "$tmp/int.bin"
	printf 'reference: '; "$tmp/ref.bin"
	printf 'float:     '; "$tmp/f32.bin"
done
