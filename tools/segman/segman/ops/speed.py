"""Forward plus backward time of each training-time form of the two ops on the demo model's stage shapes, side by
side in one run: `python -m segman.ops.speed [--batch 32] [--repeats 20] [--forms gather,tiled] [--no-scan]` (CUDA).

Attention: the window gather (reference), the compiled indexed reductions (`fused`) and the tiled dense form, its
products explicit (`tiled`) or in one fused attention kernel (`tiled-fused`). Scan: the chunked reference eager and
compiled. Inputs are bf16 as under the training autocast; the table prints milliseconds per call (median of the
repeats) and each form's speed relative to the reference.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch

from .fused import fused_neighborhood_attention_2d, fused_selective_scan_2d
from .neighborhood_attention import neighborhood_attention_2d
from .selective_scan import selective_scan_2d
from .tiled_na import tiled_neighborhood_attention_2d

# SegMAN T at 256x512: (heads, H, W, head dim, kernel) of stages 1-3 with neighborhood attention, and
# (channels, H, W) of the SS2D scans.
ATTENTION_SHAPES = [(1, 64, 128, 32, 11), (2, 32, 64, 32, 9), (4, 16, 32, 36, 9)]
SCAN_SHAPES = [(32, 64, 128), (64, 32, 64), (144, 16, 32)]


def time_call(run: Callable[[], None], repeats: int) -> float:
    """Median milliseconds of `run` after three untimed calls (the first compiles where anything compiles)."""
    for _ in range(3):
        run()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        run()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def forward_backward(function: Callable[..., torch.Tensor], inputs: Sequence[torch.Tensor],
                     *rest: object) -> Callable[[], None]:
    leaves = [t for t in (*inputs, *rest) if isinstance(t, torch.Tensor) and t.requires_grad]

    def run() -> None:
        out = function(*inputs, *rest)
        grads = torch.autograd.grad(out, leaves, torch.ones_like(out))
        del grads
    return run


def attention_rows(batch: int, repeats: int, device: torch.device,
                   only: Optional[Sequence[str]] = None) -> List[Tuple[str, Dict[str, float]]]:
    """One row per stage shape; `only` picks forms (the first is the reference of the speed-ups)."""
    forms = {"gather": neighborhood_attention_2d, "fused": fused_neighborhood_attention_2d,
             "tiled": functools.partial(tiled_neighborhood_attention_2d, fused=False),
             "tiled-fused": functools.partial(tiled_neighborhood_attention_2d, fused=True)}
    if only:
        unknown = [name for name in only if name not in forms]
        if unknown:
            raise SystemExit(f"--forms: unknown {', '.join(unknown)} (known: {', '.join(forms)})")
        forms = {name: forms[name] for name in only}
    rows = []
    for heads, height, width, dim, kernel in ATTENTION_SHAPES:
        q, k, v = (torch.randn(batch, heads, height, width, dim, device=device, dtype=torch.bfloat16,
                               requires_grad=True) for _ in range(3))
        rpb = torch.randn(heads, 2 * kernel - 1, 2 * kernel - 1, device=device, requires_grad=True)
        times = {name: time_call(forward_backward(form, (q, k, v), kernel, 1, rpb), repeats)
                 for name, form in forms.items()}
        rows.append((f"attention B{batch} h{heads} {height}x{width} d{dim} K{kernel}", times))
    return rows


def scan_rows(batch: int, repeats: int, device: torch.device) -> List[Tuple[str, Dict[str, float]]]:
    rows = []
    for channels, height, width in SCAN_SHAPES:
        def leaf(*shape: int, dtype: torch.dtype = torch.bfloat16, shift: float = 0.0) -> torch.Tensor:
            return (torch.randn(*shape, device=device) * 0.5 + shift).to(dtype).requires_grad_()
        inputs = (leaf(batch, channels, height, width), leaf(batch, 4, channels, height, width),
                  leaf(batch, 4, 1, height, width), leaf(batch, 4, 1, height, width),
                  leaf(4 * channels, 1, dtype=torch.float32, shift=-1.0), leaf(4 * channels, dtype=torch.float32),
                  leaf(4 * channels, dtype=torch.float32, shift=-2.0))
        times = {"eager": time_call(forward_backward(selective_scan_2d, inputs), repeats),
                 "compiled": time_call(forward_backward(fused_selective_scan_2d, inputs), repeats)}
        rows.append((f"scan B{batch} C{channels} {height}x{width}", times))
    return rows


def table(rows: List[Tuple[str, Dict[str, float]]]) -> str:
    names = list(rows[0][1])
    lines = ["| shape | " + " | ".join(f"{n} ms" for n in names) + " | " +
             " | ".join(f"{n} speed-up" for n in names[1:]) + " |",
             "|---" * (2 * len(names)) + "|"]
    for label, times in rows:
        base = times[names[0]]
        lines.append(f"| {label} | " + " | ".join(f"{times[n]:.2f}" for n in names) + " | " +
                     " | ".join(f"{base / times[n]:.2f}x" for n in names[1:]) + " |")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m segman.ops.speed", description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--forms", help="attention forms to time, comma-separated (default: all)")
    parser.add_argument("--no-scan", action="store_true", help="time the attention only")
    args = parser.parse_args(argv)
    if not torch.cuda.is_available():
        print("segman.ops.speed needs a CUDA device", file=sys.stderr)
        return 2
    device = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    print(f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}, forward + backward per call", flush=True)
    forms = args.forms.split(",") if args.forms else None
    print(table(attention_rows(args.batch, args.repeats, device, forms)), flush=True)
    if not args.no_scan:
        print(table(scan_rows(args.batch, args.repeats, device)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
