import numpy as np
import pytest

from segman.rare_classes import RareClassSampler, class_pixel_counts


def _counts() -> np.ndarray:
    # 100 frames, 3 classes: class 0 everywhere (most pixels), classes 1 and 2 with 2000 pixels each: class 1 spread
    # thinly over frames 0..49, class 2 in frames 90..99 only
    counts = np.zeros((100, 3), np.int64)
    counts[:, 0] = 10_000
    counts[:50, 1] = 40
    counts[90:, 2] = 200
    return counts


def test_small_temperature_draws_the_classes_evenly_whatever_their_frequency() -> None:
    counts, ready = _counts(), np.ones(100, bool)
    probabilities = RareClassSampler(0.01).class_probabilities(counts, ready)
    assert probabilities.sum() == pytest.approx(1.0)
    assert probabilities[0] < 1e-10, "a class with most of the pixels is (nearly) never drawn for itself"
    assert probabilities[1] == pytest.approx(probabilities[2], rel=0.1)
    warm = RareClassSampler(100.0).class_probabilities(counts, ready)
    assert np.allclose(warm, 1 / 3, atol=0.01), "a large temperature draws every class alike"


def test_picks_come_from_frames_that_hold_the_drawn_class() -> None:
    counts, ready = _counts(), np.ones(100, bool)
    picks = RareClassSampler(0.01).picks(counts, ready, 4000, np.random.default_rng(0))
    assert picks.shape == (4000,) and picks.dtype == np.int64
    rare_share = np.isin(picks, np.arange(90, 100)).mean()
    assert 0.45 < rare_share < 0.55, f"the rare class's 10 frames are half the draws, not {rare_share:.2f}"
    uniform = np.random.default_rng(0).choice(100, 4000)
    assert np.isin(uniform, np.arange(90, 100)).mean() < 0.15


def test_only_ready_frames_and_enough_pixels_count() -> None:
    counts, ready = _counts(), np.ones(100, bool)
    ready[95:] = False
    picks = RareClassSampler(0.01, min_pixels=32).picks(counts, ready, 2000, np.random.default_rng(1))
    assert ready[picks].all()
    too_few = RareClassSampler(0.01, min_pixels=41)     # class 1's 40 pixels no longer make a frame hold it
    assert too_few.class_probabilities(counts, ready)[1] == 0
    picks = too_few.picks(counts, ready, 2000, np.random.default_rng(1))
    assert np.isin(picks, np.arange(90, 95)).all(), "class 2, in the ready frames 90..94, is all that is drawn"


def test_nothing_held_yet_falls_back_to_uniform_draws() -> None:
    counts, ready = np.zeros((8, 3), np.int64), np.zeros(8, bool)
    ready[[2, 5]] = True
    picks = RareClassSampler(0.1).picks(counts, ready, 50, np.random.default_rng(2))
    assert set(picks.tolist()) <= {2, 5}


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="temperature must be positive"):
        RareClassSampler(0.0)
    with pytest.raises(ValueError, match="min_pixels"):
        RareClassSampler(0.1, min_pixels=0)


def test_class_pixel_counts_skip_ignored_pixels() -> None:
    labels = np.array([[0, 0, 2], [255, 2, 7]], np.uint8)
    assert class_pixel_counts(labels, 3).tolist() == [2, 0, 2], "class 7 is beyond the 3 counted, 255 ignored"
