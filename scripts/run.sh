#!/usr/bin/env bash
# Runs the agent on its embedded defaults: the bundled sample drive, the bundled model, an in-process MQTT broker.
# Extra arguments go to the agent (e.g. --SegMan:Mqtt:Port=1884, or the verb `check`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/setup.sh
native/tensorrt-plugins/build.sh --quiet-tests
exec dotnet run --project src/Edge.Agent -c Release -- "$@"
