#!/usr/bin/env bash
# The training-time forms of the two ops on a CUDA machine, in one run: the tiled attention checked against the
# gather reference (fp32, forward and gradients), forward+backward times of every form on the demo model's stage
# shapes (`segman.ops.speed`), then short training runs with the tiled attention at batch 32 (with a profile of
# PROFILE steps) and batch 64: warm-up and frames per second. Tables last; logs in $OUT.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/train-ops}"
mkdir -p "$out"
cd "$repo/tools/segman"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -m segman.ops.tiled_na | tee "$out/tiled_check.md"
python3 -m segman.ops.speed --repeats "${REPEATS:-10}" | tee "$out/speed.md"
for batch in ${BATCHES:-32 64}; do
    PYTHONUNBUFFERED=1 python3 -m segman.train --out "$out/b$batch" --minutes 5 --max-steps $((3200 / batch)) \
        --val 0 --workers "${WORKERS:-12}" --attention tiled --batch "$batch" \
        $([ "$batch" = 32 ] && echo --profile "${PROFILE:-3}") > "$out/b$batch.log" 2>&1 \
        || echo "batch $batch failed: $(grep -m3 -i error "$out/b$batch.log")"
done
grep -B2 -A28 "^-----" "$out/b32.log" | cut -c1-160 | head -34 || true
reports=()
for batch in ${BATCHES:-32 64}; do reports+=("batch $batch=$out/b$batch/train.json"); done
python3 -m segman.runs_table "${reports[@]}"
cat "$out/tiled_check.md" "$out/speed.md" | grep -E "^\||worst"
