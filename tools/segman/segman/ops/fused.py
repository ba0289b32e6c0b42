"""SegMAN's two ops written for torch.compile, for training on CUDA.

The gather reference (`neighborhood_attention.py`) materialises every query's K x K keys and values and runs a
batched matrix-vector product over them; its backward scatters the window gradients back with index_add. On a
training step of the demo model that is most of the device time. Written here as indexed loads inside
multiply-and-sum reductions instead, the same math lets inductor fuse the window gather into the reductions
(forward) and into atomic adds (backward), in fp32, without the K x K copies. The selective scan is the
chunked reference itself: compiled, its log-depth steps fuse.

`python -m segman.ops.fused` compiles both on the machine it runs on and checks them against the references,
forward and gradients.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Callable, Dict, Optional, Tuple

import torch

from .agreement import attention_agreement, parse_check_arguments, print_attention_checks, scan_agreement
from .devices import indexed_device
from .neighborhood_attention import window_tables
from .selective_scan import selective_scan_2d
from .shapes import dims

_TABLES: Dict[Tuple[int, int, int, torch.device], Tuple[torch.Tensor, torch.Tensor]] = {}


def _tables(length: int, kernel: int, dilation: int, device: torch.device) -> Tuple[torch.Tensor, torch.Tensor]:
    """Key positions and RPB rows (length, kernel) on the device, made once per map size."""
    key = (length, kernel, dilation, indexed_device(device))
    if key not in _TABLES:
        keys, rows = window_tables(length, kernel, dilation)
        _TABLES[key] = (torch.from_numpy(keys).to(device), torch.from_numpy(rows).to(device))
    return _TABLES[key]


def windowed_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, keys_h: torch.Tensor,
                       keys_w: torch.Tensor, bias: Optional[torch.Tensor]) -> torch.Tensor:
    """Neighborhood attention as indexed multiply-and-sum: q, k, v (B, heads, H, W, d); keys (H, K), (W, K);
    bias (heads, H, K, W, K) or None. fp32 inside, q's dtype out."""
    height, kernel = dims(keys_h)
    width = dims(keys_w)[0]
    rows = keys_h.reshape(height, kernel, 1, 1)
    cols = keys_w.reshape(1, 1, width, kernel)
    k_win = k.float()[:, :, rows, cols]                               # (B, heads, H, K, W, K, d), fused away
    logits = (q.float()[:, :, :, None, :, None, :] * k_win).sum(-1)    # (B, heads, H, K, W, K)
    if bias is not None:
        logits = logits + bias
    batch, heads = dims(q)[:2]
    logits = logits.permute(0, 1, 2, 4, 3, 5).reshape(batch, heads, height, width, kernel * kernel)
    attn = torch.softmax(logits, dim=-1).reshape(batch, heads, height, width, kernel, kernel)
    attn = attn.permute(0, 1, 2, 4, 3, 5)                                # (B, heads, H, K, W, K)
    v_win = v.float()[:, :, rows, cols]
    out = (attn[..., None] * v_win).sum(dim=(3, 5))                     # (B, heads, H, W, d)
    return out.to(q.dtype)


def window_bias_table(rpb: torch.Tensor, rows_h: torch.Tensor, rows_w: torch.Tensor) -> torch.Tensor:
    """(heads, 2K-1, 2K-1) -> (heads, H, K, W, K): each query's window bias, in the layout of `windowed_attention`."""
    height, kernel = dims(rows_h)
    width = dims(rows_w)[0]
    return rpb.float()[:, rows_h.reshape(height, kernel, 1, 1), rows_w.reshape(1, 1, width, kernel)]


def fused_neighborhood_attention_2d(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, kernel_size: int,
                                    dilation: int = 1, rpb: Optional[torch.Tensor] = None) -> torch.Tensor:
    """OPS.md NeighborhoodAttention2D like `neighborhood_attention_2d`, through the compiled `windowed_attention`."""
    height, width = dims(q)[2:4]
    keys_h, rows_h = _tables(height, kernel_size, dilation, q.device)
    keys_w, rows_w = _tables(width, kernel_size, dilation, q.device)
    return _compiled_attention()(q, k, v, keys_h, keys_w, rpb, rows_h, rows_w)


def _attention_with_bias(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, keys_h: torch.Tensor,
                         keys_w: torch.Tensor, rpb: Optional[torch.Tensor], rows_h: torch.Tensor,
                         rows_w: torch.Tensor) -> torch.Tensor:
    bias = None if rpb is None else window_bias_table(rpb, rows_h, rows_w)
    return windowed_attention(q, k, v, keys_h, keys_w, bias)


@lru_cache(maxsize=None)
def _compiled_attention() -> Callable[..., torch.Tensor]:
    return _compile(_attention_with_bias)


@lru_cache(maxsize=None)
def _compiled_scan() -> Callable[..., torch.Tensor]:
    return _compile(selective_scan_2d)


def _compile(function: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    if not hasattr(torch, "compile"):            # PyTorch 1.x: the same math, eagerly
        return function
    return torch.compile(function, dynamic=False)


def fused_selective_scan_2d(u: torch.Tensor, delta: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
                            A: torch.Tensor, D: torch.Tensor, delta_bias: torch.Tensor,
                            delta_softplus: bool = True, chunk: int = 128) -> torch.Tensor:
    """OPS.md SelectiveScan2D: the chunked reference, compiled. It computes in fp32 anyway; handing it contiguous
    fp32 inputs keeps one graph per shape whether the caller is an fp32 check or bf16 training."""
    inputs = [t.to(torch.float32, memory_format=torch.contiguous_format) for t in (u, delta, B, C, A, D, delta_bias)]
    scan = _scan_beside_the_graph if _is_compiling() else _run_compiled_scan
    return scan(*inputs, delta_softplus, chunk).to(u.dtype)


def _run_compiled_scan(u: torch.Tensor, delta: torch.Tensor, B: torch.Tensor, C: torch.Tensor, A: torch.Tensor,
                       D: torch.Tensor, delta_bias: torch.Tensor, delta_softplus: bool, chunk: int) -> torch.Tensor:
    return _compiled_scan()(u, delta, B, C, A, D, delta_bias, delta_softplus, "chunked", chunk)


def _is_compiling() -> bool:
    is_compiling = getattr(getattr(torch, "compiler", None), "is_compiling", None)
    return bool(is_compiling()) if is_compiling is not None else False


# Inside a compiled block (train.py --compile) the scan stays the graph compiled above, between the block's graphs:
# traced into every block it made their graphs slower to load from the compile cache (a warm-up of 99 s against
# 74 s, for steps 1.08x faster). Only this frame is skipped: the compiled scan it calls still runs compiled.
_compiler_disable = getattr(getattr(torch, "compiler", None), "disable", None)
_scan_beside_the_graph = (_run_compiled_scan if _compiler_disable is None
                          else _compiler_disable(_run_compiled_scan, recursive=False))


# ---------------------------------------------------------------------------------------------- check

def check_attention(batch: int, heads: int, height: int, width: int, dim: int, kernel: int, dilation: int,
                    device: torch.device, seed: int = 0) -> Tuple[float, float]:
    """Output and worst gradient error of the compiled attention against the gather reference."""
    return attention_agreement(fused_neighborhood_attention_2d, batch, heads, height, width, dim, kernel, dilation,
                               device, seed)


def check_scan(batch: int, channels: int, height: int, width: int, device: torch.device,
               seed: int = 0) -> Tuple[float, float]:
    """Output and worst gradient error of the compiled scan against the reference."""
    return scan_agreement(fused_selective_scan_2d, batch, channels, height, width, device, seed)


def main(argv: Optional[list] = None) -> int:
    args, device = parse_check_arguments("python -m segman.ops.fused", __doc__.splitlines()[0], argv)
    print("| op | shape | out rel err | grad rel err |")
    print("|---|---|---|---|")
    worst = print_attention_checks(check_attention, device, label="attention | ")
    for shape in [(2, 32, 64, 128), (2, 64, 32, 64), (1, 16, 13, 21)]:
        errors = check_scan(*shape, device=device)
        worst = max(worst, *errors)
        print(f"| scan | {shape} | {errors[0]:.1e} | {errors[1]:.1e} |", flush=True)
    ok = worst <= args.tolerance
    print(f"compiled ops vs references: worst {worst:.1e} ({'within' if ok else 'ABOVE'} {args.tolerance:.0e})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
