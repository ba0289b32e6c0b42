"""Runs our selective scan a few times on chosen maps, for a profiler (ncu) to record its kernels.

    ncu --clock-control none -k regex:scalar_state python3 profile_scan.py --lib libsegman_cuda_capi.so \
        --map 384x16x32:fp32 --map 144x32x64:fp32

Each map is D x H x W (B = 1, N = 1) with a dtype; inputs are random, drawn by the benchmark's `scan_inputs`.
"""
from __future__ import annotations

import argparse

import torch

from bench_ops import DTYPES, Native, scan_inputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lib", required=True, help="libsegman_cuda_capi.so")
    parser.add_argument("--map", action="append", required=True, metavar="DxHxW:DTYPE", help="a map to run on")
    parser.add_argument("--calls", type=int, default=3, help="calls per map (the first one warms up)")
    args = parser.parse_args()
    native = Native(args.lib)
    for item in args.map:
        dims, dtype_name = item.split(":")
        d, h, w = (int(x) for x in dims.split("x"))
        inputs = scan_inputs(1, d, h, w, 1, DTYPES[dtype_name])
        y = torch.empty_like(inputs[0])
        ws = native.scan_workspace(inputs[0], inputs[2])
        for _ in range(args.calls):
            native.scan(*inputs, y, ws)
        torch.cuda.synchronize()
        print(f"ran {item} {args.calls} times", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
