#!/usr/bin/env bash
# Configures, builds (Release) and tests the native ops; the last line printed is ctest's summary.
#
#   native/tensorrt-plugins/build.sh [--quiet-tests]
#
# Environment (all optional):
#   SEGMAN_BUILD_DIR       build folder (default: native/tensorrt-plugins/build)
#   ORT_INCLUDE_DIR        ONNX Runtime C/C++ headers (default: the Microsoft.ML.OnnxRuntime NuGet package in the
#                          NuGet cache, restored through src/Edge.Kernels when missing)
#   SEGMAN_CUDA=0          skip CUDA even when nvcc is found (CUDACXX or nvcc on PATH picks the compiler)
#   TENSORRT_INCLUDE_DIR   TensorRT 10 include/ folder; the TensorRT plugins are built when it is set
#   SEGMAN_PORTABLE=1      do not tune the CPU kernels for this machine (-march=native)
#   SEGMAN_CMAKE_ARGS      extra CMake arguments (e.g. -DGTest_DIR=... where GoogleTest is not installed system-wide)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${SEGMAN_BUILD_DIR:-$here/build}"
quiet=0
for arg in "$@"; do
  case "$arg" in
    --quiet-tests) quiet=1 ;;
    *) echo "build.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

# The ONNX Runtime version is the one the .NET projects pin, so the library matches the runtime that loads it.
ort_version="$(sed -nE 's/.*"Microsoft\.ML\.OnnxRuntime" Version="([^"]+)".*/\1/p' "$repo/Directory.Packages.props" | head -1)"
ort_version="${ort_version:-1.31.1}"
nuget_root="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
ort_include="${ORT_INCLUDE_DIR:-$nuget_root/microsoft.ml.onnxruntime/$ort_version/build/native/include}"
if [ ! -f "$ort_include/onnxruntime_cxx_api.h" ] && [ -z "${ORT_INCLUDE_DIR:-}" ] && command -v dotnet >/dev/null 2>&1; then
  echo "build.sh: restoring Microsoft.ML.OnnxRuntime $ort_version for its headers"
  dotnet restore "$repo/src/Edge.Kernels" --verbosity quiet
fi

args=(-DCMAKE_BUILD_TYPE=Release "-DSEGMAN_ORT_VERSION=$ort_version")
[ -f "$ort_include/onnxruntime_cxx_api.h" ] && args+=("-DORT_INCLUDE_DIR=$ort_include")
[ "${SEGMAN_CUDA:-1}" = "0" ] && args+=(-DSEGMAN_WITH_CUDA=OFF)
[ -n "${TENSORRT_INCLUDE_DIR:-}" ] && args+=("-DTENSORRT_INCLUDE_DIR=$TENSORRT_INCLUDE_DIR")
[ "${SEGMAN_PORTABLE:-0}" = "1" ] || args+=(-DSEGMAN_NATIVE_CPU=ON)
# shellcheck disable=SC2206
[ -n "${SEGMAN_CMAKE_ARGS:-}" ] && args+=(${SEGMAN_CMAKE_ARGS})

jobs="$(nproc 2>/dev/null || echo 2)"
mkdir -p "$build"
cmake -S "$here" -B "$build" "${args[@]}" >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
grep -E "^-- SegMan" "$build/configure.log" || true
cmake --build "$build" --parallel "$jobs"

ctest_args=(--test-dir "$build" --output-on-failure --parallel "$jobs")
[ "$quiet" = 1 ] && ctest_args+=(--progress)
ctest "${ctest_args[@]}"
