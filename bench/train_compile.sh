#!/usr/bin/env bash
# Training throughput with the model's blocks compiled (`segman.train --compile`) against the blocks eager, on a
# CUDA machine, in one run: the same short run (STEPS steps of batch 64, no scoring; the tiled attention and the
# compiled scan in all of them) with the blocks eager, compiled, compiled again from the cache the compiling run
# saved (the warm-up a training call then has), and compiled with CUDA graphs (`--compile-mode reduce-overhead`).
# Each run loads the compile cache the run before it saved (the first one COMPILE_CACHE, if given), so only what
# is new gets compiled; RUNS picks and orders them (default: eager compiled compiled-from-cache cuda-graphs;
# also cuda-graphs-from-cache). The whole script ends within CALL_SECONDS (default 570), a run cut short says so.
# Logs, reports and the runs' compile caches under $OUT; the table comes last.
#   COMPILE_CACHE=<an earlier run's compile-cache.bin.xz> bench/train_compile.sh
set -euo pipefail
started=$(date +%s)
deadline=$((started + ${CALL_SECONDS:-570}))
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/train-compile}"
mkdir -p "$out"
cd "$repo/tools/segman"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__)'
cache="${COMPILE_CACHE:+$(cd "$repo" && realpath "$COMPILE_CACHE")}"
declare -A options=([eager]="" [compiled]="--compile" [compiled-from-cache]="--compile"
                    [cuda-graphs]="--compile --compile-mode reduce-overhead"
                    [cuda-graphs-from-cache]="--compile --compile-mode reduce-overhead")
read -r -a runs <<< "${RUNS:-eager compiled compiled-from-cache cuda-graphs}"
for name in "${runs[@]}"; do
    if [ -z "${options[$name]+set}" ]; then echo "RUNS: unknown run '$name' (${!options[*]})" >&2; exit 2; fi
    left=$((deadline - $(date +%s)))
    if [ "$left" -lt 60 ]; then echo "$name: not run, ${left} s left" | tee "$out/$name.log"; continue; fi
    # shellcheck disable=SC2086  # the run's options are words
    PYTHONUNBUFFERED=1 timeout "$left" python3 -m segman.train --out "$out/$name" --minutes 5 \
        --max-steps "${STEPS:-120}" --val 0 --workers "${WORKERS:-12}" --attention tiled ${options[$name]} \
        ${cache:+--compile-cache "$cache"} > "$out/$name.log" 2>&1 || echo "$name: exit $? after $((
        $(date +%s) - deadline + left)) s: $(grep -m3 -iE "error|exception" "$out/$name.log" | cut -c1-300)"
    if [ -f "$out/$name/compile-cache.bin.xz" ]; then cache="$out/$name/compile-cache.bin.xz"; fi
done
echo "total $(($(date +%s) - started)) s"
echo "| blocks | check s | warm-up s | train s | steps | frames/s | after 10 steps | peak GiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for name in "${runs[@]}"; do
    python3 - "$out/$name/train.json" "$name" 2>/dev/null <<'PY' || echo "| $name | did not finish | | | | | | |"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {r['checkSeconds']} | {r['warmupSeconds']} | {r['trainSeconds']} | {r['steps']} | "
      f"{r['framesSeen'] / r['trainSeconds']:.1f} | {r.get('steadyFramesPerSecond')} | {r['peakGpuMemoryGiB']} |")
PY
done
