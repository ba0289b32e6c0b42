import pytest
import torch
import torch.nn.functional as F

from segman.evaluate import IGNORE
from segman.losses import hard_pixel_cross_entropy, lovasz_softmax


def _batch(seed: int = 0, classes: int = 5):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, classes, 6, 7, generator=generator) * 3
    targets = torch.randint(0, classes, (2, 6, 7), generator=generator)
    targets[0, 0, :3] = IGNORE
    weight = torch.rand(classes, generator=generator) + 0.5
    return logits, targets, weight


def _probability(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.softmax(logits, 1).gather(1, targets.clamp(max=logits.shape[1] - 1).unsqueeze(1)).squeeze(1)


def test_keeping_every_pixel_is_the_class_weighted_cross_entropy() -> None:
    logits, targets, weight = _batch()
    expected = torch.nn.CrossEntropyLoss(weight=weight, ignore_index=IGNORE)(logits, targets)
    actual = hard_pixel_cross_entropy(logits, targets, weight, IGNORE, threshold=1.0, min_kept=0.01)
    assert torch.allclose(actual, expected, rtol=1e-6)


def test_pixels_above_the_threshold_leave_the_loss() -> None:
    logits, targets, weight = _batch(1)
    probability = _probability(logits, targets)
    hard = (probability <= 0.7) & (targets != IGNORE)
    assert 0 < int(hard.sum()) < int((targets != IGNORE).sum()), "the batch must have easy and hard pixels"
    only_hard = targets.masked_fill(~hard, IGNORE)
    expected = torch.nn.CrossEntropyLoss(weight=weight, ignore_index=IGNORE)(logits, only_hard)
    actual = hard_pixel_cross_entropy(logits, targets, weight, IGNORE, threshold=0.7, min_kept=1 / 84)
    assert torch.allclose(actual, expected, rtol=1e-6)


def test_the_hardest_share_stays_when_every_pixel_is_easy() -> None:
    logits, targets, weight = _batch(2)
    logits = logits + 20 * F.one_hot(targets.clamp(max=4), 5).permute(0, 3, 1, 2)  # every pixel right and sure
    probability = _probability(logits, targets).masked_fill(targets == IGNORE, float("inf"))
    assert float(probability[targets != IGNORE].min()) > 0.7
    count = int(0.25 * targets.numel())
    hardest = torch.zeros(targets.numel(), dtype=torch.bool)
    hardest[probability.flatten().argsort()[:count]] = True
    only_hardest = targets.masked_fill(~hardest.view_as(targets), IGNORE)
    expected = torch.nn.CrossEntropyLoss(weight=weight, ignore_index=IGNORE)(logits, only_hardest)
    actual = hard_pixel_cross_entropy(logits, targets, weight, IGNORE, threshold=0.7, min_kept=0.25)
    assert torch.allclose(actual, expected, rtol=1e-5)


def test_ignored_pixels_are_never_kept_and_get_no_gradient() -> None:
    logits, targets, _ = _batch(3)
    logits.requires_grad_(True)
    loss = hard_pixel_cross_entropy(logits, targets, None, IGNORE, threshold=0.7, min_kept=1.0)
    expected = F.cross_entropy(logits, targets, ignore_index=IGNORE)
    assert torch.allclose(loss, expected, rtol=1e-6), "min_kept 1 keeps every labelled pixel, no ignored one"
    loss.backward()
    assert torch.count_nonzero(logits.grad[0, :, 0, :3]) == 0


def test_easy_pixels_get_no_gradient() -> None:
    logits, targets, weight = _batch(4)
    logits.requires_grad_(True)
    hard_pixel_cross_entropy(logits, targets, weight, IGNORE, threshold=0.7, min_kept=1 / 84).backward()
    easy = (_probability(logits.detach(), targets) > 0.7) & (targets != IGNORE)
    assert bool(easy.any())
    assert torch.count_nonzero(logits.grad.permute(0, 2, 3, 1)[easy]) == 0


def test_min_kept_must_be_a_fraction() -> None:
    logits, targets, weight = _batch()
    with pytest.raises(ValueError, match="fraction"):
        hard_pixel_cross_entropy(logits, targets, weight, IGNORE, threshold=0.7, min_kept=0)


def _lovasz_by_class(probabilities: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Berman et al.'s algorithm written out one class at a time over a flat list of labelled pixels."""
    losses = []
    for c in range(probabilities.shape[1]):
        foreground = (targets == c).double()
        if foreground.sum() == 0:
            continue
        errors = (foreground - probabilities[:, c]).abs()
        order = errors.argsort(descending=True)
        total = float(foreground.sum())
        loss, previous = 0.0, 0.0
        for rank, index in enumerate(order.tolist(), start=1):
            taken = foreground[order[:rank]]
            jaccard = 1 - (total - float(taken.sum())) / (total + float((1 - taken).sum()))
            loss = loss + errors[index] * (jaccard - previous)
            previous = jaccard
        losses.append(loss)
    return torch.stack(losses).mean()


def test_lovasz_matches_the_per_class_algorithm_over_labelled_pixels_only() -> None:
    logits, targets, _ = _batch(4)
    logits = logits.double()
    labelled = targets != IGNORE
    flat_probabilities = F.softmax(logits, 1).permute(0, 2, 3, 1)[labelled]
    expected = _lovasz_by_class(flat_probabilities, targets[labelled])
    assert torch.allclose(lovasz_softmax(logits, targets, IGNORE), expected, rtol=1e-9)


def test_lovasz_of_certain_predictions_is_the_mean_jaccard_loss_of_the_present_classes() -> None:
    logits, targets, _ = _batch(5)
    predicted = logits.argmax(1)
    certain = 60.0 * F.one_hot(predicted, 5).permute(0, 3, 1, 2).double()
    labelled = targets != IGNORE
    jaccard_losses = []
    for c in range(5):
        truth, guess = (targets == c) & labelled, (predicted == c) & labelled
        if truth.any():
            jaccard_losses.append(1 - float((truth & guess).sum()) / float((truth | guess).sum()))
    expected = sum(jaccard_losses) / len(jaccard_losses)
    assert float(lovasz_softmax(certain, targets, IGNORE)) == pytest.approx(expected, abs=1e-9)
    perfect = 60.0 * F.one_hot(targets.clamp(max=4), 5).permute(0, 3, 1, 2).double()
    assert float(lovasz_softmax(perfect, targets, IGNORE)) == pytest.approx(0.0, abs=1e-9)


def test_lovasz_gives_ignored_pixels_no_gradient_and_its_gradient_is_the_derivative() -> None:
    logits, targets, _ = _batch(6)
    logits = logits.double().requires_grad_(True)
    lovasz_softmax(logits, targets, IGNORE).backward()
    assert float(logits.grad[0, :, 0, :3].abs().sum()) == 0.0
    assert float(logits.grad.abs().sum()) > 0
    small = logits.detach()[:1, :, :3, :3].clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: lovasz_softmax(x, targets[:1, :3, :3], IGNORE), (small,))


def test_lovasz_stride_scores_every_nth_row_and_column() -> None:
    logits, targets, _ = _batch(7)
    expected = lovasz_softmax(logits[..., ::2, ::2], targets[..., ::2, ::2], IGNORE)
    assert torch.equal(lovasz_softmax(logits, targets, IGNORE, stride=2), expected)
    with pytest.raises(ValueError, match="stride"):
        lovasz_softmax(logits, targets, IGNORE, stride=0)
