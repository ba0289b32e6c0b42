"""Neighborhood attention 2-D (NATTEN 0.17 na2d_qk -> softmax -> na2d_av, with RPB) by gathering windows.

The contract is `NeighborhoodAttention2D` in native/tensorrt-plugins/OPS.md. Window positions depend only on
the map size, kernel and dilation, so they are computed once in numpy; in an ONNX export they become
constant Gather indices.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Optional, Tuple

import numpy as np
import torch

from .shapes import dims


def window_start(index: int, length: int, kernel: int, dilation: int) -> int:
    """NATTEN's get_window_start for one query index along one axis."""
    radius = kernel // 2
    if dilation <= 1:
        return max(min(index - radius, length - kernel), 0)
    if index - radius * dilation < 0:
        return index % dilation
    if index + radius * dilation >= length:
        full = (length // dilation) * dilation
        rest = length - full
        phase = index % dilation
        return length - rest + phase - 2 * radius * dilation if phase < rest else full + phase - kernel * dilation
    return index - radius * dilation


@lru_cache(maxsize=None)
def window_tables(length: int, kernel: int, dilation: int) -> Tuple[np.ndarray, np.ndarray]:
    """Key positions (length, kernel) and RPB rows (length, kernel) for every query along one axis."""
    if length < kernel * dilation:
        raise ValueError(f"neighborhood attention needs a side of at least kernel*dilation = "
                         f"{kernel * dilation}, got {length}")
    starts = np.array([window_start(i, length, kernel, dilation) for i in range(length)], dtype=np.int64)
    keys = starts[:, None] + dilation * np.arange(kernel, dtype=np.int64)[None, :]
    rows = (keys - np.arange(length, dtype=np.int64)[:, None]) // dilation + kernel - 1
    return keys, rows


def gather_windows(x: torch.Tensor, keys_h: torch.Tensor, keys_w: torch.Tensor, kernel: int) -> torch.Tensor:
    """(B, nh, H, W, c) -> (B, nh, H, W, K*K, c): every query's K x K keys, row-major in the window."""
    batch, heads, height, width, dim = dims(x)
    x = x.index_select(2, keys_h.reshape(-1)).reshape(batch, heads, height, kernel, width, dim)
    x = x.index_select(4, keys_w.reshape(-1)).reshape(batch, heads, height, kernel, width, kernel, dim)
    return x.permute(0, 1, 2, 4, 3, 5, 6).reshape(batch, heads, height, width, kernel * kernel, dim)


def window_bias(rpb: torch.Tensor, rows_h: torch.Tensor, rows_w: torch.Tensor, kernel: int) -> torch.Tensor:
    """(nh, 2K-1, 2K-1) table -> (nh, H, W, K*K) bias of every query's window."""
    heads = dims(rpb)[0]
    height, width = dims(rows_h)[0], dims(rows_w)[0]
    bias = rpb.index_select(1, rows_h.reshape(-1)).reshape(heads, height, kernel, -1)
    bias = bias.index_select(3, rows_w.reshape(-1)).reshape(heads, height, kernel, width, kernel)
    return bias.permute(0, 1, 3, 2, 4).reshape(heads, height, width, kernel * kernel)


def neighborhood_attention_2d(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, kernel_size: int,
                              dilation: int = 1, rpb: Optional[torch.Tensor] = None) -> torch.Tensor:
    """OPS.md NeighborhoodAttention2D: q (pre-scaled), k, v (B, heads, H, W, dim) -> (B, heads, H, W, dim).

    Logits and softmax are fp32; the result has q's dtype.
    """
    height, width = dims(q)[2:4]
    keys_h, rows_h = (torch.from_numpy(t).to(q.device) for t in window_tables(height, kernel_size, dilation))
    keys_w, rows_w = (torch.from_numpy(t).to(q.device) for t in window_tables(width, kernel_size, dilation))
    k_win = gather_windows(k, keys_h, keys_w, kernel_size)
    logits = torch.matmul(q.unsqueeze(-2), k_win.transpose(-1, -2)).squeeze(-2).float()
    if rpb is not None:
        logits = logits + window_bias(rpb.float(), rows_h, rows_w, kernel_size)
    attn = torch.softmax(logits, dim=-1).to(v.dtype)
    v_win = gather_windows(v, keys_h, keys_w, kernel_size)
    return torch.matmul(attn.unsqueeze(-2), v_win).squeeze(-2).to(q.dtype)
