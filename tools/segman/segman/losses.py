"""Training losses beyond plain cross-entropy.

`hard_pixel_cross_entropy` is online hard example mining (OHEM) for segmentation, as mmsegmentation's
OHEMPixelSampler does it: pixels the network already gets right with a high probability leave the loss, so the
gradient goes to what it still gets wrong, which in road scenes is mostly the thin and rare classes (poles, signs,
bicycles) and object borders. A minimum share of the labelled pixels, the hardest, always stays in.

`lovasz_softmax` is the Lovász-softmax loss (Berman, Rannen Triki and Blaschko, CVPR 2018): the convex extension
of each class's Jaccard loss (1 - IoU over the batch's pixels) to the softmax probabilities. Cross-entropy scores
every pixel alike, so a class of few pixels (a pole, a bicycle) weighs little in it; mIoU weighs every class
alike, and this loss does too.
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


def lovasz_softmax(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int, stride: int = 1) -> torch.Tensor:
    """Lovász-softmax over the labelled pixels of the batch, averaged over the classes present in `targets`
    (the loss of a class absent from the batch is not defined by its IoU). `stride` > 1 takes every stride-th row
    and column only: the sort over the pixels is the cost. Ignored pixels get an error of 0, so they sort last
    and add nothing. No host synchronisation."""
    if stride < 1:
        raise ValueError(f"stride is at least 1, got {stride}")
    logits, targets = logits[..., ::stride, ::stride], targets[..., ::stride, ::stride]
    classes = logits.shape[1]
    valid = (targets != ignore_index).flatten()
    precision = torch.promote_types(logits.dtype, torch.float32)
    probabilities = F.softmax(logits.to(precision), 1).permute(1, 0, 2, 3).reshape(classes, -1)
    foreground = F.one_hot(targets.clamp(0, classes - 1).flatten(), classes).t().to(precision) * valid
    errors = (foreground - probabilities).abs() * valid
    errors, order = errors.sort(dim=1, descending=True)
    foreground = foreground.gather(1, order)
    total = foreground.sum(1, keepdim=True)
    intersection = total - foreground.cumsum(1)
    union = total + (1 - foreground).cumsum(1)
    jaccard = 1 - intersection / union
    gradient = torch.cat((jaccard[:, :1], jaccard[:, 1:] - jaccard[:, :-1]), 1)
    per_class = (errors * gradient).sum(1)
    present = (total.squeeze(1) > 0).to(precision)
    return (per_class * present).sum() / present.sum().clamp(min=1)
