#!/usr/bin/env bash
# Training throughput of the demo SegMAN on a CUDA machine, side by side in one run, by how training runs the two
# ops: eager window gather, flex_attention, and the compiled fused formulation (each checked against the
# references before it trains). Short runs (STEPS steps, no evaluation); the table comes last.
#   bench/train_speed.sh                 # gather, flex and fused, 40 steps each
#   RUNS="gather fused" bench/train_speed.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/train-speed}"
steps="${STEPS:-40}"
read -r -a runs <<< "${RUNS:-gather flex fused}"
mkdir -p "$out"
cd "$repo/tools/segman"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
python3 -c 'import torch; print("torch", torch.__version__)'
for name in "${runs[@]}"; do
    PYTHONUNBUFFERED=1 python3 -m segman.train --out "$out/$name" --minutes 5 --max-steps "$steps" --val 0 \
        --workers "${WORKERS:-12}" --attention "$name" > "$out/$name.log" 2>&1 \
        || echo "$name failed: $(grep -m3 -i error "$out/$name.log")"
    grep -m1 "training ops" "$out/$name.log" || true
done
echo "| ops | warm-up s | train s | frames/s | peak GiB |"
echo "|---|---|---|---|---|"
for name in "${runs[@]}"; do
    python3 - "$out/$name/train.json" "$name" <<'PY' || echo "| $name | failed | | | |"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {r['warmupSeconds']} | {r['trainSeconds']} | {r['framesSeen'] / r['trainSeconds']:.1f} | {r['peakGpuMemoryGiB']} |")
PY
done
