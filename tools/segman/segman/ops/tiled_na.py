"""Neighborhood attention as dense attention over query tiles, for training on tensor cores.

Every T x T tile of queries attends to one key region that holds all of its queries' windows (dilation 1:
(T + K - 1) squared keys), through two batched matrix products; keys outside a query's own clamped window
are masked by an -inf bias, and the RPB enters through the same bias. That computes about (T + K - 1)^2 / K^2
times the logits of the windows themselves (2.7x for K = 11, T = 8), but as plain GEMMs whose backward is
plain GEMMs too: no K x K gathers per query and no atomic adds. The region copies hold each key
(T + K - 1)^2 / T^2 times instead of K^2 times. On CUDA the two products and the softmax between them run as one
fused attention kernel (scaled_dot_product_attention with the bias as its additive mask), so the logits never
reach memory: 1.1-1.3x the explicit products for forward + backward on the demo model's stages, 3.2 GiB less peak
memory in training.

The result is the NeighborhoodAttention2D of OPS.md; `python -m segman.ops.tiled_na` checks it against the
gather reference, forward and gradients, on the demo model's stage shapes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Dict, Iterable, Optional, Tuple

import numpy as np
import torch

from .agreement import attention_agreement, parse_check_arguments, print_attention_checks
from .devices import indexed_device
from .neighborhood_attention import window_tables
from .shapes import dims

TILE = 8


@dataclass(frozen=True)
class AxisTiles:
    """One axis cut into tiles of `tile` queries: each tile's first region key and, per (query, region key),
    the RPB row of that key, or the padding row 2K - 1 when the key is outside the query's window."""
    tile: int
    region: int
    starts: np.ndarray      # (tiles,)
    bias_rows: np.ndarray   # (tiles, tile, region)


def tile_size(length: int, largest: int = TILE) -> int:
    """The largest tile side up to `largest` that divides `length`."""
    return next(t for t in range(min(largest, length), 0, -1) if length % t == 0)


@lru_cache(maxsize=None)
def axis_tiles(length: int, kernel: int, dilation: int, largest: int = TILE) -> AxisTiles:
    keys, rows = window_tables(length, kernel, dilation)            # (length, K) each
    tile = tile_size(length, largest)
    tiles = length // tile
    tile_keys = keys.reshape(tiles, tile, kernel)
    lowest, highest = tile_keys.min(axis=(1, 2)), tile_keys.max(axis=(1, 2))
    region = int((highest - lowest).max()) + 1
    starts = np.minimum(lowest, length - region)
    bias_rows = np.full((tiles, tile, region), 2 * kernel - 1, dtype=np.int64)
    for t in range(tiles):
        for i in range(tile):
            query = t * tile + i
            bias_rows[t, i, keys[query] - starts[t]] = rows[query]
    return AxisTiles(tile, region, starts, bias_rows)


_DEVICE_TABLES: Dict[Tuple[int, int, int, torch.device], Tuple[AxisTiles, torch.Tensor, torch.Tensor]] = {}


def _device_tables(length: int, kernel: int, dilation: int,
                   device: torch.device) -> Tuple[AxisTiles, torch.Tensor, torch.Tensor]:
    """The axis's tiles with its region key positions (tiles, region) and bias rows on the device."""
    key = (length, kernel, dilation, indexed_device(device))
    if key not in _DEVICE_TABLES:
        axis = axis_tiles(length, kernel, dilation)
        positions = axis.starts[:, None] + np.arange(axis.region)[None, :]
        _DEVICE_TABLES[key] = (axis, torch.from_numpy(positions).to(device),
                               torch.from_numpy(axis.bias_rows).to(device))
    return _DEVICE_TABLES[key]


def prepare_tables(maps: Iterable[Tuple[int, int, int, int]], device: torch.device) -> None:
    """Make the tables of every (height, width, kernel, dilation) map now: a compiled model must find them made
    (building them while tracing would trace numpy)."""
    for height, width, kernel, dilation in maps:
        for length in (height, width):
            _device_tables(length, kernel, dilation, device)


def select(x: torch.Tensor, dim: int, index: torch.Tensor) -> torch.Tensor:
    """x.index_select(dim, index) with the index's shape in place of `dim`. index_select's backward adds with
    atomics, where advanced indexing's sorts every index first: with thousands of duplicates per bias entry that
    sort-and-accumulate took half of a training step."""
    shape = dims(x)
    return x.index_select(dim, index.reshape(-1)).reshape(*shape[:dim], *index.shape, *shape[dim + 1:])


def regions(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """(B, heads, H, W, d) -> (B, heads, tiles, Rh * Rw, d): every tile's key region, row-major."""
    batch, heads, _, _, dim = dims(x)
    tiles_h, region_h = rows.shape
    tiles_w, region_w = cols.shape
    x = select(select(x, 2, rows), 4, cols)                            # (B, heads, th, Rh, tw, Rw, d)
    return x.permute(0, 1, 2, 4, 3, 5, 6).reshape(batch, heads, tiles_h * tiles_w, region_h * region_w, dim)


_fused_products_chosen: Optional[bool] = None


def choose_products(fused: Optional[bool]) -> None:
    """How later calls that do not say run their products: fused, explicit, or (None) fused where available."""
    global _fused_products_chosen
    _fused_products_chosen = fused


def fused_products_available(device: torch.device) -> bool:
    """Whether the tile products can run as one fused attention kernel (PyTorch's scaled_dot_product_attention
    with an additive bias, CUDA): the logits then never reach memory."""
    return device.type == "cuda" and hasattr(torch.nn.functional, "scaled_dot_product_attention")


def _explicit_products(q_tiles: torch.Tensor, k_regions: torch.Tensor, v_regions: torch.Tensor,
                       bias: torch.Tensor) -> torch.Tensor:
    """softmax(q k^T + bias) v as two fp32 matrix products (TF32 where the caller allows it), outside any
    autocast, the logits in memory."""
    with torch.autocast(q_tiles.device.type, enabled=False):
        logits = torch.matmul(q_tiles.float(), k_regions.float().transpose(-1, -2)) + bias
        return torch.matmul(torch.softmax(logits, dim=-1), v_regions.float())


def _fused_products(q_tiles: torch.Tensor, k_regions: torch.Tensor, v_regions: torch.Tensor,
                    bias: torch.Tensor) -> torch.Tensor:
    """The same in one fused kernel, in q's dtype (the autocast dtype under autocast) with fp32 accumulation and
    softmax inside it. Heads and tiles become the kernel's heads; the bias is shared by the batch. The head dim is
    padded with zeros to a multiple of 8 (zero channels add nothing to a logit), as the memory-efficient kernel
    asks."""
    batch, heads, tiles, queries, dim = dims(q_tiles)
    keys = k_regions.shape[-2]
    padded = -(-dim // 8) * 8

    def flat(x: torch.Tensor, rows: int) -> torch.Tensor:
        x = x.reshape(batch, heads * tiles, rows, dim)
        return torch.nn.functional.pad(x, (0, padded - dim)) if padded != dim else x
    # Under autocast the kernel runs in the autocast dtype, so each input is cast to it once: cast to q's dtype (fp32
    # after the rotary embedding), a bf16 v went up and the autocast took it back down, both ways again in the
    # backward. The key regions are cast after their gather, so their gradients still sum in the keys' dtype.
    dtype = _autocast_dtype(q_tiles.device.type) or q_tiles.dtype
    out = torch.nn.functional.scaled_dot_product_attention(
        flat(q_tiles.to(dtype), queries), flat(k_regions.to(dtype), keys), flat(v_regions.to(dtype), keys),
        attn_mask=bias.reshape(1, heads * tiles, queries, keys).to(dtype), scale=1.0)
    return out[..., :dim].reshape(batch, heads, tiles, queries, dim)


def _autocast_dtype(device_type: str) -> Optional[torch.dtype]:
    """The dtype autocast runs products in on this device type; None outside autocast."""
    if hasattr(torch, "get_autocast_dtype"):  # PyTorch 2.4 and later
        return torch.get_autocast_dtype(device_type) if torch.is_autocast_enabled(device_type) else None
    return torch.get_autocast_gpu_dtype() if device_type == "cuda" and torch.is_autocast_enabled() else None


def tiled_neighborhood_attention_2d(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, kernel_size: int,
                                    dilation: int = 1, rpb: Optional[torch.Tensor] = None,
                                    fused: Optional[bool] = None) -> torch.Tensor:
    """OPS.md NeighborhoodAttention2D: q (pre-scaled), k, v (B, heads, H, W, d) -> (B, heads, H, W, d).

    `fused` (default: as `choose_products` said, else where available) runs each tile's products as one fused
    attention kernel in q's dtype (under autocast, the autocast dtype); otherwise they run in fp32 (TF32 where the
    caller allows it), outside any autocast, with fp32 logits and softmax in memory. The result has q's dtype."""
    batch, heads, height, width, dim = dims(q)
    rows, region_h, bias_h = _device_tables(height, kernel_size, dilation, q.device)
    cols, region_w, bias_w = _device_tables(width, kernel_size, dilation, q.device)
    tiles_h, tiles_w = height // rows.tile, width // cols.tile
    queries, keys = rows.tile * cols.tile, rows.region * cols.region
    table = torch.zeros(heads, 2 * kernel_size - 1, 2 * kernel_size - 1, device=q.device) if rpb is None else rpb
    # Padding row and column 2K - 1 hold -inf: keys outside a query's window drop out of its softmax.
    table = torch.nn.functional.pad(table.float(), (0, 1, 0, 1), value=float("-inf"))
    bias = select(select(table, 1, bias_h), 4, bias_w)                  # (heads, th, Th, Rh, tw, Tw, Rw)
    bias = bias.permute(0, 1, 4, 2, 5, 3, 6).reshape(heads, tiles_h * tiles_w, queries, keys)
    q_tiles = q.reshape(batch, heads, tiles_h, rows.tile, tiles_w, cols.tile, dim)
    q_tiles = q_tiles.permute(0, 1, 2, 4, 3, 5, 6).reshape(batch, heads, tiles_h * tiles_w, queries, dim)
    k_regions, v_regions = (regions(x, region_h, region_w) for x in (k, v))
    if fused is None:
        fused = fused_products_available(q.device) if _fused_products_chosen is None else _fused_products_chosen
    products = _fused_products if fused else _explicit_products
    out = products(q_tiles, k_regions, v_regions, bias)
    out = out.reshape(batch, heads, tiles_h, tiles_w, rows.tile, cols.tile, dim).permute(0, 1, 2, 4, 3, 5, 6)
    return out.reshape(batch, heads, height, width, dim).to(q.dtype)


def check(batch: int, heads: int, height: int, width: int, dim: int, kernel: int, dilation: int,
          device: torch.device, seed: int = 0, fused: Optional[bool] = None) -> Tuple[float, float]:
    """Output and worst gradient error against the gather reference (the products as `fused` picks them)."""
    return attention_agreement(partial(tiled_neighborhood_attention_2d, fused=fused), batch, heads, height, width,
                               dim, kernel, dilation, device, seed)


def main(argv: Optional[list] = None) -> int:
    args, device = parse_check_arguments("python -m segman.ops.tiled_na", __doc__.splitlines()[0], argv)
    print("| products, shape (B, heads, H, W, d, K, dilation) | out rel err | grad rel err |")
    print("|---|---|---|")
    worst = 0.0
    for fused in ((False, True) if fused_products_available(device) else (False,)):
        worst = max(worst, print_attention_checks(partial(check, fused=fused), device,
                                                  "fused " if fused else "explicit "))
    ok = worst <= args.tolerance
    print(f"tiled attention vs the gather reference: worst {worst:.1e} ({'within' if ok else 'ABOVE'} "
          f"{args.tolerance:.0e})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
