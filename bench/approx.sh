#!/usr/bin/env bash
# approx.sh: what the approximations buy on this machine (issues 6 and 7).
# For each trained Fashion-MNIST model (tests/models/fmnist_*), builds the C
# of: the exact float model; uniform 8-bit weights and activations
# (`compile --quantize 8`); the plan of `optimize --methods prune` and of
# `optimize` (prune + fixed) at a 1-point budget -- each with
# cc -std=c99 -O3 -march=native, linked with bench/driver.c -- and times them
# single-threaded, alternating variants in rounds (CPU time of ROUNDS x 10
# runs after warm-up: the fastest, which other load on the machine disturbs
# least, and the median). Prints per variant: held-out top-1, MACs, weight
# bytes, arena, flash (size of the -O2 object: text + data), latency and
# speed-up against float, and for pruned plans the saved fractions of MACs,
# latency (fastest run) and flash, and the latter two over the first (issue
# 7: each within 25% of it). Writes bench/out/approx.json.
#   bench/approx.sh [MODEL...]        (default: fmnist_vgg fmnist_mobilenet)
#   AXCC=build/axcc BUDGET=1% ROUNDS=20 bench/approx.sh
#   REUSE=1 bench/approx.sh           keep the plans of an earlier run
#                                     (bench/out/approx/MODEL/*.json, *.txt)
#   VARIANTS="float prune" bench/approx.sh   only these (float first)
set -euo pipefail
cd "$(dirname "$0")/.."
AXCC=${AXCC:-build/axcc}
BUDGET=${BUDGET:-1%}
ROUNDS=${ROUNDS:-20}
DS=/usr/share/datasets/fashion-mnist
X="--data $DS/t10k-images-idx3-ubyte.gz --scale 1/255"
DATA="$X --labels $DS/t10k-labels-idx1-ubyte.gz"
OUT=bench/out/approx
CC=${CC:-cc}
mkdir -p "$OUT"
[ -x "$AXCC" ] || { echo "approx.sh: build axcc first (./scripts/setup.sh)"; exit 1; }
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(fmnist_vgg fmnist_mobilenet)

json="["
for m in "${models[@]}"; do
	onnx=tests/models/$m/model.onnx
	d=$OUT/$m
	mkdir -p "$d"
	echo "== $m: making plans (optimize runs for prune and all unless REUSE=1 finds them)"
	variants=(${VARIANTS:-float q8 prune all})
	has() { [[ " ${variants[*]} " == *" $1 "* ]]; }
	if has q8; then
		"$AXCC" compile "$onnx" -q --quantize 8 $X --calib-samples 1000 -o "$d/q8" --name model >/dev/null
		cp "$d/q8/model.plan.json" "$d/q8.json"
	fi
	if has prune && { [ "${REUSE:-0}" != 1 ] || [ ! -s "$d/prune.json" ] || [ ! -s "$d/prune.txt" ]; }; then
		"$AXCC" optimize "$onnx" -q $DATA --budget "$BUDGET" --methods prune -o "$d/prune.json" \
			> "$d/prune.txt"
	fi
	if has all && { [ "${REUSE:-0}" != 1 ] || [ ! -s "$d/all.json" ] || [ ! -s "$d/all.txt" ]; }; then
		"$AXCC" optimize "$onnx" -q $DATA --budget "$BUDGET" -o "$d/all.json" > "$d/all.txt"
	fi
	# one 28x28 image as raw floats: the driver's input
	head -c 3136 /dev/zero > "$d/in.bin"
	for v in "${variants[@]}"; do
		plan=()
		[ "$v" = float ] || plan=(--plan "$d/$v.json")
		"$AXCC" compile "$onnx" -q "${plan[@]}" -o "$d/$v" --name model
		$CC -std=c99 -D_POSIX_C_SOURCE=200809L -O3 -march=native -I"$d/$v" "$d/$v/model.c" bench/driver.c -o "$d/$v/run" -lm
		$CC -std=c99 -O2 -I"$d/$v" -c "$d/$v/model.c" -o "$d/$v/model.o"
	done
	# rounds: every variant runs 10 times per round, order alternating
	for v in "${variants[@]}"; do : > "$d/$v.times"; done
	for ((r = 0; r < ROUNDS; r++)); do
		order=("${variants[@]}")
		if ((r % 2)); then order=(); for v in "${variants[@]}"; do order=("$v" "${order[@]}"); done; fi
		for v in "${order[@]}"; do
			printf 't 3\nt 10\nq\n' | "$d/$v/run" "$d/in.bin" /dev/null | tail -1 |
				tr ' ' '\n' | sed 1d | cut -d: -f2 >> "$d/$v.times"
		done
	done
	for v in "${variants[@]}"; do
		med=$(sort -n "$d/$v.times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
		min=$(sort -n "$d/$v.times" | head -1)
		rep=$d/$v/model.report.json
		macs=$(sed -n 's/^\t"macs":\t*\([0-9]*\).*/\1/p' "$rep" | head -1)
		wb=$(sed -n 's/^\t"weight_bytes":\t*\([0-9]*\).*/\1/p' "$rep" | head -1)
		ar=$(sed -n 's/^\t"arena_bytes":\t*\([0-9]*\).*/\1/p' "$rep" | head -1)
		fl=$(size "$d/$v/model.o" | awk 'NR == 2 { print $1 + $2 }')
		acc=
		case $v in
		prune|all) acc=$(awk '/^  plan/ { print $2 }' "$d/$v.txt") ;;
		esac
		echo "$v $med $macs $wb $ar $fl $min ${acc:--}" >> "$d/summary.txt.new"
	done
	mv "$d/summary.txt.new" "$d/summary.txt"
	echo
	echo "$m (CPU time of $((ROUNDS * 10)) runs: fastest / median, cc -O3 -march=native; flash: size of the -O2 object)"
	awk -v m="$m" '
		NR == 1 { t0 = $7; m0 = $3; f0 = $6 }
		{ printf "  %-6s %8.1f / %8.1f us  x%5.2f  MACs %9d (%.3f)  weights %8d B  arena %7d B  flash %8d B (%.3f)  %s\n",
			$1, $7 / 1000, $2 / 1000, t0 / $7, $3, $3 / m0, $4, $5, $6, $6 / f0, $8 != "-" ? "held-out " $8 : "" }
		$1 == "prune" && $3 < m0 {
			sm = 1 - $3 / m0; st = 1 - $7 / t0; sf = 1 - $6 / f0
			printf "  prune saves: MACs %.1f%%, latency %.1f%% (%.2f of it), flash %.1f%% (%.2f of it)\n",
				100 * sm, 100 * st, st / sm, 100 * sf, sf / sm }
	' "$d/summary.txt"
	json="$json$(awk -v m="$m" 'BEGIN { printf "{\"model\":\"%s\",\"variants\":[", m }
		{ printf "%s{\"variant\":\"%s\",\"cpu_ns\":%s,\"cpu_ns_min\":%s,\"macs\":%s,\"weight_bytes\":%s,\"arena_bytes\":%s,\"flash_bytes\":%s}",
			(NR > 1 ? "," : ""), $1, $2, $7, $3, $4, $5, $6 }
		END { printf "]}" }' "$d/summary.txt"),"
done
echo "${json%,}]" > bench/out/approx.json
echo
echo "wrote bench/out/approx.json"
