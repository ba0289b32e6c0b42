#!/usr/bin/env bash
# One GPU session for the native ops: build with CUDA and the TensorRT plugins, run the CPU, CUDA and IPluginV3
# tests, then the benchmark. Run from the repository root on a machine with nvcc, a GPU and PyTorch.
# Fetched, uncommitted material it expects under .device/ (git-ignored):
#   .device/tensorrt-10/include   TensorRT 10 headers (NVIDIA/TensorRT, release/10.3, include/)
#   .device/ort-include           ONNX Runtime headers (Microsoft.ML.OnnxRuntime NuGet build/native/include)
#   .device/vmamba                VMamba's csm_triton.py (the official Triton cross-scan/merge, imported at run time)
#   .device/vmamba_ext            the official selective_scan_cuda_oflex extension, prebuilt; where it is absent it is
#                                 built here from .device/vmamba/kernels/selective_scan with the backward stub
#                                 .device/recipes/vmamba_fwd_only.cpp (bench/native/build_official.py, ~2 minutes)
#   .device/googletest            GoogleTest sources, built here when GoogleTest is not installed
# (or pass SEGMAN_CMAKE_ARGS=-DGTest_DIR=<its cmake folder>).
# Logs and the result tables go to $OUT (or ./gpu-out). BENCH_ARGS go to bench_ops.py (e.g. --ops attention).
. "$(dirname "${BASH_SOURCE[0]}")/gpu_session.sh"
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
# The official extension builds while ours do (it only needs to be ready for the benchmark).
official_ext="$root/.device/vmamba_ext"
if ! ls "$official_ext"/selective_scan_cuda_oflex*.so >/dev/null 2>&1 && [ -d .device/vmamba/kernels/selective_scan ]; then
  official_ext=/tmp/vmamba_ext
  MAX_JOBS=8 python3 bench/native/build_official.py --source .device/vmamba/kernels/selective_scan \
    --stub .device/recipes/vmamba_fwd_only.cpp --out "$official_ext" >"$out/official_build.log" 2>&1 &
  official_pid=$!
fi
# GoogleTest, where the machine has none.
if [ -d .device/googletest ] && [[ "${SEGMAN_CMAKE_ARGS:-}" != *GTest* ]] && ! ls /usr/lib/*/cmake/GTest /usr/local/lib/cmake/GTest >/dev/null 2>&1; then
  (cmake -S .device/googletest -B /tmp/gtest-build -DCMAKE_INSTALL_PREFIX=/tmp/gtest -DCMAKE_BUILD_TYPE=Release &&
    cmake --build /tmp/gtest-build --parallel 8 && cmake --install /tmp/gtest-build) >"$out/gtest_build.log" 2>&1
  export SEGMAN_CMAKE_ARGS="${SEGMAN_CMAKE_ARGS:-} -DCMAKE_PREFIX_PATH=/tmp/gtest"
fi
# Registers, spills and shared memory of our kernels (sm_90), for the notes.
(for f in selective_scan_2d neighborhood_attention_2d neighborhood_attention_2d_mma; do
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
[ -n "${official_pid:-}" ] && { wait "$official_pid" || echo "the official extension did not build: $out/official_build.log"; }
if [ -f "$SEGMAN_BUILD_DIR/libsegman_cuda_capi.so" ]; then
  (cd bench/native && python3 bench_ops.py --lib "$SEGMAN_BUILD_DIR/libsegman_cuda_capi.so" "${baseline_args[@]}" \
    --vmamba "$root/.device/vmamba" --official-ext "$official_ext" --out "$out/results.md" ${BENCH_ARGS:-}) 2>&1 | tee "$out/bench.log" | grep -vE "^\|"
fi
echo "=== results"
cat "$out/results.md" 2>/dev/null
exit "$tests_status"
