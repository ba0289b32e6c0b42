"""The whole SegMAN segmentor: encoder + decoder, logits at 1/variant.output_stride of the input."""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from .decoder import Decoder
from .encoder import Encoder
from .variants import Variant, get_variant


class SegMAN(nn.Module):
    def __init__(self, variant: Variant, drop_path_rate: float = 0.0, dropout: float = 0.1) -> None:
        super().__init__()
        self.variant = variant
        self.encoder = Encoder(variant, drop_path_rate)
        self.decoder = Decoder(variant, dropout)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """(N, 3, H, W) normalised RGB -> (N, classes, H/s, W/s) logits, s = variant.output_stride."""
        return self.decoder(self.encoder(image))

    def freeze_resolution(self, height: Optional[int], width: Optional[int]) -> None:
        """Precompute RoPE tables and the stage-4 bias for one input size (for export); None undoes it."""
        self.encoder.freeze(height, width)


def build_segman(variant: str | Variant = "T", num_classes: int = 19, decoder_channels: Optional[int] = None,
                 drop_path_rate: float = 0.0, dropout: float = 0.1) -> SegMAN:
    spec = get_variant(variant) if isinstance(variant, str) else variant
    spec = spec.with_classes(num_classes)
    if decoder_channels is not None:
        spec = spec.with_decoder_channels(decoder_channels)
    return SegMAN(spec, drop_path_rate, dropout)
