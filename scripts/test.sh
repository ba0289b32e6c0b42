#!/usr/bin/env bash
# Runs every test of SegMan.Edge: native kernels (ctest), the Python model tools (pytest) and the .NET solution
# (xunit: units and integration tests against real OpenCV, ONNX Runtime, MQTTnet and mosquitto).
# Ends with one line "total: N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

scripts/setup.sh || { echo "setup failed"; exit 1; }

passed=0; failed=0; status=0
add() { passed=$((passed + ${1:-0})); failed=$((failed + ${2:-0})); }

echo "== native ops (ctest)"
native/tensorrt-plugins/build.sh 2>&1 | tee "$results/native.log"
rc=${PIPESTATUS[0]}; [ "$rc" -eq 0 ] || status=1
line=$(grep -E "tests passed, [0-9]+ tests failed out of" "$results/native.log" | tail -1)
if [ -n "$line" ]; then
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line"); bad=$(sed -E 's/.*, ([0-9]+) tests failed.*/\1/' <<<"$line")
  add $((total - bad)) "$bad"
else
  add 0 1
fi

echo "== python tools (pytest)"
(cd tools/segman && /usr/bin/python3 -m pytest -q -p no:cacheprovider tests) 2>&1 | tee "$results/pytest.log"
rc=${PIPESTATUS[0]}; [ "$rc" -eq 0 ] || status=1
line=$(grep -E "^[=]* *[0-9]+ (passed|failed)" "$results/pytest.log" | tail -1)
add "$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')" "$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')"
[ -n "$line" ] || add 0 1

echo "== .NET (xunit)"
dotnet build SegMan.Edge.sln -c Release 2>&1 | tail -3
[ "${PIPESTATUS[0]}" -eq 0 ] || { echo "dotnet build failed"; status=1; }
dotnet test SegMan.Edge.sln -c Release --no-build 2>&1 | tee "$results/dotnet.log"
rc=${PIPESTATUS[0]}; [ "$rc" -eq 0 ] || status=1
while read -r f p; do add "$p" "$f"; done < <(grep -E "(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+" "$results/dotnet.log" \
  | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+).*/\1 \2/')

echo
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || status=1
exit $status
