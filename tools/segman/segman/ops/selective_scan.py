"""Selective scan 2-D (cross-scan + selective scan + cross-merge) in plain PyTorch.

The contract is `SelectiveScan2D` in native/tensorrt-plugins/OPS.md: every input is in map layout and the
four scan directions are row-major, column-major and both reversed. With N = d_state, each channel is a
first-order linear recurrence h_t = a_t * h_{t-1} + b_t with a_t = exp(dt_t * A) in (0, 1], which is
solved here without a Python loop over tokens:

* ``chunked``: tokens are split into chunks; inside a chunk a log-depth (Hillis-Steele) scan gives the
  zero-start states, the chunk carries are scanned the same way (recursively), and the carry enters each
  token through the within-chunk cumulative decay exp(cumsum(dt * A)).
* ``logdepth``: one Hillis-Steele scan over the whole sequence (log2 L steps of shift, multiply, add),
  which exports to standard ONNX ops without loops.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .shapes import dims

SOFTPLUS_THRESHOLD = 20.0
DIRECTIONS = 4


def softplus(x: torch.Tensor) -> torch.Tensor:
    """softplus with torch's (and the CUDA kernel's) threshold: x itself above 20."""
    return torch.where(x > SOFTPLUS_THRESHOLD, x, torch.log1p(torch.exp(torch.clamp(x, max=SOFTPLUS_THRESHOLD))))


def scan_logdepth(decay: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """h_t = decay_t * h_{t-1} + b_t along the last axis, h_{-1} = 0, in ceil(log2 L) steps.

    After the step with span s, (decay_t, b_t) describe the segment (t-2s, t]: the first s positions are
    already final, every later one absorbs the segment that ends s positions before it.
    """
    length = dims(b)[-1]
    step = 1
    while step < length:
        b = torch.cat([b[..., :step], b[..., step:] + decay[..., step:] * b[..., :-step]], dim=-1)
        if 2 * step < length:
            decay = torch.cat([decay[..., :step], decay[..., step:] * decay[..., :-step]], dim=-1)
        step *= 2
    return b


def scan_chunked(log_decay: torch.Tensor, b: torch.Tensor, chunk: int = 128) -> torch.Tensor:
    """h_t = exp(log_decay_t) * h_{t-1} + b_t along the last axis, h_{-1} = 0 (log_decay <= 0)."""
    length = dims(b)[-1]
    if length <= chunk:
        return scan_logdepth(torch.exp(log_decay), b)
    pad = (-length) % chunk
    if pad:
        log_decay = F.pad(log_decay, (0, pad))
        b = F.pad(b, (0, pad))
    lead = dims(b)[:-1]
    log_decay = log_decay.reshape(*lead, -1, chunk)
    b = b.reshape(*lead, -1, chunk)
    cumulative = torch.cumsum(log_decay, dim=-1)                    # log of the decay since the chunk start
    local = scan_logdepth(torch.exp(log_decay), b)                  # states as if each chunk started at zero
    carry = scan_chunked(cumulative[..., -1], local[..., -1], chunk)  # true state at the end of each chunk
    incoming = F.pad(carry[..., :-1], (1, 0))                        # true state before each chunk
    states = local + torch.exp(cumulative) * incoming.unsqueeze(-1)
    return states.reshape(*lead, -1)[..., :length]


def to_scan_order(x: torch.Tensor) -> torch.Tensor:
    """(B, 4, C, H, W) map layout -> (B, 4, C, L): direction k's tensor in direction k's visiting order."""
    batch, _, channels, height, width = dims(x)
    length = height * width
    rows = x[:, 0::2].reshape(batch, 2, channels, length)
    cols = x[:, 1::2].transpose(-1, -2).reshape(batch, 2, channels, length)
    return torch.stack([rows[:, 0], cols[:, 0], rows[:, 1].flip(-1), cols[:, 1].flip(-1)], dim=1)


def merge_to_map(y: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(B, 4, C, L) in scan orders -> (B, C, H, W): undo each direction's order and sum them."""
    batch, _, channels, _ = dims(y)
    rows = y[:, 0] + y[:, 2].flip(-1)
    cols = y[:, 1] + y[:, 3].flip(-1)
    rows = rows.reshape(batch, channels, height, width)
    cols = cols.reshape(batch, channels, width, height).transpose(-1, -2)
    return rows + cols


def selective_scan_2d(u: torch.Tensor, delta: torch.Tensor, B: torch.Tensor, C: torch.Tensor,
                      A: torch.Tensor, D: torch.Tensor, delta_bias: torch.Tensor,
                      delta_softplus: bool = True, method: str = "chunked", chunk: int = 128) -> torch.Tensor:
    """OPS.md SelectiveScan2D. u (B,D,H,W); delta (B,4,D,H,W); B, C (B,4,N,H,W); A (4D,N); D, delta_bias (4D,).

    Computed in fp32; returns y (B,D,H,W) in u's dtype.
    """
    batch, channels, height, width = dims(u)
    state = dims(A)[1]
    u32 = u.float()
    dt = delta.float() + delta_bias.float().reshape(1, DIRECTIONS, channels, 1, 1)
    if delta_softplus:
        dt = softplus(dt)
    dt = to_scan_order(dt)                                                   # (B,4,D,L)
    rows = u32.reshape(batch, channels, height * width)
    cols = u32.transpose(-1, -2).reshape(batch, channels, height * width)
    us = torch.stack([rows, cols, rows.flip(-1), cols.flip(-1)], dim=1)            # (B,4,D,L)
    Bs = to_scan_order(B.float()).unsqueeze(2)                               # (B,4,1,N,L)
    Cs = to_scan_order(C.float()).unsqueeze(2)
    A4 = A.float().reshape(1, DIRECTIONS, channels, state, 1)
    log_decay = dt.unsqueeze(3) * A4                                          # (B,4,D,N,L)
    inputs = (dt * us).unsqueeze(3) * Bs
    if method == "chunked":
        h = scan_chunked(log_decay, inputs, chunk)
    elif method == "logdepth":
        h = scan_logdepth(torch.exp(log_decay), inputs)
    else:
        raise ValueError(f"unknown scan method '{method}'")
    y = (h * Cs).sum(3) + D.float().reshape(1, DIRECTIONS, channels, 1) * us
    return merge_to_map(y, height, width).to(u.dtype)
