#!/usr/bin/env bash
# Training throughput of the ways a training step can run, on a CUDA machine, in one run: the same short run (STEPS
# steps of batch 64, no scoring; the tiled attention and the compiled scan in all of them) with
#   eager                   the blocks eager, the tiled attention's products as `auto` picks them (fused on CUDA)
#   explicit-products       the same with the products explicit (`--tile-products explicit`: fp32, logits in memory)
#   channels-last           eager, weights and inputs in NHWC memory order (`--channels-last`)
#   compiled                the blocks compiled (`--compile`)
#   compiled-from-cache     the same again, from the cache the run before saved (the warm-up a training call has)
#   cuda-graphs             compiled with CUDA graphs (`--compile-mode reduce-overhead`)
#   cuda-graphs-from-cache  the same again, from the cache
# each batch drawn in its step (`--prefetch 0`, as before prefetching was the default), and
#   eager-prefetch          eager, each batch drawn and uploaded ahead of its step on a thread (`--prefetch 2`)
#   compiled-prefetch       the blocks compiled, batches prefetched
#   cuda-graphs-prefetch    compiled with CUDA graphs, batches prefetched
#   cuda-graphs-prefetch-from-cache  the same again, from the cache the run before saved (a training call's warm-up)
# Each run loads the compile cache the run before it saved (the first one COMPILE_CACHE, if given), so only what
# is new gets compiled; RUNS picks and orders them (default: eager explicit-products). The whole script ends
# within CALL_SECONDS (default 570), a run cut short says so. Extra arguments go to every run. Logs, reports and
# the runs' compile caches under $OUT; the table comes last.
#   COMPILE_CACHE=<an earlier run's compile-cache.bin.xz> RUNS="eager compiled" bench/train_throughput.sh
set -euo pipefail
started=$(date +%s)
deadline=$((started + ${CALL_SECONDS:-570}))
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/train-throughput}"
mkdir -p "$out"
cd "$repo/tools/segman"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__)'
cache="${COMPILE_CACHE:+$(cd "$repo" && realpath "$COMPILE_CACHE")}"
declare -A options=([eager]="--prefetch 0" [explicit-products]="--prefetch 0 --tile-products explicit"
                    [channels-last]="--prefetch 0 --channels-last"
                    [compiled]="--prefetch 0 --compile" [compiled-from-cache]="--prefetch 0 --compile"
                    [cuda-graphs]="--prefetch 0 --compile --compile-mode reduce-overhead"
                    [cuda-graphs-from-cache]="--prefetch 0 --compile --compile-mode reduce-overhead"
                    [eager-prefetch]="--prefetch 2" [compiled-prefetch]="--compile --prefetch 2"
                    [cuda-graphs-prefetch]="--compile --compile-mode reduce-overhead --prefetch 2"
                    [cuda-graphs-prefetch-from-cache]="--compile --compile-mode reduce-overhead --prefetch 2")
read -r -a runs <<< "${RUNS:-eager explicit-products}"
for name in "${runs[@]}"; do
    if [ -z "${options[$name]+set}" ]; then echo "RUNS: unknown run '$name' (${!options[*]})" >&2; exit 2; fi
    left=$((deadline - $(date +%s)))
    if [ "$left" -lt 60 ]; then echo "$name: not run, ${left} s left" | tee "$out/$name.log"; continue; fi
    # shellcheck disable=SC2086  # the run's options are words
    PYTHONUNBUFFERED=1 timeout "$left" python3 -m segman.train --out "$out/$name" --minutes 5 \
        --max-steps "${STEPS:-120}" --val 0 --workers "${WORKERS:-12}" --attention tiled ${options[$name]} \
        ${cache:+--compile-cache "$cache"} "$@" > "$out/$name.log" 2>&1 || echo "$name: exit $? after $((
        $(date +%s) - deadline + left)) s: $(grep -m3 -iE "error|exception" "$out/$name.log" | cut -c1-300)"
    if [ -f "$out/$name/compile-cache.bin.xz" ]; then cache="$out/$name/compile-cache.bin.xz"; fi
done
echo "total $(($(date +%s) - started)) s"
reports=()
for name in "${runs[@]}"; do reports+=("$name=$out/$name/train.json"); done
python3 -m segman.runs_table "${reports[@]}"
