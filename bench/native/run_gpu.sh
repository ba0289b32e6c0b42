#!/usr/bin/env bash
# One GPU session for the native ops: build with CUDA and the TensorRT plugins, run the CPU, CUDA and IPluginV3
# tests, then the benchmark. Run from the repository root on a machine with nvcc, a GPU and PyTorch.
# Fetched, uncommitted material it expects under .device/ (git-ignored):
#   .device/tensorrt-10/include   TensorRT 10 headers (NVIDIA/TensorRT, release/10.3, include/)
#   .device/ort-include           ONNX Runtime headers (Microsoft.ML.OnnxRuntime NuGet build/native/include)
#   .device/vmamba                VMamba's csm_triton.py (the official Triton cross-scan/merge, imported at run time)
#   .device/vmamba_ext            the official selective_scan_cuda_oflex extension, built outside this repository
# GoogleTest must be installed on the machine (or pass SEGMAN_CMAKE_ARGS=-DGTest_DIR=<its cmake folder>).
# Logs and the result tables go to $OUT (or ./gpu-out). BENCH_ARGS go to bench_ops.py (e.g. --ops attention).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="${OUT:-$root/gpu-out}"
mkdir -p "$out"
export PATH="$PATH:/usr/local/cuda/bin" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem --format=csv | tee "$out/gpu.txt"
nvcc --version | tail -2
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"

# Optional before/after: an earlier copy of native/tensorrt-plugins/kernels under .device/baseline is built into a
# second C entry-point library, and the benchmark times its kernels on the same inputs ("vs before").
if [ -d .device/baseline ]; then
  nvcc -std=c++17 -arch=sm_90 -O3 --use_fast_math -shared -Xcompiler -fPIC -I .device/baseline \
    -o /tmp/baseline_capi.so native/tensorrt-plugins/gpu/segman_cuda_capi.cpp .device/baseline/*.cu \
    .device/baseline/selective_scan_2d.cpp .device/baseline/neighborhood_attention_2d.cpp >"$out/baseline_build.log" 2>&1 &
  baseline_pid=$!
fi
# Registers, spills and shared memory of our kernels (sm_90), for the notes.
(for f in selective_scan_2d neighborhood_attention_2d; do
  nvcc -std=c++17 -arch=sm_90 -O3 --use_fast_math --resource-usage -c "native/tensorrt-plugins/kernels/$f.cu" \
    -I native/tensorrt-plugins/kernels -o /dev/null 2>&1 | c++filt
done) >"$out/resource_usage.txt" 2>&1 &

export SEGMAN_BUILD_DIR="$root/native/tensorrt-plugins/build-gpu"
export TENSORRT_INCLUDE_DIR="$root/.device/tensorrt-10/include" ORT_INCLUDE_DIR="$root/.device/ort-include"
native/tensorrt-plugins/gpu/run_gpu_tests.sh 2>&1 | tee "$out/tests.log" | grep -vE "^ *Start |Test +#[0-9]+:.*Passed"
tests_status=${PIPESTATUS[0]}
echo "gpu tests exit status: $tests_status"

baseline_args=()
if [ -n "${baseline_pid:-}" ] && wait "$baseline_pid" && [ -f /tmp/baseline_capi.so ]; then
  baseline_args=(--baseline-lib /tmp/baseline_capi.so)
fi
if [ -f "$SEGMAN_BUILD_DIR/libsegman_cuda_capi.so" ]; then
  (cd bench/native && python3 bench_ops.py --lib "$SEGMAN_BUILD_DIR/libsegman_cuda_capi.so" "${baseline_args[@]}" \
    --vmamba "$root/.device/vmamba" --official-ext "$root/.device/vmamba_ext" --out "$out/results.md" ${BENCH_ARGS:-}) 2>&1 | tee "$out/bench.log" | grep -vE "^\|"
fi
echo "=== results"
cat "$out/results.md" 2>/dev/null
exit "$tests_status"
