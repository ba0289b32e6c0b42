#!/usr/bin/env bash
# Training throughput of the demo SegMAN on a CUDA machine, side by side in one run: neighborhood attention by
# window gather, through flex_attention, and flex with the model compiled. First checks flex against the gather
# reference (forward and gradients). Short runs (STEPS steps, no evaluation); the table comes last.
#   bench/train_speed.sh            # 40 steps each
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/train-speed}"
steps="${STEPS:-40}"
mkdir -p "$out"
cd "$repo/tools/segman"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__)'
python3 -m segman.ops.flex_na | tee "$out.flex-check.txt" || true
declare -A flags=([gather]="--attention gather" [flex]="--attention flex" [flex-compiled]="--attention flex --compile")
for name in gather flex flex-compiled; do
    # shellcheck disable=SC2086
    PYTHONUNBUFFERED=1 python3 -m segman.train --out "$out/$name" --minutes 5 --max-steps "$steps" --val 0 \
        --workers "${WORKERS:-12}" ${flags[$name]} > "$out.$name.log" 2>&1 || echo "$name failed: $(tail -5 "$out.$name.log")"
done
echo "| run | warm-up s | train s | frames/s | peak GiB |"
echo "|---|---|---|---|---|"
for name in gather flex flex-compiled; do
    python3 - "$out/$name/train.json" "$name" <<'PY' || echo "| $name | failed | | | |"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {r['warmupSeconds']} | {r['trainSeconds']} | {r['framesSeen'] / r['trainSeconds']:.1f} | {r['peakGpuMemoryGiB']} |")
PY
done
