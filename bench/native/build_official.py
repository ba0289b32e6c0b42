"""Builds VMamba's selective_scan_cuda_oflex extension (forward only) from a fetched copy, for the benchmark.

Nothing of VMamba is committed here: pass the fetched `kernels/selective_scan` folder and a C++ file that stubs the
backward kernel (the extension's bindings reference it; the benchmark never calls it, and compiling it takes minutes).
    python3 bench/native/build_official.py --source <VMamba>/kernels/selective_scan --stub <stub.cpp> --out <folder>
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch
from torch.utils.cpp_extension import load

NVCC_FLAGS = ["-O3", "-std=c++17", "-U__CUDA_NO_HALF_OPERATORS__", "-U__CUDA_NO_HALF_CONVERSIONS__",
              "-U__CUDA_NO_BFLOAT16_OPERATORS__", "-U__CUDA_NO_BFLOAT16_CONVERSIONS__",
              "-U__CUDA_NO_BFLOAT162_OPERATORS__", "-U__CUDA_NO_BFLOAT162_CONVERSIONS__", "--expt-relaxed-constexpr",
              "--expt-extended-lambda", "--use_fast_math", "--threads", "4"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, required=True, help="VMamba's kernels/selective_scan folder")
    parser.add_argument("--stub", type=Path, required=True, help="C++ file defining the backward kernel as a stub")
    parser.add_argument("--out", type=Path, required=True, help="where the built module goes")
    args = parser.parse_args()
    csrc = args.source / "csrc" / "selective_scan"
    major, minor = torch.cuda.get_device_capability()
    build = args.out / "build"
    build.mkdir(parents=True, exist_ok=True)
    load(name="selective_scan_cuda_oflex",
         sources=[str(csrc / "cusoflex" / "selective_scan_oflex.cpp"),
                  str(csrc / "cusoflex" / "selective_scan_core_fwd.cu"), str(args.stub)],
         extra_cflags=["-O3", "-std=c++17"], extra_cuda_cflags=NVCC_FLAGS + [f"-arch=sm_{major}{minor}"],
         extra_include_paths=[str(csrc)], build_directory=str(build), verbose=False)
    for built in build.glob("selective_scan_cuda_oflex*.so"):
        shutil.copy(built, args.out / built.name)
    print(f"built {sorted(p.name for p in args.out.glob('*.so'))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
