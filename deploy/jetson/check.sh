#!/usr/bin/env bash
# Lints the Jetson deployment files with whatever of these tools this machine has, naming each one it skips:
#   hadolint / dockerfile-utils  the Dockerfile
#   ShellCheck                   every shell script in deploy/jetson
#   systemd-analyze verify       segman-edge.service
#   docker compose / docker-compose config   the compose files
# and checks that the Dockerfile builds the ONNX Runtime and OpenCvSharp versions Directory.Packages.props references.
# Nothing here builds or runs anything for a Jetson. Exit status 1 if a check failed, else 0.
# Debian 12 packages for the tools: shellcheck, systemd, docker-compose (hadolint is not packaged).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
passed=0; failed=0; skipped=0

pass() { echo "  ok: $1"; passed=$((passed + 1)); }
fail() { echo "  FAILED: $1"; failed=$((failed + 1)); }
skip() { echo "  skipped: $1"; skipped=$((skipped + 1)); }
check() { local name="$1"; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

echo "== Dockerfile"
if command -v hadolint >/dev/null; then
  check "hadolint Dockerfile" hadolint "$here/Dockerfile"
else
  skip "hadolint (not installed; Debian 12 has no package for it)"
fi
if command -v dockerfile-utils >/dev/null; then
  check "dockerfile-utils lint Dockerfile" dockerfile-utils lint "$here/Dockerfile"
else
  skip "dockerfile-utils (not installed; npm package dockerfile-utils)"
fi

# The stage that takes hours must build what the managed code loads: same versions as the NuGet references.
props_version() { sed -n "s/.*Include=\"$1\" Version=\"\\([^\"]*\\)\".*/\\1/p" "$root/Directory.Packages.props"; }
docker_arg() { sed -n "s/^ARG $1=\\(.*\\)$/\\1/p" "$here/Dockerfile" | head -1; }
same_version() {
  local package="$1" arg="$2" expected actual
  expected="$(props_version "$package")"; actual="$(docker_arg "$arg")"
  if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
    echo "    $package is '$expected', Dockerfile $arg is '$actual'"
    return 1
  fi
}
check "Dockerfile ORT_VERSION = Microsoft.ML.OnnxRuntime" same_version Microsoft.ML.OnnxRuntime ORT_VERSION
check "Dockerfile OPENCVSHARP_TAG = OpenCvSharp4" same_version OpenCvSharp4 OPENCVSHARP_TAG

echo "== shell scripts"
mapfile -t scripts < <(find "$here" -maxdepth 1 -name '*.sh' | sort)
if command -v shellcheck >/dev/null; then
  for script in "${scripts[@]}"; do
    check "shellcheck $(basename "$script")" shellcheck "$script"
  done
else
  skip "shellcheck (not installed; apt-get install shellcheck)"
fi
for script in "${scripts[@]}"; do
  check "bash -n $(basename "$script")" bash -n "$script"
done

echo "== systemd unit"
if command -v systemd-analyze >/dev/null; then
  # verify insists that ExecStart exists. Off the device the agent is not installed, so a copy of the unit points at
  # a stand-in executable; every other line is verified as written.
  unit="$here/segman-edge.service"
  exec_start="$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")"
  work="$(mktemp -d)"
  if [ -x "$exec_start" ]; then
    cp "$unit" "$work/"
  else
    printf '#!/bin/sh\n' > "$work/segman-edge"; chmod +x "$work/segman-edge"
    sed "s|^ExecStart=$exec_start|ExecStart=$work/segman-edge|" "$unit" > "$work/segman-edge.service"
    echo "  (ExecStart $exec_start is not installed here: verifying against a stand-in)"
  fi
  output="$(systemd-analyze verify --man=no "$work/segman-edge.service" 2>&1)"; status=$?
  [ -z "$output" ] || echo "    ${output//$'\n'/$'\n'    }"
  check "systemd-analyze verify segman-edge.service" test "$status" -eq 0 -a -z "$output"
  rm -rf "$work"
else
  skip "systemd-analyze (not installed; part of Debian's systemd package)"
fi

echo "== compose files"
compose=()
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null; then
  compose=(docker-compose)
fi
if [ ${#compose[@]} -gt 0 ]; then
  check "${compose[*]} config (bench)" "${compose[@]}" -f "$here/docker-compose.yml" config -q
  check "${compose[*]} config (bench + cameras)" \
    "${compose[@]}" -f "$here/docker-compose.yml" -f "$here/docker-compose.camera.yml" config -q
else
  skip "docker compose (neither the compose plugin nor docker-compose is installed)"
fi

echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
