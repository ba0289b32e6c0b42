#!/usr/bin/env bash
# Builds the native ops with CUDA (and the TensorRT plugins when TENSORRT_INCLUDE_DIR is set) and runs the CPU
# tests, the CUDA kernel tests and the IPluginV3 tests. Needs nvcc and a GPU.
#   SEGMAN_BUILD_DIR (default build-gpu), ORT_INCLUDE_DIR, TENSORRT_INCLUDE_DIR as for build.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SEGMAN_BUILD_DIR="${SEGMAN_BUILD_DIR:-$here/build-gpu}"
command -v nvcc >/dev/null || export PATH="$PATH:/usr/local/cuda/bin"
"$here/build.sh" --quiet-tests
status=0
"$SEGMAN_BUILD_DIR/segman_cuda_test" --gtest_brief=1 || status=1
if [ -x "$SEGMAN_BUILD_DIR/segman_trt_plugins_test" ]; then
  "$SEGMAN_BUILD_DIR/segman_trt_plugins_test" --gtest_brief=1 || status=1
else
  echo "run_gpu_tests: TensorRT plugins not built (TENSORRT_INCLUDE_DIR unset)"
fi
exit $status
