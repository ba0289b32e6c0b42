import json
from pathlib import Path

import numpy as np
import pytest
import torch

from segman.calibrate import (adjustment, choose_tau, fold_into_classifier, miou_of, read_class_weights,
                              sample_logits)
from segman.evaluate import IGNORE, NUM_CLASSES, confusion, scores, upsample_nearest, upsampled_argmax
from segman.frames import normalize_bgr
from segman.random_weights import random_model


def test_adjustment_is_minus_tau_log_weight() -> None:
    weights = torch.tensor([0.5, 1.0, 3.0])
    assert torch.equal(adjustment(weights, 0.0), torch.zeros(3))
    assert torch.allclose(adjustment(weights, 0.5), torch.tensor([0.5 * np.log(2.0), 0.0, -0.5 * np.log(3.0)], dtype=torch.float32))


def test_miou_of_matches_the_protocol_scores() -> None:
    generator = torch.Generator().manual_seed(3)
    logits = torch.randn(5000, NUM_CLASSES, generator=generator)
    labels = torch.randint(0, 7, (5000,), generator=generator)     # classes 7.. never true: some only predicted
    expected = scores(confusion(logits.argmax(1).numpy(), labels.numpy()), 1).miou
    assert miou_of(logits, labels) == pytest.approx(expected)


def test_choose_tau_takes_the_weighting_tilt_back_out() -> None:
    # Three classes; the network's logits are the log-posteriors tilted by the training weights, so class 2
    # (weight 3) is over-predicted and class 0 (weight 0.5) under-predicted: taking the tilt out helps.
    generator = torch.Generator().manual_seed(0)
    weights = torch.tensor([0.5, 1.0, 3.0])
    labels = torch.multinomial(torch.tensor([0.6, 0.3, 0.1]), 20000, replacement=True, generator=generator)
    clean = torch.nn.functional.one_hot(labels, 3).float() * 1.5 + torch.randn(20000, 3, generator=generator)
    tilted = clean + weights.log()
    result = choose_tau(tilted, labels, weights, taus=(0.25, 0.5, 1.0, 1.5))
    assert [tau for tau, _ in result.scores] == [0.0, 0.25, 0.5, 1.0, 1.5]
    assert result.as_dict()["miou_after"] == round(result.miou_after, 5)
    assert result.miou_after == max(score for _, score in result.scores) == pytest.approx(
        miou_of(tilted, labels, adjustment(weights, result.tau)), abs=1e-5)
    assert result.tau >= 1.0 and result.miou_after > result.miou_before + 0.1
    assert result.miou_before == pytest.approx(miou_of(tilted, labels))
    assert result.bias == pytest.approx(adjustment(weights, result.tau).tolist(), abs=1e-6)


def test_choose_tau_keeps_zero_when_nothing_helps() -> None:
    labels = torch.tensor([0, 1, 2, 0, 1, 2])
    logits = torch.nn.functional.one_hot(labels, 3).float() * 10
    result = choose_tau(logits, labels, torch.tensor([0.5, 1.0, 3.0]), taus=(0.5, 1.0))
    assert result.tau == 0.0 and result.miou_after == result.miou_before == 1.0


def test_folding_shifts_every_logit_by_the_bias() -> None:
    model = random_model("nano", 0).eval()
    image = torch.randn(1, 3, 128, 160, generator=torch.Generator().manual_seed(1))
    bias = torch.linspace(-1.0, 1.0, NUM_CLASSES)
    with torch.no_grad():
        before = model(image)
        fold_into_classifier(model, bias)
        after = model(image)
    assert torch.allclose(after, before + bias[None, :, None, None], atol=1e-5)
    with pytest.raises(ValueError, match="outputs"):
        fold_into_classifier(model, torch.zeros(3))


def test_sampled_logits_are_those_of_the_protocol_at_each_label_pixel() -> None:
    model = random_model("nano", 0).eval()
    rng = np.random.default_rng(5)
    frames = []
    for _ in range(2):
        image = rng.integers(0, 256, (40, 72, 3), dtype=np.uint8)
        truth = rng.integers(0, NUM_CLASSES, (40, 72)).astype(np.uint8)
        truth[:3] = IGNORE
        frames.append((image, truth))
    logits, labels = sample_logits(model, frames, 128, 160, pixels_per_frame=10**6)      # every valid pixel
    expected_predictions, expected_labels = [], []
    for image, truth in frames:
        with torch.no_grad():
            prediction = upsampled_argmax(model(normalize_bgr(image, 128, 160)), 128, 160)[0].numpy()
        full = upsample_nearest(prediction, *truth.shape)
        valid = truth != IGNORE
        expected_predictions.append(full[valid])
        expected_labels.append(truth[valid])
    assert np.array_equal(labels.numpy(), np.concatenate(expected_labels))
    assert np.array_equal(logits.argmax(1).numpy(), np.concatenate(expected_predictions))


def test_class_weights_come_from_the_training_report(tmp_path: Path) -> None:
    report = tmp_path / "train.json"
    report.write_text(json.dumps({"classWeights": [0.5, 3.0]}))
    assert read_class_weights(report).tolist() == [0.5, 3.0]
    report.write_text(json.dumps({"steps": 10}))
    with pytest.raises(ValueError, match="no classWeights"):
        read_class_weights(report)
    with pytest.raises(FileNotFoundError, match="pass --report"):
        read_class_weights(tmp_path / "missing.json")


def test_the_class_tilt_of_a_sampled_run_is_what_gets_taken_out(tmp_path: Path) -> None:
    report = tmp_path / "train.json"
    report.write_text(json.dumps({"classWeights": [0.5, 3.0], "classTilt": [0.4, 4.5]}))
    assert read_class_weights(report).tolist() == pytest.approx([0.4, 4.5])
    report.write_text(json.dumps({"classWeights": [0.5, 3.0], "classTilt": [0.4, 0.0]}))
    with pytest.raises(ValueError, match="classTilt must be positive"):
        read_class_weights(report)
