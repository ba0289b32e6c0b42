#!/usr/bin/env bash
# Installs the system packages SegMan.Edge needs on Debian 12 (idempotent; installs only what is missing).
#   runtime: OpenCV's native GUI deps, ffmpeg (network sources), mosquitto (tests, optional external broker)
#   tools:   Debian's PyTorch/ONNX/OpenCV for tools/segman, GStreamer RTSP server for camera-loss tests
set -euo pipefail

packages=(
  libgtk-3-0 libfreetype6 libharfbuzz0b ffmpeg
  mosquitto mosquitto-clients chromium
  python3-torch python3-onnx python3-numpy python3-pytest python3-opencv
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  python3-gi gir1.2-gst-rtsp-server-1.0
  cmake g++ make libgtest-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all system packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The mosquitto package starts a system broker on 1883; tests start their own on free ports, so stop it if it runs.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
  $sudo systemctl stop mosquitto || true
fi
echo "setup: done"
