# Sourced by the GPU scripts beside it (run_gpu.sh, kernel_sweep.sh): strict mode, the repository root as the
# working folder ($root), the output folder ($out: $OUT, or ./gpu-out), and CUDA's tools on PATH.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
out="${OUT:-$root/gpu-out}"
mkdir -p "$out"
export PATH="$PATH:/usr/local/cuda/bin" PYTHONUNBUFFERED=1
