"""SegMAN decoder: SegFormer-style fusion at 1/8 and MMSCopE (one SS2D block over multi-scale maps at 1/32), and for
variants with `detail_channels` a light refinement at 1/4 with the stage-1 features (and with `fine_channels` a
second one at 1/2 with the stem's 1/2 features)."""

from __future__ import annotations

from typing import List, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .layers import FFN, ConvBN, LayerNorm2d, depthwise
from .ops.shapes import dims
from .ss2d import SS2D
from .variants import Variant


class SS2DBlock(nn.Module):
    """x += cpe1(x); x += SS2D(LN(x)); x += cpe2(x); x += FFN4x(LN(x))."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm1 = LayerNorm2d(channels)
        self.cpe1 = depthwise(channels, 3)
        self.ssm = SS2D(channels)
        self.norm2 = LayerNorm2d(channels)
        self.cpe2 = depthwise(channels, 3)
        self.ffn = FFN(channels, 4 * channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.cpe1(x)
        x = x + self.ssm(self.norm1(x))
        x = x + self.cpe2(x)
        return x + self.ffn(self.norm2(x))


def _embed(linear: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """Per-pixel Linear on an NCHW map."""
    batch, channels, height, width = dims(x)
    y = linear(x.reshape(batch, channels, height * width).transpose(1, 2))
    return y.transpose(1, 2).reshape(batch, -1, height, width)


def _resize(x: torch.Tensor, size: Tuple[int, ...]) -> torch.Tensor:
    """Bilinear, align_corners=False, as mmseg's resize. An exact integer factor is passed as a scale
    (the same sampling positions), which exports as a constant-scale Resize instead of a shape computation."""
    height, width = dims(x)[-2:]
    if size[0] % height == 0 and size[0] // height == size[1] // width and size[1] % width == 0:
        return F.interpolate(x, scale_factor=float(size[0] // height), mode="bilinear", align_corners=False)
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class Decoder(nn.Module):
    def __init__(self, variant: Variant, dropout: float = 0.1) -> None:
        super().__init__()
        ch, fp = variant.decoder_channels, variant.feat_proj_dim
        dims = variant.dims
        self.embed_c2 = nn.Linear(dims[1], fp)
        self.embed_c3 = nn.Linear(dims[2], fp)
        self.embed_c4 = nn.Linear(dims[3], fp)
        self.fuse = ConvBN(3 * fp, ch, 1)
        self.short_path = ConvBN(ch, ch, 1)
        self.image_pool = ConvBN(ch, ch, 1)
        self.down2 = ConvBN(ch, 2 * ch, 3, 2, padding=1)
        self.down4 = ConvBN(ch, 4 * ch, 5, 4, padding=1)
        # reduce[i] takes 4*ch*2^i channels: the 1/32 conv map, the unshuffled 1/16 map, the unshuffled 1/8 map.
        self.reduce = nn.ModuleList(ConvBN(4 * ch * 2 ** i, ch, 1) for i in range(3))
        self.ssm_block = SS2DBlock(3 * ch)
        self.proj_out = ConvBN(3 * ch, fp, 1)
        self.merge = ConvBN(5 * ch + 3 * fp, ch, 1)
        if variant.detail_channels > 0:
            # Upsampled decoder output + projected stage-1 features, mixed by a depthwise 3x3 and a 1x1.
            mixed = ch + variant.detail_channels
            self.detail = ConvBN(dims[0], variant.detail_channels, 1)
            self.refine_dw = depthwise(mixed, 3)
            self.refine = ConvBN(mixed, ch, 1)
        if variant.fine_channels > 0:
            mixed = ch + variant.fine_channels
            self.fine = ConvBN(dims[0] // 2, variant.fine_channels, 1)
            self.fine_refine_dw = depthwise(mixed, 3)
            self.fine_refine = ConvBN(mixed, ch, 1)
        self.dropout = nn.Dropout2d(dropout)
        self.classifier = nn.Conv2d(ch, variant.num_classes, 1)

    def forward(self, features: List[torch.Tensor]) -> torch.Tensor:
        c0, c1, c2, c3, c4 = features                    # c0, c1 (strides 2, 4): only the refinements use them
        size = dims(c2)[-2:]
        e4 = _resize(_embed(self.embed_c4, c4), size)
        e3 = _resize(_embed(self.embed_c3, c3), size)
        e2 = _embed(self.embed_c2, c2)
        x = self.fuse(torch.cat([e4, e3, e2], dim=1))   # 1/8
        # A 1x1 map resized bilinearly is a broadcast.
        pooled = self.image_pool(x.mean(dim=(2, 3), keepdim=True)).expand(dims(x))
        multi = torch.cat([
            self.reduce[2](F.pixel_unshuffle(x, 4)),
            self.reduce[1](F.pixel_unshuffle(self.down2(x), 2)),
            self.reduce[0](self.down4(x)),
        ], dim=1)                                        # 3*ch at 1/32
        scanned = _resize(self.ssm_block(multi), size)
        projected = self.proj_out(scanned)
        x = self.merge(torch.cat([self.short_path(x), pooled, scanned,
                                  e2 + projected, e3 + projected, e4 + projected], dim=1))
        if hasattr(self, "detail"):
            x = torch.cat([_resize(x, dims(c1)[-2:]), self.detail(c1)], dim=1)
            x = self.refine(self.refine_dw(x))
        if hasattr(self, "fine"):
            x = torch.cat([_resize(x, dims(c0)[-2:]), self.fine(c0)], dim=1)
            x = self.fine_refine(self.fine_refine_dw(x))
        return self.classifier(self.dropout(x))
