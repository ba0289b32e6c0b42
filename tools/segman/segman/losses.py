"""Training losses beyond plain cross-entropy.

`hard_pixel_cross_entropy` is online hard example mining (OHEM) for segmentation, as mmsegmentation's
OHEMPixelSampler does it: pixels the network already gets right with a high probability leave the loss, so the
gradient goes to what it still gets wrong, which in road scenes is mostly the thin and rare classes (poles, signs,
bicycles) and object borders. A minimum share of the labelled pixels, the hardest, always stays in.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F


def hard_pixel_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, weight: Optional[torch.Tensor],
                             ignore_index: int, threshold: float, min_kept: float) -> torch.Tensor:
    """Class-weighted cross-entropy over the hard pixels: those whose true-class probability is below `threshold`,
    or, if fewer, the `min_kept` fraction of all pixels with the lowest (ignored pixels are never kept). Normalised
    as `torch.nn.CrossEntropyLoss` normalises (by the kept pixels' class weights). No host synchronisation."""
    if not 0 < min_kept <= 1:
        raise ValueError(f"min_kept is a fraction of the pixels in (0, 1], got {min_kept}")
    nll = F.cross_entropy(logits, targets, ignore_index=ignore_index, reduction="none")
    valid = targets != ignore_index
    pixel_weight = valid.to(nll.dtype)
    if weight is not None:
        pixel_weight = pixel_weight * weight.to(nll.dtype)[targets.clamp(0, weight.numel() - 1)]
    with torch.no_grad():
        probability = torch.exp(-nll).masked_fill(~valid, float("inf")).flatten()
        kth = max(1, min(probability.numel(), int(min_kept * probability.numel())))
        floor = torch.kthvalue(probability, kth).values
        kept = valid & (probability.view_as(nll) <= torch.clamp(floor, min=threshold))
    kept_weight = pixel_weight * kept.to(nll.dtype)
    return (nll * kept_weight).sum() / kept_weight.sum().clamp(min=torch.finfo(nll.dtype).tiny)
