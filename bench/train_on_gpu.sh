#!/usr/bin/env bash
# Trains the demo SegMAN (T-slim4, 256x512) on rendered road scenes on a CUDA machine and scores it on the
# rendered validation split. Writes model.pth and train.json to $OUT (default artifacts/train); the summary table
# comes last. Extra arguments go to segman.train.
# Training runs the attention tiled and the scan compiled (--attention auto): about 3 minutes of checks and
# compilation come before the budget, so 5.25 minutes of training and the val scoring fit in one 9-minute call.
# The sample drive is scored where the checkpoint lands (`python -m segman.evaluate --drive samples`), or here
# with DRIVE=1 at the cost of about a minute and a half.
#   bench/train_on_gpu.sh                      # 5.25 minutes of training
#   MINUTES=0.5 bench/train_on_gpu.sh --val 50 # a smoke run
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/train}"
cd "$repo/tools/segman"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c 'import torch, cv2, numpy; print("torch", torch.__version__, "cv2", cv2.__version__, "numpy", numpy.__version__)'
drive=()
[ "${DRIVE:-0}" = 1 ] && drive=(--drive "$repo/samples")
PYTHONUNBUFFERED=1 python3 -m segman.train --out "$out" --minutes "${MINUTES:-5.25}" --variant "${VARIANT:-T-slim4}" \
    --height 256 --width 512 --workers "${WORKERS:-12}" "${drive[@]}" "$@"
