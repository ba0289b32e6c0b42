"""SegMAN encoder: conv stem, four stages of LASS blocks (strides 4/8/16/32), strided-conv downsampling."""

from __future__ import annotations

from typing import List, Optional, Tuple

import torch
from torch import nn

from .lass import LASS
from .layers import FFN, ConvBN, DropPath, LayerNorm2d, LayerScale, depthwise
from .ops.shapes import dims
from .rope import RoPE2d
from .variants import Variant


class Block(nn.Module):
    """x += cpe1(x); x += LS(LASS(LN(x))); x += cpe2(x); x += LS(FFN(LN(x)))."""

    def __init__(self, variant: Variant, stage: int, drop_path: float = 0.0) -> None:
        super().__init__()
        channels = variant.dims[stage]
        bias_side = variant.bias_image_size // 32
        self.cpe1 = depthwise(channels, 3)
        self.norm1 = LayerNorm2d(channels)
        self.mixer = LASS(channels, variant.heads[stage], variant.kernels[stage], variant.dilations[stage],
                          global_mode=(stage == 3), bias_tokens=(bias_side, bias_side))
        self.cpe2 = depthwise(channels, 3)
        self.norm2 = LayerNorm2d(channels)
        self.ffn = FFN(channels, variant.ffn_dim(stage))
        self.scale1: nn.Module = LayerScale(channels) if variant.layer_scale else nn.Identity()
        self.scale2: nn.Module = LayerScale(channels) if variant.layer_scale else nn.Identity()
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor, rope: Tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x = x + self.cpe1(x)
        x = x + self.drop_path(self.scale1(self.mixer(self.norm1(x), rope)))
        x = x + self.cpe2(x)
        return x + self.drop_path(self.scale2(self.ffn(self.norm2(x))))


class Stage(nn.Module):
    def __init__(self, variant: Variant, stage: int, drop_paths: List[float]) -> None:
        super().__init__()
        self.rope = RoPE2d(variant.dims[stage], variant.heads[stage])
        self.blocks = nn.ModuleList(Block(variant, stage, rate) for rate in drop_paths)
        self._frozen_rope: Optional[Tuple[int, int, torch.Tensor, torch.Tensor]] = None

    def freeze(self, size: Optional[Tuple[int, int]]) -> None:
        """Precompute the RoPE tables (and stage-4 bias) for a fixed map size; None undoes it."""
        self._frozen_rope = None if size is None else (size[0], size[1], *self.rope.tables(*size))
        for block in self.blocks:
            block.mixer.freeze(None if size is None else size[0] * size[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        height, width = dims(x)[-2:]
        frozen = self._frozen_rope
        if frozen is not None and (frozen[0], frozen[1]) == (height, width):
            rope = (frozen[2], frozen[3])
        else:
            rope = self.rope.tables(height, width)
        for block in self.blocks:
            x = block(x, rope)
        return x


class Encoder(nn.Module):
    def __init__(self, variant: Variant, drop_path_rate: float = 0.0) -> None:
        super().__init__()
        c0 = variant.dims[0]
        self.stem = nn.Sequential(
            ConvBN(3, c0 // 2, 3, 2, act="gelu"),
            ConvBN(c0 // 2, c0 // 2, 3, 1, act="gelu"),
            ConvBN(c0 // 2, c0, 3, 2, act="gelu"),
            ConvBN(c0, c0, 3, 1, act=None),
        )
        rates = torch.linspace(0, drop_path_rate, sum(variant.depths)).tolist()
        stages, downsamples, start = [], [], 0
        for stage, depth in enumerate(variant.depths):
            stages.append(Stage(variant, stage, rates[start:start + depth]))
            start += depth
            if stage < 3:
                downsamples.append(ConvBN(variant.dims[stage], variant.dims[stage + 1], 3, 2, act=None))
        self.stages = nn.ModuleList(stages)
        self.downsamples = nn.ModuleList(downsamples)
        self.apply(_init_weights)

    def freeze(self, height: Optional[int], width: Optional[int]) -> None:
        for stage, module in enumerate(self.stages):
            stride = 4 * 2 ** stage
            module.freeze(None if height is None or width is None else (height // stride, width // stride))

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """The stem's 1/2 map, then the outputs of the four stages (1/4 to 1/32)."""
        half = self.stem[1](self.stem[0](x))
        x = self.stem[3](self.stem[2](half))
        features = [half]
        for stage, module in enumerate(self.stages):
            x = module(x)
            features.append(x)
            if stage < 3:
                x = self.downsamples[stage](x)
        return features


def _init_weights(module: nn.Module) -> None:
    # The official encoder re-initialises every conv with trunc-normal(0.02) after construction.
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
