"""SS2D, SegMAN's 4-direction selective-scan token mixer (the official `VSSM`, d_state 1, ssm_ratio 1).

The official code cross-scans x first and then applies the per-direction projections x_proj and dt_proj
as grouped 1-D convolutions along the sequence. Both projections are per token, so here they run as
1x1 convolutions on the map before the scan; the scan op reads everything in map layout (OPS.md).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .ops.backend import SelectiveScan2D
from .ops.selective_scan import DIRECTIONS
from .ops.shapes import dims


class SS2D(nn.Module):
    def __init__(self, channels: int, state: int = 1, dt_rank: int = 0,
                 dt_min: float = 0.001, dt_max: float = 0.1, dt_floor: float = 1e-4) -> None:
        super().__init__()
        rank = dt_rank or math.ceil(channels / 16)
        self.channels, self.state, self.rank = channels, state, rank
        width = rank + 2 * state
        # Parameter names and shapes as in the official checkpoints.
        bound = channels ** -0.5
        self.x_proj_weight = nn.Parameter(torch.empty(DIRECTIONS * width, channels, 1).uniform_(-bound, bound))
        std = rank ** -0.5
        self.dt_projs_weight = nn.Parameter(torch.empty(DIRECTIONS, channels, rank).uniform_(-std, std))
        # Bias = softplus^-1 of a log-uniform dt in [dt_min, dt_max] (Mamba's initialisation).
        dt = torch.exp(torch.rand(DIRECTIONS, channels) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        dt = dt.clamp(min=dt_floor)
        self.dt_projs_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))
        self.A_logs = nn.Parameter(torch.log(torch.arange(1, state + 1, dtype=torch.float32)).repeat(DIRECTIONS * channels, 1))
        self.Ds = nn.Parameter(torch.ones(DIRECTIONS * channels))
        self.scan = SelectiveScan2D()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, D, H, W) -> (B, D, H, W)."""
        batch, _, height, width = dims(x)
        projected = F.conv2d(x, self.x_proj_weight.unsqueeze(-1))
        projected = projected.reshape(batch, DIRECTIONS, self.rank + 2 * self.state, height, width)
        dts = projected[:, :, :self.rank].reshape(batch, DIRECTIONS * self.rank, height, width)
        delta = F.conv2d(dts, self.dt_projs_weight.reshape(DIRECTIONS * self.channels, self.rank, 1, 1),
                         groups=DIRECTIONS)
        delta = delta.reshape(batch, DIRECTIONS, self.channels, height, width)
        B = projected[:, :, self.rank:self.rank + self.state]
        C = projected[:, :, self.rank + self.state:]
        A = -torch.exp(self.A_logs.float())
        return self.scan(x, delta, B, C, A, self.Ds.float(), self.dt_projs_bias.reshape(-1).float())
