"""SegMAN variants: the official encoder and decoder configurations, plus a small test-only variant."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Tuple

STRIDES: Tuple[int, int, int, int] = (4, 8, 16, 32)


@dataclass(frozen=True)
class Variant:
    """Hyper-parameters of one SegMAN network (encoder stages 1-4 and the decoder)."""

    name: str
    dims: Tuple[int, int, int, int]
    depths: Tuple[int, int, int, int]
    heads: Tuple[int, int, int, int]
    kernels: Tuple[int, int, int, int]
    mlp_ratios: Tuple[float, float, float, float]
    layer_scale: bool
    decoder_channels: int
    feat_proj_dim: int
    num_classes: int = 19
    dilations: Tuple[int, int, int, int] = (1, 1, 1, 1)
    # Stage-4 global attention bias is learned at (image_size // 32)^2 tokens and resized per forward.
    bias_image_size: int = 224
    # Not in the official models: > 0 adds a light head that refines the 1/8 decoder output at 1/4 with the stage-1
    # features projected to this many channels, so that the logits come out at 1/4.
    detail_channels: int = 0
    # Not in the official models: > 0 adds a second such head at 1/2, after the first, with the stem's 1/2 features
    # projected to this many channels, so that the logits come out at 1/2.
    fine_channels: int = 0

    @property
    def output_stride(self) -> int:
        return 2 if self.fine_channels > 0 else 4 if self.detail_channels > 0 else 8

    def ffn_dim(self, stage: int) -> int:
        return int(self.mlp_ratios[stage] * self.dims[stage])

    def head_dim(self, stage: int) -> int:
        return self.dims[stage] // self.heads[stage]

    def with_classes(self, num_classes: int) -> "Variant":
        return replace(self, num_classes=num_classes)

    def with_decoder_channels(self, channels: int) -> "Variant":
        return replace(self, decoder_channels=channels)

    def min_input_side(self) -> int:
        """Smallest multiple of 32 for which every stage map holds a whole NA window (NATTEN's rule)."""
        need = max(k * d * s for k, d, s in zip(self.kernels, self.dilations, STRIDES))
        return int(math.ceil(need / 32) * 32)


VARIANTS = {
    "T": Variant("T", (32, 64, 144, 192), (2, 2, 4, 2), (1, 2, 4, 8), (11, 9, 9, 7),
                 (4, 4, 3, 3), False, decoder_channels=128, feat_proj_dim=192),
    # Decoder channels 144 as in the ADE20K/COCO configs; the Cityscapes config uses 152.
    "S": Variant("S", (64, 144, 288, 512), (2, 2, 10, 4), (2, 4, 8, 16), (11, 9, 7, 7),
                 (4, 4, 3.4, 3.4), False, decoder_channels=144, feat_proj_dim=288),
    "B": Variant("B", (96, 160, 364, 560), (4, 4, 18, 4), (4, 8, 13, 20), (11, 9, 7, 7),
                 (4, 4, 3, 3), True, decoder_channels=180, feat_proj_dim=320),
    "L": Variant("L", (96, 192, 432, 640), (4, 4, 28, 4), (4, 8, 12, 20), (11, 9, 7, 7),
                 (4, 4, 3, 3), True, decoder_channels=224, feat_proj_dim=432),
    # Not an official model: SegMAN-T's encoder with a slimmer decoder (48 channels, feat_proj 96), so that
    # the fp32 ONNX graph at 256x512 stays under 16 MiB; the demo model trained on rendered scenes.
    "T-slim": Variant("T-slim", (32, 64, 144, 192), (2, 2, 4, 2), (1, 2, 4, 8), (11, 9, 9, 7),
                      (4, 4, 3, 3), False, decoder_channels=48, feat_proj_dim=96),
    # Not an official model: T-slim plus the 1/4 refinement head (32 channels of stage-1 features), for thin and small
    # classes (poles, signs, lights, bicycles) that a 1/8 output blurs away at 256x512.
    "T-slim4": Variant("T-slim4", (32, 64, 144, 192), (2, 2, 4, 2), (1, 2, 4, 8), (11, 9, 9, 7),
                       (4, 4, 3, 3), False, decoder_channels=48, feat_proj_dim=96, detail_channels=32),
    # Not an official model: T-slim4 plus a 1/2 refinement head (16 channels of the stem's 1/2 features), for the edges
    # of thin classes that a 1/4 output still blurs.
    "T-slim2": Variant("T-slim2", (32, 64, 144, 192), (2, 2, 4, 2), (1, 2, 4, 8), (11, 9, 9, 7),
                       (4, 4, 3, 3), False, decoder_channels=48, feat_proj_dim=96, detail_channels=32,
                       fine_channels=16),
    # Not an official model: T-slim4 with a wider decoder (64 channels, feat_proj 128; 3.38 M parameters), whose fp32
    # graph at 320x640 (16.4 MB) still fits in 16 MiB.
    "T-mid4": Variant("T-mid4", (32, 64, 144, 192), (2, 2, 4, 2), (1, 2, 4, 8), (11, 9, 9, 7),
                      (4, 4, 3, 3), False, decoder_channels=64, feat_proj_dim=128, detail_channels=32),
    # Not an official model: the same architecture, shrunk for fast tests and fixtures.
    "nano": Variant("nano", (16, 32, 48, 64), (1, 1, 1, 1), (1, 2, 2, 4), (11, 9, 7, 3),
                    (2, 2, 2, 2), True, decoder_channels=32, feat_proj_dim=32),
}

# Decoder channels per dataset config where they differ from the variant default.
CITYSCAPES_DECODER_CHANNELS = {"S": 152}


def get_variant(name: str) -> Variant:
    key = name if name in VARIANTS else name.upper()
    if key not in VARIANTS:
        raise ValueError(f"unknown SegMAN variant '{name}'; choose one of {', '.join(VARIANTS)}")
    return VARIANTS[key]


def validate_input_size(variant: Variant, height: int, width: int) -> None:
    """Raise ValueError unless (height, width) can run through the network."""
    low = variant.min_input_side()
    problems = []
    for label, side in (("height", height), ("width", width)):
        if side % 32 != 0:
            problems.append(f"{label} {side} is not a multiple of 32 (pixel-unshuffle at 1/32)")
        if side < low:
            problems.append(f"{label} {side} is below {low}: the NA windows of SegMAN-{variant.name} "
                            f"(kernels {list(variant.kernels)}) must fit in every stage map")
    if problems:
        raise ValueError("invalid input size: " + "; ".join(problems))
