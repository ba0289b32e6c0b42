#!/usr/bin/env bash
# Where the compiled blocks' warm-up goes when a call loads them from a compile cache, on a CUDA machine, in one run:
#   compile       the blocks compiled (`--compile`) from an empty inductor cache, saving a compile cache
#   load          a fresh process with an empty inductor cache loading that cache (as the next call would), its
#                 main thread's stack sampled every 5 ms (`--sample-stacks`; report in load-stacks.txt)
#   load-again    the same without the sampler (the warm-up a training call would pay)
#   load-serial   the same with inductor's compile workers off (TORCHINDUCTOR_COMPILE_THREADS=1)
#   compile-one-config, load-one-config   compile, then load, with `--compile-one-config` (no launch configs
#                 timed), their own cache
# RUNS picks and orders them (default: compile load load-again); a load run without its compile run before it takes
# COMPILE_CACHE, which must then hold the blocks. STEPS steps each (default 20), no scoring. Extra arguments go to
# every run. Logs and reports under $OUT; the sampled stacks and the runs' table come last.
#   COMPILE_CACHE=<an earlier run's compile-cache.bin.xz> bench/compile_load.sh --channels-last
set -euo pipefail
started=$(date +%s)
deadline=$((started + ${CALL_SECONDS:-570}))
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/compile-load}"
mkdir -p "$out"
cd "$repo/tools/segman"
python3 -c 'import torch; print("torch", torch.__version__)'
cache="${COMPILE_CACHE:+$(cd "$repo" && realpath "$COMPILE_CACHE")}"
one_config_cache="$cache"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
read -r -a runs <<< "${RUNS:-compile load load-again}"
for name in "${runs[@]}"; do
    extra=()
    environment=()
    run_cache="$cache"
    case "$name" in
        compile|load-again) ;;
        load) extra=(--sample-stacks "$out/load-stacks.txt") ;;
        load-serial) environment=(TORCHINDUCTOR_COMPILE_THREADS=1) ;;
        compile-one-config|load-one-config) extra=(--compile-one-config); run_cache="$one_config_cache" ;;
        *) echo "RUNS: unknown run '$name'" >&2; exit 2 ;;
    esac
    left=$((deadline - $(date +%s)))
    if [ "$left" -lt 60 ]; then echo "$name: not run, ${left} s left" | tee "$out/$name.log"; continue; fi
    # Each run its own empty inductor cache (Triton's goes under it): only the compile cache file carries over.
    env "${environment[@]}" TORCHINDUCTOR_CACHE_DIR="$scratch/$name" PYTHONUNBUFFERED=1 timeout "$left" \
        python3 -m segman.train --out "$out/$name" --minutes 5 --max-steps "${STEPS:-20}" --val 0 \
        --workers "${WORKERS:-12}" --attention tiled --compile ${run_cache:+--compile-cache "$run_cache"} \
        "${extra[@]}" "$@" > "$out/$name.log" 2>&1 \
        || echo "$name: exit $?: $(grep -m3 -iE "error|exception" "$out/$name.log" | cut -c1-300)"
    saved="$out/$name/compile-cache.bin.xz"
    if [ "$name" = compile ] && [ -f "$saved" ]; then cache="$saved"; fi
    if [ "$name" = compile-one-config ] && [ -f "$saved" ]; then one_config_cache="$saved"; fi
done
if [ -f "$out/load-stacks.txt" ]; then
    sed -n '/at the top/,/^$/p' "$out/load-stacks.txt" | head -22 | cut -c1-150
    sed -n '/innermost/,$p' "$out/load-stacks.txt" | cut -c1-900
fi
for name in "${runs[@]}"; do
    grep -H -i 'compile cache\|warm-up pass\|load_by_key_path\|benchmark_all_configs' "$out/$name.log" \
        | cut -c1-200 || true
done
echo "total $(($(date +%s) - started)) s"
reports=()
for name in "${runs[@]}"; do reports+=("$name=$out/$name/train.json"); done
python3 -m segman.runs_table "${reports[@]}" || true
