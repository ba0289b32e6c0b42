#!/usr/bin/env bash
# Logit adjustment and scoring of training runs on a CUDA machine: for each folder holding a run's model.pth and
# train.json, `segman.calibrate` (tau chosen on rendered training scenes) then `segman.evaluate` of the adjusted
# checkpoint on the first VAL (default 200) held-out scenes at INFER (default 320x640), fp32 with TF32 off; tau is
# chosen on CALIBRATION_FRAMES (default 160) rendered training scenes. The CPU machine takes about 15 minutes to
# calibrate and 25 to score one run; an H100 about a minute for both. Writes
# $OUT/<folder name>/{adjusted.pth,adjusted.calibration.json,calibrate.log,evaluate.log,val.json}; the table last.
#   OUT=$OUT bash bench/score_on_gpu.sh runs/a runs/b
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${OUT:-$repo/artifacts/score}"
infer="${INFER:-320x640}"
runs=()
for folder in "$@"; do runs+=("$(realpath "$folder")"); done
cd "$repo/tools/segman"
rows=()
for folder in "${runs[@]}"; do
    name="$(basename "$folder")"
    mkdir -p "$out/$name"
    python3 -m segman.calibrate --checkpoint "$folder/model.pth" --report "$folder/train.json" \
        --out "$out/$name/adjusted.pth" --height "${infer%x*}" --width "${infer#*x}" \
        --frames "${CALIBRATION_FRAMES:-160}" > "$out/$name/calibrate.log"
    python3 -m segman.evaluate --checkpoint "$out/$name/adjusted.pth" --height "${infer%x*}" --width "${infer#*x}" \
        --val "${VAL:-200}" --json "$out/$name/val.json" > "$out/$name/evaluate.log"
    rows+=("$(python3 - "$folder/train.json" "$out/$name/adjusted.calibration.json" "$out/$name/val.json" "$name" <<'PY'
import json, sys
train, calibration, val = (json.load(open(path)) for path in sys.argv[1:4])
before = 100 * train["val"]["mIoU"] if "val" in train else float("nan")
after = next(iter(next(iter(val.values())).values()))["mIoU"] * 100
tau = calibration["logitAdjustment"]["tau"]
print(f"| {sys.argv[4]} | {train['framesSeen']:,} | {before:.2f} | {tau:g} | {after:.2f} |")
PY
)")
done
echo "| run | frames seen | val mIoU, the run's | tau | val mIoU, adjusted |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
