"""LASS, the token mixer of SegMAN's encoder: neighborhood attention with RoPE and RPB, then SS2D
(stages 1-3) or global attention with a learned, resized bias (stage 4), plus a LePE shortcut."""

from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .layers import LayerNorm2d, depthwise
from .ops.backend import NeighborhoodAttention2D
from .ops.shapes import dims
from .rope import rotate
from .ss2d import SS2D


class LASS(nn.Module):
    def __init__(self, channels: int, heads: int, kernel: int, dilation: int = 1,
                 global_mode: bool = False, bias_tokens: Tuple[int, int] = (7, 7)) -> None:
        super().__init__()
        self.channels, self.heads = channels, heads
        self.head_dim = channels // heads
        self.scale = self.head_dim ** -0.5
        self.global_mode = global_mode
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.lepe = depthwise(channels, 5)
        self.proj = nn.Conv2d(channels, channels, 1)
        self.na = NeighborhoodAttention2D(kernel, dilation)
        self.rpb_local = nn.Parameter(torch.zeros(heads, 2 * kernel - 1, 2 * kernel - 1))
        if global_mode:
            side_h, side_w = bias_tokens
            self.rpb_global = nn.Parameter(torch.zeros(heads, side_h * side_h, side_w * side_w))
        else:
            self.ssm_conv = depthwise(channels, 3)
            self.ssm_bn = nn.BatchNorm2d(channels)
            self.ssm = SS2D(channels)
            self.ssm_norm = LayerNorm2d(channels)
        self._frozen_bias: Optional[torch.Tensor] = None
        nn.init.xavier_normal_(self.qkv.weight, gain=2 ** -2.5)
        nn.init.zeros_(self.qkv.bias)
        nn.init.xavier_normal_(self.proj.weight, gain=2 ** -2.5)
        nn.init.zeros_(self.proj.bias)

    def global_bias(self, tokens: int) -> torch.Tensor:
        """The (heads, L, L) stage-4 bias: the learned table resized bicubically (as the official forward)."""
        if self._frozen_bias is not None and self._frozen_bias.shape[-1] == tokens:
            return self._frozen_bias
        return F.interpolate(self.rpb_global.unsqueeze(0), size=(tokens, tokens), mode="bicubic",
                             align_corners=False).squeeze(0)

    def freeze(self, tokens: Optional[int]) -> None:
        """Precompute the global bias for a fixed token count (export); None returns to per-forward resizing."""
        if self.global_mode:
            self._frozen_bias = None if tokens is None else self.global_bias(tokens).detach().clone()

    def forward(self, x: torch.Tensor, rope: Tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        batch, channels, height, width = dims(x)
        qkv = self.qkv(x)
        lepe = self.lepe(qkv[:, 2 * channels:])
        # channel = m*C + head*hd + c  ->  (3, B, heads, H, W, hd)
        qkv = qkv.reshape(batch, 3, self.heads, self.head_dim, height, width).permute(1, 0, 2, 4, 5, 3)
        sin, cos = rope
        q = rotate(qkv[0], sin, cos) * self.scale
        k = rotate(qkv[1], sin, cos)
        attended = self.na(q, k, qkv[2], self.rpb_local)                     # (B, heads, H, W, hd)
        if self.global_mode:
            tokens = height * width
            q = q.reshape(batch, self.heads, tokens, self.head_dim)
            k = k.reshape(batch, self.heads, tokens, self.head_dim)
            v = attended.reshape(batch, self.heads, tokens, self.head_dim)
            logits = torch.matmul(q, k.transpose(-1, -2)) + self.global_bias(tokens)
            out = torch.matmul(torch.softmax(logits, dim=-1), v)               # (B, heads, L, hd)
            mixed = out.transpose(-1, -2).reshape(batch, channels, height, width)
        else:
            attended = attended.permute(0, 1, 4, 2, 3).reshape(batch, channels, height, width)
            scanned = self.ssm(F.silu(self.ssm_bn(self.ssm_conv(attended))))
            mixed = self.ssm_norm(scanned) + attended
        return self.proj(mixed + lepe)
