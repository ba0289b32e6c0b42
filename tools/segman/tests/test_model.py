import pytest
import torch

from segman.network import build_segman
from segman.ops.backend import use_backend
from segman.variants import get_variant, validate_input_size


def test_logits_at_one_eighth_and_training_step():
    model = build_segman("nano", num_classes=5)
    image = torch.randn(2, 3, 128, 160)
    logits = model(image)
    assert logits.shape == (2, 5, 16, 20)
    logits.logsumexp(1).mean().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)


def test_backends_agree_and_frozen_tables_change_nothing():
    torch.manual_seed(0)
    model = build_segman("nano").eval()
    image = torch.randn(1, 3, 128, 160)
    with torch.no_grad():
        reference = model(image)
        with use_backend("decomposed"):
            decomposed = model(image)
        with use_backend("custom"):
            custom = model(image)
        model.freeze_resolution(128, 160)
        frozen = model(image)
        model.freeze_resolution(None, None)
    scale = reference.abs().max()
    assert (decomposed - reference).abs().max() / scale < 1e-5
    assert torch.equal(custom, reference)
    assert (frozen - reference).abs().max() / scale < 1e-6


def test_input_size_validation_names_the_problem():
    with pytest.raises(ValueError, match="multiple of 32"):
        validate_input_size(get_variant("T"), 240, 256)
    with pytest.raises(ValueError, match="below 224"):
        validate_input_size(get_variant("T"), 192, 256)
    validate_input_size(get_variant("T"), 224, 512)
    assert get_variant("nano").min_input_side() == 128
