"""Fold inference-mode BatchNorm into the convolution before it (for export)."""

from __future__ import annotations

import copy

import torch
from torch import nn

from .lass import LASS
from .layers import ConvBN
from .network import SegMAN


def fold_conv_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> nn.Conv2d:
    """A conv with bias computing bn(conv(x)) with bn's running statistics."""
    fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding,
                      conv.dilation, conv.groups, bias=True)
    with torch.no_grad():
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        fused.weight.copy_(conv.weight * scale.reshape(-1, 1, 1, 1))
        bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
        fused.bias.copy_((bias - bn.running_mean) * scale + bn.bias)
    return fused


def fold_batchnorm(model: SegMAN) -> SegMAN:
    """An eval-mode copy of `model` without BatchNorm layers."""
    folded = copy.deepcopy(model).eval()
    for module in folded.modules():
        if isinstance(module, ConvBN) and isinstance(module.bn, nn.BatchNorm2d):
            module.conv = fold_conv_bn(module.conv, module.bn)
            module.bn = nn.Identity()
        elif isinstance(module, LASS) and isinstance(getattr(module, "ssm_bn", None), nn.BatchNorm2d):
            module.ssm_conv = fold_conv_bn(module.ssm_conv, module.ssm_bn)
            module.ssm_bn = nn.Identity()
    return folded
