#!/usr/bin/env bash
# Builds ONNX Runtime with the CUDA and TensorRT execution providers for Jetson (JetPack 6, aarch64) and collects
# the C API library the .NET agent loads, with its provider libraries and headers:
#
#   <out>/lib/libonnxruntime.so                    replaces the CPU-only one from the Microsoft.ML.OnnxRuntime package
#   <out>/lib/libonnxruntime_providers_shared.so   \
#   <out>/lib/libonnxruntime_providers_cuda.so      > loaded by libonnxruntime.so from its own folder
#   <out>/lib/libonnxruntime_providers_tensorrt.so /
#   <out>/include/*.h                              C/C++ API headers (the custom-op library compiles against them)
#   <out>/BUILDINFO.txt                            versions it was built from
#
# Runs on the device or inside an L4T JetPack container (nvcr.io/nvidia/l4t-jetpack:r36.x). Build the version of the
# managed package (Directory.Packages.props; read from there when this script sits in the repository): the managed
# code asks the native library for its own API version, which an older library does not offer.
#
# Usage: build-onnxruntime.sh [--version X.Y.Z] [--archs 87] [--out DIR] [--src DIR] [--jobs N]
#                             [--publish-dir DIR] [--keep-src] [--cuda-only]
#   --cuda-only  build without the TensorRT provider (the fallback when it does not compile against the installed
#                TensorRT); the agent then runs with ExecutionProvider=cuda
# Environment: CUDA_HOME (/usr/local/cuda), CUDNN_HOME and TENSORRT_HOME (/usr/lib/aarch64-linux-gnu),
#              ORT_EXTRA_DEFINES (extra CMake definitions, space separated, without -D).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
props="$here/../../Directory.Packages.props"
version="$(sed -n 's/.*Include="Microsoft.ML.OnnxRuntime" Version="\([^"]*\)".*/\1/p' "$props" 2>/dev/null || true)"
version="${version:-1.31.1}"
archs="87"
out="$PWD/onnxruntime-dist"
src="${TMPDIR:-/tmp}/onnxruntime-src"
jobs=""
publish_dir=""
keep_src=0
tensorrt=1
repo_url="https://github.com/microsoft/onnxruntime"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
die() { echo "build-onnxruntime: $*" >&2; exit 1; }
log() { echo "build-onnxruntime: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="${2:?}"; shift 2 ;;
    --archs) archs="${2:?}"; shift 2 ;;
    --out) out="${2:?}"; shift 2 ;;
    --src) src="${2:?}"; shift 2 ;;
    --jobs) jobs="${2:?}"; shift 2 ;;
    --publish-dir) publish_dir="${2:?}"; shift 2 ;;
    --keep-src) keep_src=1; shift ;;
    --cuda-only) tensorrt=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

cuda_home="${CUDA_HOME:-/usr/local/cuda}"
cudnn_home="${CUDNN_HOME:-/usr/lib/aarch64-linux-gnu}"
tensorrt_home="${TENSORRT_HOME:-/usr/lib/aarch64-linux-gnu}"
trt_include="${TENSORRT_INCLUDE:-/usr/include/aarch64-linux-gnu}"

# ---- preflight: fail in seconds, not after an hour of compiling
[ "$(uname -m)" = "aarch64" ] || die "this builds for Jetson (aarch64); this machine is $(uname -m)"
[ -x "$cuda_home/bin/nvcc" ] || die "nvcc not found under CUDA_HOME=$cuda_home (JetPack's CUDA toolkit: apt-get install nvidia-jetpack, or use the l4t-jetpack container)"
ls "$cudnn_home"/libcudnn.so* >/dev/null 2>&1 || die "libcudnn.so not found in CUDNN_HOME=$cudnn_home"
for tool in git python3 g++; do command -v "$tool" >/dev/null || die "$tool is required"; done
cuda_version="$("$cuda_home/bin/nvcc" --version | sed -n 's/.*release \([0-9.]*\),.*/\1/p')"

trt_version="none"
if [ "$tensorrt" -eq 1 ]; then
  [ -f "$trt_include/NvInferVersion.h" ] || die "TensorRT headers not found in $trt_include (set TENSORRT_INCLUDE)"
  ls "$tensorrt_home"/libnvinfer.so* >/dev/null 2>&1 || die "libnvinfer.so not found in TENSORRT_HOME=$tensorrt_home"
  trt_define() { awk -v k="$1" '$1 == "#define" && $2 == k { print $3 }' "$trt_include/NvInferVersion.h"; }
  trt_major="$(trt_define TRT_MAJOR_ENTERPRISE)"; trt_major="${trt_major:-$(trt_define NV_TENSORRT_MAJOR)}"
  trt_minor="$(trt_define TRT_MINOR_ENTERPRISE)"; trt_minor="${trt_minor:-$(trt_define NV_TENSORRT_MINOR)}"
  trt_patch="$(trt_define TRT_PATCH_ENTERPRISE)"; trt_patch="${trt_patch:-$(trt_define NV_TENSORRT_PATCH)}"
  trt_version="${trt_major}.${trt_minor}.${trt_patch}"
  [ "${trt_major:-0}" -ge 10 ] || die "TensorRT $trt_version found; ONNX Runtime $version needs TensorRT 10 (JetPack 6.1 or newer)"
fi
log "ONNX Runtime $version for sm_${archs//;/, sm_} with CUDA $cuda_version, TensorRT $trt_version"

# nvcc needs several GB per job; an Orin Nano (8 GB, shared with the GPU) manages two.
if [ -z "$jobs" ]; then
  mem_gb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1048576 }' /proc/meminfo)
  jobs=$(( (mem_gb - 2) / 3 )); [ "$jobs" -ge 1 ] || jobs=1
  [ "$jobs" -le "$(nproc)" ] || jobs="$(nproc)"
  log "$mem_gb GB of memory: $jobs parallel jobs (override with --jobs; add swap if the compiler is killed)"
fi

# ---- sources
if [ -d "$src/.git" ]; then
  log "reusing the checkout in $src"
else
  log "cloning v$version into $src"
  git clone --depth 1 --branch "v$version" "$repo_url" "$src"
fi
git -C "$src" submodule update --init --recursive --depth 1
[ "$(cat "$src/VERSION_NUMBER")" = "$version" ] || die "$src holds ONNX Runtime $(cat "$src/VERSION_NUMBER"), not $version"

# ---- build tools: the CMake that ships with Ubuntu 22.04 is older than ONNX Runtime requires
venv="$src/.build-tools"
required_cmake="$(sed -n 's/^cmake_minimum_required(VERSION \([0-9.]*\).*/\1/p' "$src/cmake/CMakeLists.txt" | head -1)"
have_cmake="$(cmake --version 2>/dev/null | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')"
if [ -z "$have_cmake" ] || [ "$(printf '%s\n%s\n' "$required_cmake" "$have_cmake" | sort -V | head -1)" != "$required_cmake" ]; then
  log "CMake ${have_cmake:-absent}, ONNX Runtime needs >= $required_cmake: installing it and Ninja into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "cmake>=$required_cmake" ninja
  export PATH="$venv/bin:$PATH"
fi
command -v ninja >/dev/null || die "ninja is required (apt-get install ninja-build)"

# ---- build (C API shared library only: no Python wheel, no unit tests)
export PATH="$cuda_home/bin:$PATH" CUDACXX="$cuda_home/bin/nvcc"
root_flag=()
[ "$(id -u)" -ne 0 ] || root_flag=(--allow_running_as_root)
providers=(cuda)
tensorrt_flags=()
if [ "$tensorrt" -eq 1 ]; then
  providers+=(tensorrt)
  tensorrt_flags=(--use_tensorrt --tensorrt_home "$tensorrt_home")
fi
read -r -a extra_defines <<< "${ORT_EXTRA_DEFINES:-}"
build_dir="$src/build"
started=$(date +%s)
log "building (hours on an Orin; progress below)"
(cd "$src" && ./build.sh --config Release --update --build --build_shared_lib --skip_tests --skip_submodule_sync \
  --build_dir "$build_dir" --cmake_generator Ninja --parallel "$jobs" --nvcc_threads 1 \
  --compile_no_warning_as_error "${root_flag[@]}" \
  --use_cuda --cuda_home "$cuda_home" --cudnn_home "$cudnn_home" "${tensorrt_flags[@]}" \
  --cmake_extra_defines "CMAKE_CUDA_ARCHITECTURES=$archs" onnxruntime_BUILD_UNIT_TESTS=OFF "${extra_defines[@]}")
log "built in $(( ($(date +%s) - started) / 60 )) min"

# ---- collect
release="$build_dir/Release"
rm -rf "$out"; mkdir -p "$out/lib" "$out/include"
cp -L "$release/libonnxruntime.so" "$out/lib/libonnxruntime.so"
ln -s libonnxruntime.so "$out/lib/libonnxruntime.so.1"   # its SONAME: what anything linked against it asks for
for provider in shared "${providers[@]}"; do
  cp -L "$release/libonnxruntime_providers_$provider.so" "$out/lib/"
done
cp "$src"/include/onnxruntime/core/session/onnxruntime_*.h "$out/include/"
cp "$src"/include/onnxruntime/core/providers/tensorrt/tensorrt_provider_options.h "$out/include/" 2>/dev/null || true

# ---- verify: every dependency resolves, and the library reports the expected version
# (libcuda.so.1 is the driver: in a container the NVIDIA runtime mounts it when the container runs, so a
# `docker build` without "default-runtime": "nvidia" does not have it.)
missing="$(LD_LIBRARY_PATH="$out/lib" ldd "$out"/lib/*.so | grep 'not found' | grep -v 'libcuda\.so\.1 ')" || true
[ -z "$missing" ] || die "unresolved libraries: $missing"
probe="$(mktemp -d)"
cat > "$probe/probe.c" <<'EOF'
#include <stdio.h>
#include "onnxruntime_c_api.h"
int main(void) {
  const OrtApi* api = OrtGetApiBase()->GetApi(ORT_API_VERSION);
  char** providers; int count;
  if (api == NULL || api->GetAvailableProviders(&providers, &count) != NULL) return 1;
  printf("%s", OrtGetApiBase()->GetVersionString());
  for (int i = 0; i < count; i++) printf(" %s", providers[i]);
  printf("\n");
  return 0;
}
EOF
cc -I"$out/include" "$probe/probe.c" -L"$out/lib" -lonnxruntime -o "$probe/probe"
report="$(LD_LIBRARY_PATH="$out/lib" "$probe/probe")"
rm -rf "$probe"
log "library reports: $report"
expected_provider=CUDAExecutionProvider
[ "$tensorrt" -eq 0 ] || expected_provider=TensorrtExecutionProvider
case "$report" in "$version "*"$expected_provider"*) ;; *) die "expected version $version with $expected_provider" ;; esac

cat > "$out/BUILDINFO.txt" <<EOF
onnxruntime $version ($(git -C "$src" rev-parse HEAD))
providers ${providers[*]}; cuda $cuda_version, tensorrt $trt_version, cuda archs $archs
built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n) ($(sed -n 's/^# R\([0-9]*\) (release), REVISION: \([0-9.]*\).*/L4T R\1.\2/p' /etc/nv_tegra_release 2>/dev/null || echo 'no /etc/nv_tegra_release'))
EOF

if [ -n "$publish_dir" ]; then
  [ -f "$publish_dir/segman-edge.dll" ] || die "$publish_dir does not look like the agent's publish folder"
  cp -P "$out"/lib/libonnxruntime* "$publish_dir/"
  log "copied into $publish_dir (replacing the CPU-only libonnxruntime.so)"
fi
[ "$keep_src" -eq 1 ] || rm -rf "$build_dir"
log "done: $out"
