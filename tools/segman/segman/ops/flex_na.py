"""Neighborhood attention 2-D through PyTorch's flex_attention, for training on CUDA.

The gather reference (`neighborhood_attention.py`) materialises every query's K x K keys and values, which at
SegMAN's first stage is 121 copies of K and V per batch: training spends most of its time and memory there.
flex_attention computes the same result blockwise without that copy, with a backward pass: the neighbourhood is a
mask over the flattened map (NATTEN's clamped window, from the same window tables as the reference) and the
relative position bias is a score modification reading the (heads, 2K-1, 2K-1) table, whose gradient flex
computes too.

Needs PyTorch >= 2.5 (torch.nn.attention.flex_attention); `python -m segman.ops.flex_na` checks it against the
gather reference, forward and gradients, on the machine it runs on.
"""

from __future__ import annotations

import argparse
import sys
from functools import lru_cache
from typing import Any, Callable, Dict, Optional, Tuple

import torch
import torch.nn.functional as F

from .agreement import attention_agreement, print_attention_checks
from .devices import indexed_device
from .neighborhood_attention import window_tables
from .shapes import dims


def available() -> bool:
    try:
        from torch.nn.attention import flex_attention  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=None)
def _compiled_flex() -> Callable[..., torch.Tensor]:
    from torch.nn.attention.flex_attention import flex_attention
    # Uncompiled, flex_attention falls back to a dense reference that builds the full L x L score matrix.
    return torch.compile(flex_attention, dynamic=False)


def _flex() -> Callable[..., torch.Tensor]:
    if torch.compiler.is_compiling():            # inside a compiled model: the model's compile covers it
        from torch.nn.attention.flex_attention import flex_attention
        return flex_attention
    return _compiled_flex()


def _window_starts(length: int, kernel: int, dilation: int, device: torch.device) -> torch.Tensor:
    keys, _ = window_tables(length, kernel, dilation)
    return torch.from_numpy(keys[:, 0].copy()).to(device)


_MASKS: Dict[Tuple[int, int, int, int, torch.device], Any] = {}


def block_mask(height: int, width: int, kernel: int, dilation: int, device: torch.device) -> Any:
    """The clamped-window mask over the flattened (H*W) map, shared by every batch and head.

    Kept in a plain dict so that a model compiled after `prebuild_masks` finds it as a constant.
    """
    key = (height, width, kernel, dilation, indexed_device(device))
    mask = _MASKS.get(key)
    if mask is None:
        mask = _MASKS[key] = _build_block_mask(height, width, kernel, dilation, device)
    return mask


def _build_block_mask(height: int, width: int, kernel: int, dilation: int, device: torch.device) -> Any:
    from torch.nn.attention.flex_attention import create_block_mask
    start_h = _window_starts(height, kernel, dilation, device)
    start_w = _window_starts(width, kernel, dilation, device)
    span = (kernel - 1) * dilation

    def inside(query: torch.Tensor, key: torch.Tensor, starts: torch.Tensor) -> torch.Tensor:
        offset = key - starts[query]
        return (offset >= 0) & (offset <= span) & (offset % dilation == 0)

    def mask_mod(b: torch.Tensor, h: torch.Tensor, q_idx: torch.Tensor, kv_idx: torch.Tensor) -> torch.Tensor:
        return (inside(q_idx // width, kv_idx // width, start_h)
                & inside(q_idx % width, kv_idx % width, start_w))

    tokens = height * width
    return create_block_mask(mask_mod, B=None, H=None, Q_LEN=tokens, KV_LEN=tokens, device=str(device))


def prebuild_masks(maps: Any, device: torch.device) -> None:
    """Build the masks of (height, width, kernel, dilation) maps ahead of `torch.compile` tracing the model."""
    for height, width, kernel, dilation in maps:
        block_mask(height, width, kernel, dilation, device)


def _bias_mod(rpb: torch.Tensor, width: int, kernel: int, dilation: int) -> Callable[..., torch.Tensor]:
    """score + rpb[head, (key_y - query_y) / d + K - 1, (key_x - query_x) / d + K - 1] (NATTEN's RPB rows)."""
    last = 2 * kernel - 2

    def score_mod(score: torch.Tensor, b: torch.Tensor, h: torch.Tensor, q_idx: torch.Tensor,
                  kv_idx: torch.Tensor) -> torch.Tensor:
        # Clamped because masked-out pairs are scored too before the mask drops them.
        row = torch.clamp((kv_idx // width - q_idx // width) // dilation + kernel - 1, 0, last)
        col = torch.clamp((kv_idx % width - q_idx % width) // dilation + kernel - 1, 0, last)
        return score + rpb[h, row, col]

    return score_mod


def _padded_head_dim(dim: int) -> int:
    """flex_attention's kernels want a power-of-two head size of at least 16."""
    size = 16
    while size < dim:
        size *= 2
    return size


def flex_neighborhood_attention_2d(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, kernel_size: int,
                                   dilation: int = 1, rpb: Optional[torch.Tensor] = None) -> torch.Tensor:
    """OPS.md NeighborhoodAttention2D like `neighborhood_attention_2d`: q (pre-scaled), k, v (B, heads, H, W, dim)."""
    batch, heads, height, width, dim = dims(q)
    if not torch.compiler.is_compiling():
        window_tables(height, kernel_size, dilation)              # the reference's size check and message
        window_tables(width, kernel_size, dilation)
    dtype = v.dtype
    padded = _padded_head_dim(dim)
    tokens = height * width

    def flat(x: torch.Tensor) -> torch.Tensor:
        x = x.to(dtype).reshape(batch, heads, tokens, dim)
        return F.pad(x, (0, padded - dim)) if padded != dim else x

    mask = block_mask(height, width, kernel_size, dilation, q.device)
    score_mod = None if rpb is None else _bias_mod(rpb.float(), width, kernel_size, dilation)
    out = _flex()(flat(q), flat(k), flat(v), score_mod=score_mod, block_mask=mask, scale=1.0)
    return out[..., :dim].reshape(batch, heads, height, width, dim).to(q.dtype)


# ---------------------------------------------------------------------------------------------- check

def check_shape(batch: int, heads: int, height: int, width: int, dim: int, kernel: int, dilation: int,
                device: torch.device, seed: int = 0) -> Tuple[float, float]:
    """Output and worst gradient error of flex against the gather reference."""
    return attention_agreement(flex_neighborhood_attention_2d, batch, heads, height, width, dim, kernel, dilation,
                               device, seed)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m segman.ops.flex_na", description=__doc__.splitlines()[0])
    parser.add_argument("--tolerance", type=float, default=2e-3, help="largest relative error accepted (fp32)")
    args = parser.parse_args(argv)
    if not available() or not torch.cuda.is_available():
        print("flex_attention needs PyTorch >= 2.5 with CUDA", file=sys.stderr)
        return 2
    device = torch.device("cuda")
    torch.backends.cuda.matmul.allow_tf32 = False
    print("| shape (B, heads, H, W, d, K, dilation) | out rel err | grad rel err |")  # odd head sizes are padded
    print("|---|---|---|")
    worst = print_attention_checks(check_shape, device)
    ok = worst <= args.tolerance
    print(f"flex neighborhood attention vs gather reference: worst {worst:.1e} "
          f"({'within' if ok else 'ABOVE'} {args.tolerance:.0e})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
