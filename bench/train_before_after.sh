#!/usr/bin/env bash
# Training throughput of this checkout's training loop against an earlier copy of it, side by side in one call on a
# CUDA machine: the same short run (STEPS steps, default 200, of the shipped recipe, no scoring) from BEFORE (a
# folder holding an earlier tools/segman, e.g. `git archive <commit> tools/segman | tar -x -C <folder>`) and from
# this checkout, alternating before, after, before, after, so that drift of the machine shows; then the runs named
# in AFTER_ALSO (default "--compile": the blocks compiled, this checkout only) and, with PROFILE=1, a profile of 3
# steps that prints how much of a step the device is busy. Extra arguments go to every run (e.g. --compile-cache
# FILE, which both copies must be able to load). Logs under $OUT; the table last.
#   BEFORE=<folder> OUT=$OUT bash bench/train_before_after.sh --compile-cache <file>
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/train-before-after}"
before="$(realpath "${BEFORE:?BEFORE=<folder holding an earlier tools/segman>}")"
[ -d "$before/tools/segman/segman" ] || { echo "BEFORE: $before holds no tools/segman" >&2; exit 2; }
mkdir -p "$out"
recipe=(--minutes 5 --max-steps "${STEPS:-200}" --val 0 --workers "${WORKERS:-12}" --attention tiled --channels-last
        --rare-class-sampling 0.01 --lovasz 2 --lovasz-stride 4)
names=()

run() {  # name, tools folder, then the run's own options
    local name=$1 tools=$2
    shift 2
    names+=("$name=$out/$name/train.json")
    (cd "$tools" && PYTHONUNBUFFERED=1 timeout 240 python3 -m segman.train --out "$out/$name" "${recipe[@]}" "$@") \
        > "$out/$name.log" 2>&1 || echo "$name: exit $?: $(tail -2 "$out/$name.log")"
}

run before-1 "$before/tools/segman" "$@"
run after-1 "$repo/tools/segman" "$@"
run before-2 "$before/tools/segman" "$@"
run after-2 "$repo/tools/segman" "$@"
# shellcheck disable=SC2086  # its options are words
run after-also "$repo/tools/segman" ${AFTER_ALSO---compile} "$@"
if [ "${PROFILE:-0}" = 1 ]; then
    (cd "$repo/tools/segman" && PYTHONUNBUFFERED=1 timeout 200 python3 -m segman.train --out "$out/profile" \
        "${recipe[@]}" --max-steps 12 --profile 3 "$@") > "$out/profile.log" 2>&1
    grep "device busy" "$out/profile.log"
fi
(cd "$repo/tools/segman" && python3 -m segman.runs_table "${names[@]}") | tee "$out/table.md"
