#!/usr/bin/env bash
# Trains the demo SegMAN (T-slim4, on 256x512 scenes) on rendered road scenes on a CUDA machine and scores it on
# the rendered validation split at the input the agent runs it at (INFER, default 320x640: the frames are upsampled
# to it). Writes model.pth and train.json to $OUT (default artifacts/train); the summary table
# comes last. Extra arguments go to segman.train (a later option overrides the script's). The shipped recipe is the
# default: NHWC memory order (--channels-last: 6-10 % more frames a second on the H100), rare-class sampling
# (--rare-class-sampling 0.01), the Lovász-softmax loss beside the cross-entropy (--lovasz 2 --lovasz-stride 4) and
# each batch drawn and uploaded ahead of its step (segman.train's default --prefetch 2); bench/RESULTS.md has the
# runs that chose them. The shipped model's call added --compile --compile-mode reduce-overhead (the encoder blocks
# and the decoder compiled and replayed as CUDA graphs: 1.26x the frames of compiled blocks without graphs) with a
# compile cache that already held them: without one, compiling them takes minutes of the call.
# The whole script ends within CALL_MINUTES (default 8.75, inside one 9-minute call): the ops check and the
# compilation of the scan come first and take what they take on that machine, training gets the rest (at most
# MINUTES, default 10), and 15 s are kept for scoring the val scenes and saving.
# Each run saves what it compiled (compile-cache.bin.xz beside the checkpoint); COMPILE_CACHE=<that file> lets a later
# run on the same kind of machine load those kernels instead of compiling them, which leaves training more of the call.
# The sample drive is scored where the checkpoint lands (`python -m segman.evaluate --drive samples`), or here
# with DRIVE=1 (about a minute and a half, taken from the training budget).
#   bench/train_on_gpu.sh                                    # one 9-minute call
#   CALL_MINUTES=4 MINUTES=0.5 bench/train_on_gpu.sh --val 50 # a smoke run
set -euo pipefail
finish_by="$(awk -v now="$(date +%s.%N)" -v minutes="${CALL_MINUTES:-8.75}" 'BEGIN { printf "%.1f", now + 60 * minutes }')"
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/train}"
cd "$repo/tools/segman"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
python3 -c 'import torch, cv2, numpy; print("torch", torch.__version__, "cv2", cv2.__version__, "numpy", numpy.__version__)'
drive=()
reserve=15
if [ "${DRIVE:-0}" = 1 ]; then drive=(--drive "$repo/samples"); reserve=120; fi
cache=()
if [ -n "${COMPILE_CACHE:-}" ]; then cache=(--compile-cache "$(cd "$repo" && realpath "$COMPILE_CACHE")"); fi
infer="${INFER:-320x640}"
PYTHONUNBUFFERED=1 python3 -m segman.train --out "$out" --minutes "${MINUTES:-10}" --finish-by "$finish_by" \
    --reserve "$reserve" --variant "${VARIANT:-T-slim4}" --height 256 --width 512 --infer-height "${infer%x*}" \
    --infer-width "${infer#*x}" --workers "${WORKERS:-12}" --channels-last --rare-class-sampling 0.01 --lovasz 2 \
    --lovasz-stride 4 "${drive[@]}" "${cache[@]}" "$@"
