#!/usr/bin/env bash
# targets.sh AXCC SRCDIR: the generated C of every end-to-end model and of
# the example builds with gcc and clang at -std=c99 -Wall -Wextra -Wpedantic
# -Werror -O2 and for Cortex-M4 (arm-none-eabi-gcc, hard float), two
# compiles give identical bytes, and --runtime external builds against the
# installed runtime. Prints one line per model and 'N passed, N failed'.
set -uo pipefail
AXCC=$1 SRC=$2
STRICT="-std=c99 -Wall -Wextra -Wpedantic -Werror -O2"
ARM="arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

check() {   # name model
	local name=$1 model=$2 d=$tmp/$1 why=""
	"$AXCC" compile "$model" -o "$d/a" --name m -q || why="axcc compile"
	[ -z "$why" ] && { "$AXCC" compile "$model" -o "$d/b" --name m -q && cmp -s "$d/a/m.c" "$d/b/m.c" \
		&& cmp -s "$d/a/m.h" "$d/b/m.h" || why="not deterministic"; }
	[ -z "$why" ] && { gcc $STRICT -c "$d/a/m.c" -o "$d/g.o" 2>"$d/err" || why="gcc"; }
	[ -z "$why" ] && command -v clang-14 >/dev/null && { clang-14 $STRICT -c "$d/a/m.c" -o "$d/c.o" 2>"$d/err" || why="clang"; }
	[ -z "$why" ] && command -v arm-none-eabi-gcc >/dev/null && { $ARM $STRICT -c "$d/a/m.c" -o "$d/arm.o" 2>"$d/err" || why="arm-none-eabi-gcc"; }
	if [ -z "$why" ]; then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); echo "FAIL $name: $why"; head -5 "$d/err" 2>/dev/null
	fi
}

check example_fmnist "$SRC/examples/fmnist/fmnist_cnn.onnx"
for m in "$SRC"/tests/models/*/model.onnx; do
	check "$(basename "$(dirname "$m")")" "$m"
done

# --runtime external against an installed axcc (not in sanitizer builds:
# their libaxrt.a needs the sanitizer runtime of the compiler that built it)
BUILD=$(dirname "$AXCC")
if [ "${3:-0}" = 1 ]; then
	echo "skip runtime_external (sanitizer build)"
elif cmake --install "$BUILD" --prefix "$tmp/inst" >/dev/null 2>&1 &&
	"$tmp/inst/bin/axcc" compile "$SRC/examples/fmnist/fmnist_cnn.onnx" -o "$tmp/ext" --runtime external --name m -q &&
	printf '#include "m.h"\nstatic const float x[1][1][28][28];\nint main(void){static float y[1][10];return m_run(x,y);}\n' > "$tmp/ext/main.c" &&
	gcc $STRICT -I"$tmp/inst/include/axrt" "$tmp/ext/m.c" "$tmp/ext/main.c" -L"$tmp/inst/lib" -laxrt -lm -o "$tmp/ext/prog" &&
	"$tmp/ext/prog"; then
	pass=$((pass + 1)); echo "ok   runtime_external"
else
	fail=$((fail + 1)); echo "FAIL runtime_external"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
