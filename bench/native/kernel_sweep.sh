#!/usr/bin/env bash
# Variant sweep of one CUDA op, on a GPU machine: builds our C entry-point library once as committed and once per
# variant (the op's kernel file compiled again with macros set), times them side by side on the benchmark's maps
# (bench_ops.py --also; each variant's output is checked against ours), and for the scan records the committed
# kernels under Nsight Compute on a few maps. Needs nvcc, PyTorch, and for the official scan kernel the fetched
# material run_gpu.sh describes (.device/vmamba, .device/recipes). Run from the repository root.
#   OP         scan (default: selective_scan_2d.cu) or attention (neighborhood_attention_2d_mma.cu; fp16 unless
#              BENCH_ARGS says --dtypes fp32; fp32's forms: SEGMAN_ATTENTION_FP32_FORM=1, 2 or 3, square, wide, split)
#   SWEEP      variants, "name:flags;name:flags" (default below; "same" repeats ours to show the timing noise)
#   PROFILE    scan maps for ncu, "DxHxW:dtype ..." (empty: no profile)
#   BENCH_ARGS more arguments for bench_ops.py
# With .device/baseline (an earlier copy of native/tensorrt-plugins/kernels) its copy of the op's file is built too
# and timed as "before".
. "$(dirname "${BASH_SOURCE[0]}")/gpu_session.sh"
kernels=native/tensorrt-plugins/kernels
work=/tmp/kernel-sweep
mkdir -p "$work"
op="${OP:-scan}"
case $op in
  scan) variant_file=selective_scan_2d.cu bench_ops=(--ops scan --skip-torch) ;;
  attention) variant_file=neighborhood_attention_2d_mma.cu bench_ops=(--ops attention --dtypes fp16 --flex-seconds 0) ;;
  *) echo "OP must be scan or attention, not '$op'"; exit 2 ;;
esac
sweep="${SWEEP:-same:}"
profile="${PROFILE-384x16x32:fp32 144x32x64:fp32 64x64x128:fp32 32x256x512:fp32}"
[ "$op" = scan ] || profile=""
nvcc_flags=(-std=c++17 -arch=sm_90 -O3 --use_fast_math -Xcompiler -fPIC -I "$kernels")

official_ext="$root/.device/vmamba_ext"
if [ "$op" = scan ] && ! ls "$official_ext"/selective_scan_cuda_oflex*.so >/dev/null 2>&1 &&
  [ -d .device/vmamba/kernels/selective_scan ]; then
  official_ext="$work/vmamba_ext"
  MAX_JOBS=6 python3 bench/native/build_official.py --source .device/vmamba/kernels/selective_scan \
    --stub .device/recipes/vmamba_fwd_only.cpp --out "$official_ext" >"$work/official_build.log" 2>&1 &
  official_pid=$!
fi

# Everything but the op's kernel file once; then that file per variant.
common=()
for f in device_limits.cu neighborhood_attention_2d.cu neighborhood_attention_2d_mma.cu selective_scan_2d.cu \
  neighborhood_attention_2d.cpp selective_scan_2d.cpp; do
  [ "$f" = "$variant_file" ] && continue
  nvcc "${nvcc_flags[@]}" -c "$kernels/$f" -o "$work/${f//./_}.o" >"$work/build_$f.log" 2>&1 &
  common+=("$work/${f//./_}.o")
done
nvcc "${nvcc_flags[@]}" -c native/tensorrt-plugins/gpu/segman_cuda_capi.cpp -o "$work/capi.o" \
  >"$work/build_capi.log" 2>&1 &
common+=("$work/capi.o")
build_variant() {  # name, kernels folder, flags...
  local name=$1 dir=$2
  shift 2
  nvcc "${nvcc_flags[@]}" --resource-usage -I "$dir" "$@" -c "$dir/$variant_file" -o "$work/variant_$name.o" \
    >"$work/build_$name.log" 2>&1
  c++filt <"$work/build_$name.log" >"$out/resource_usage_$name.txt"  # registers, spills, shared memory
}
build_variant ours "$kernels" &
[ -d .device/baseline ] && build_variant before .device/baseline &
IFS=';' read -ra entries <<<"$sweep"
for entry in "${entries[@]}"; do
  name=${entry%%:*}
  flags=${entry#*:}
  # shellcheck disable=SC2086
  build_variant "$name" "$kernels" $flags &
done
wait $(jobs -p | grep -v "^${official_pid:-none}$") 2>/dev/null
also=()
names=(ours $(for e in "${entries[@]}"; do echo "${e%%:*}"; done))
[ -d .device/baseline ] && names+=(before)
for name in "${names[@]}"; do
  if [ -f "$work/variant_$name.o" ] &&
    nvcc -shared "$work/variant_$name.o" "${common[@]}" -o "$work/$name.so" 2>>"$work/build_$name.log"; then
    case $name in
      ours) ;;
      before) also+=(--baseline-lib "$work/before.so") ;;
      *) also+=(--also "$name=$work/$name.so") ;;
    esac
  else
    echo "variant $name did not build (build_logs.txt)"
  fi
done
tail -n 20 "$work"/build_*.log >"$out/build_logs.txt" 2>&1
[ -f "$work/ours.so" ] || { echo "our library did not build"; cat "$out/build_logs.txt"; exit 1; }

if [ -n "$profile" ] && command -v ncu >/dev/null; then
  maps=()
  for m in $profile; do maps+=(--map "$m"); done
  (cd bench/native && timeout 150 ncu --clock-control none -k "regex:summarise|carry|apply|map_kernel|resident" \
    --section SpeedOfLight --section LaunchStats --section Occupancy --section WarpStateStats \
    python3 profile_scan.py --lib "$work/ours.so" --calls 2 "${maps[@]}") >"$out/ncu.txt" 2>&1
  echo "ncu exit status $?; kernel durations (us), in launch order:"
  awk '/^  [a-zA-Z_].*\(/ {name=$0; sub(/\(.*/, "", name); sub(/.*::/, "", name)} /Duration/ {print "  " name, $NF}' \
    "$out/ncu.txt" | head -60
fi

if [ -n "${official_pid:-}" ] && ! wait "$official_pid"; then
  echo "the official extension did not build"
  tail -20 "$work/official_build.log"
fi
(cd bench/native && python3 bench_ops.py --lib "$work/ours.so" --vmamba "$root/.device/vmamba" \
  --official-ext "$official_ext" "${bench_ops[@]}" "${also[@]}" --out "$out/results.md" ${BENCH_ARGS:-}) \
  2>&1 | tee "$out/bench.log" | grep -E "variants|copy bandwidth|Error|error"
echo "=== results"
cat "$out/results.md" 2>/dev/null
wait
