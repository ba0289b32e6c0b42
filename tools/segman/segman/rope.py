"""2-D rotary position embedding of SegMAN's LASS (rows rotate the first half of a head, columns the second)."""

from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

from .ops.shapes import dims


class RoPE2d(nn.Module):
    def __init__(self, channels: int, heads: int) -> None:
        super().__init__()
        quarter = channels // heads // 4
        angle = 1.0 / (10000 ** torch.linspace(0, 1, quarter))
        # Stored (and checkpointed) as [a0, a0, a1, a1, ...]: one angle per rotated pair.
        self.register_buffer("angle", angle.repeat_interleave(2))

    def tables(self, height: int, width: int) -> Tuple[torch.Tensor, torch.Tensor]:
        """sin, cos of shape (H, W, head_dim)."""
        rows = torch.arange(height, device=self.angle.device, dtype=self.angle.dtype)[:, None] * self.angle
        cols = torch.arange(width, device=self.angle.device, dtype=self.angle.dtype)[:, None] * self.angle
        half = self.angle.shape[0]
        phase = torch.cat([rows[:, None, :].expand(height, width, half),
                           cols[None, :, :].expand(height, width, half)], dim=-1)
        return torch.sin(phase), torch.cos(phase)


def rotate(x: torch.Tensor, sin: torch.Tensor, cos: torch.Tensor) -> torch.Tensor:
    """x * cos + rot(x) * sin with rot(x)[2m] = -x[2m+1], rot(x)[2m+1] = x[2m] on the last axis."""
    shape = dims(x)
    pairs = x.reshape(*shape[:-1], -1, 2)
    turned = torch.stack([-pairs[..., 1], pairs[..., 0]], dim=-1).reshape(shape)
    return x * cos + turned * sin
