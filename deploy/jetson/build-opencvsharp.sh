#!/usr/bin/env bash
# Builds libOpenCvSharpExtern.so (the native half of OpenCvSharp) against the OpenCV installed on this machine, so the
# agent's OpenCV sources get that OpenCV's GStreamer backend: on Jetson, JetPack's OpenCV, which opens `gst:` pipelines
# with nvv4l2decoder/nvvidconv. NuGet has no linux-arm64 OpenCvSharpExtern built with GStreamer.
#
# By default only the bindings the agent uses are built (core, imgproc, imgcodecs, videoio): they compile against
# OpenCV releases older than the one the OpenCvSharp tag targets (JetPack 6 ships 4.8), and they need no contrib
# modules. --full builds every binding, which needs an OpenCV of the tag's version with contrib.
#
# Usage: build-opencvsharp.sh [--tag TAG] [--opencv-dir DIR] [--out DIR] [--src DIR] [--jobs N]
#                             [--publish-dir DIR] [--full]
#   --tag         OpenCvSharp release tag; default: the OpenCvSharp4 version in Directory.Packages.props
#   --opencv-dir  folder holding OpenCVConfig.cmake; default: searched in the usual places
#   --src         an existing checkout to build instead of cloning the tag
#   --publish-dir the agent's publish folder: the library is copied there too
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
props="$here/../../Directory.Packages.props"
tag="$(sed -n 's/.*Include="OpenCvSharp4" Version="\([^"]*\)".*/\1/p' "$props" 2>/dev/null || true)"
tag="${tag:-4.13.0.20260627}"
opencv_dir=""
out="$PWD/opencvsharp-dist"
src=""
jobs="$(nproc)"
publish_dir=""
full=0
repo_url="https://github.com/shimat/opencvsharp"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
die() { echo "build-opencvsharp: $*" >&2; exit 1; }
log() { echo "build-opencvsharp: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag="${2:?}"; shift 2 ;;
    --opencv-dir) opencv_dir="${2:?}"; shift 2 ;;
    --out) out="${2:?}"; shift 2 ;;
    --src) src="${2:?}"; shift 2 ;;
    --jobs) jobs="${2:?}"; shift 2 ;;
    --publish-dir) publish_dir="${2:?}"; shift 2 ;;
    --full) full=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
for tool in cmake g++; do command -v "$tool" >/dev/null || die "$tool is required"; done

# ---- OpenCV: JetPack's packages install under the multiarch folder; a source build under /usr/local
if [ -z "$opencv_dir" ]; then
  multiarch="$(g++ -dumpmachine)"
  for candidate in "/usr/lib/$multiarch/cmake/opencv4" /usr/lib/cmake/opencv4 /usr/local/lib/cmake/opencv4 /usr/share/opencv4; do
    if [ -f "$candidate/OpenCVConfig.cmake" ]; then opencv_dir="$candidate"; break; fi
  done
  [ -n "$opencv_dir" ] || die "no OpenCVConfig.cmake found; install OpenCV's development package (libopencv-dev) or pass --opencv-dir"
fi
opencv_version="$(sed -n 's/^set(OpenCV_VERSION \([0-9.]*\)).*/\1/p' "$opencv_dir/OpenCVConfig-version.cmake" 2>/dev/null || true)"
log "OpenCvSharp $tag against OpenCV ${opencv_version:-of unknown version} ($opencv_dir)"

# ---- sources
if [ -z "$src" ]; then
  src="${TMPDIR:-/tmp}/opencvsharp-src"
  rm -rf "$src"
  git clone --quiet --depth 1 --branch "$tag" "$repo_url" "$src"
fi
[ -f "$src/src/OpenCvSharpExtern/CMakeLists.txt" ] || die "$src is not an OpenCvSharp checkout"

# ---- configure and build
bindings=()
if [ "$full" -eq 0 ]; then
  for module in CONTRIB STITCHING CALIB3D VIDEO FEATURES2D FLANN DNN ML OBJDETECT PHOTO BARCODE HIGHGUI; do
    bindings+=("-DNO_$module=ON")
  done
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
build="$src/build-extern"
rm -rf "$build"
cmake -S "$src/src" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DOpenCV_DIR="$opencv_dir" \
  -DCMAKE_SHARED_LINKER_FLAGS="-Wl,--as-needed" "${bindings[@]}" > "$build.configure.log" \
  || { cat "$build.configure.log"; die "configuration failed"; }
cmake --build "$build" --parallel "$jobs"
library="$build/OpenCvSharpExtern/libOpenCvSharpExtern.so"

# ---- verify: dependencies resolve, the entry points the agent calls exist, and videoio can open GStreamer pipelines
missing="$(ldd "$library" | grep 'not found')" || true
[ -z "$missing" ] || die "unresolved libraries: $missing"
exported="$(nm -D --defined-only "$library")"
for symbol in core_Mat_sizeof videoio_VideoCapture_new1 videoio_VideoCapture_read_Mat imgproc_resize imgcodecs_imencode_vector; do
  grep -qw "$symbol" <<< "$exported" || die "$symbol is missing from the built library"
done
videoio="$(ldd "$library" | awk '/libopencv_videoio/ { print $3 }')"
if [ -n "$videoio" ] && grep -q libgstreamer-1.0 <<< "$(ldd "$videoio")"; then
  log "OpenCV's videoio links GStreamer: gst: sources will open"
else
  log "WARNING: OpenCV's videoio does not link GStreamer; gst: sources will not open with this OpenCV"
fi

mkdir -p "$out"
cp "$library" "$out/"
if [ -n "$publish_dir" ]; then
  [ -f "$publish_dir/segman-edge.dll" ] || die "$publish_dir does not look like the agent's publish folder"
  cp "$library" "$publish_dir/"
  log "copied into $publish_dir"
fi
log "done: $out/libOpenCvSharpExtern.so"
