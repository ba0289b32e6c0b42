#!/usr/bin/env bash
# Where a training step of the demo SegMAN spends its time on a CUDA machine (torch.profiler over PROFILE steps,
# the costliest device ops first; the trace lands in $OUT/profile/profile.json), then the throughput with the
# model's blocks compiled (`--compile`) around the gathered windows. Extra arguments go to both runs.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/train-profile}"
mkdir -p "$out"
cd "$repo/tools/segman"
PYTHONUNBUFFERED=1 python3 -m segman.train --out "$out/profile" --minutes 5 --max-steps 1 --val 0 \
    --workers "${WORKERS:-12}" --attention gather --profile "${PROFILE:-4}" "$@" > "$out/profile.log" 2>&1 \
    || echo "profile run failed: $(tail -5 "$out/profile.log")"
PYTHONUNBUFFERED=1 python3 -m segman.train --out "$out/compiled" --minutes 5 --max-steps "${STEPS:-40}" --val 0 \
    --workers "${WORKERS:-12}" --attention gather --compile "$@" > "$out/compiled.log" 2>&1 \
    || echo "compiled run failed: $(grep -m3 -i error "$out/compiled.log")"
grep -A40 "^-----" "$out/profile.log" | cut -c1-170 | head -45
tail -14 "$out/compiled.log"
