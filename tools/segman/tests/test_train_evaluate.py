import json
import math
from typing import List, Tuple

import numpy as np
import pytest
import torch

from segman.evaluate import (IGNORE, NUM_CLASSES, Confusion, cell_majority, ceiling, confusion, evaluate, scores,
                             torch_predictor, upsample_nearest, upsampled_argmax)


def test_upsample_nearest_samples_at_pixel_centres() -> None:
    small = np.arange(6, dtype=np.uint8).reshape(2, 3)
    big = upsample_nearest(small, 4, 6)
    assert big.shape == (4, 6)
    assert (big[:2, :2] == 0).all() and (big[2:, 4:] == 5).all()
    # An integer factor f is y // f.
    assert np.array_equal(upsample_nearest(small, 16, 24), np.repeat(np.repeat(small, 8, 0), 8, 1))
    # 3 -> 7 columns: floor((x + 0.5) * 3 / 7) = 0,0,1,1,1,2,2 (floor(x * 3 / 7) would give 0,0,0,1,1,2,2).
    assert upsample_nearest(small, 2, 7)[0].tolist() == [0, 0, 1, 1, 1, 2, 2]


def test_confusion_counts_rows_as_truth_and_skips_ignore() -> None:
    truth = np.array([[0, 0, 1, IGNORE]], np.uint8)
    predicted = np.array([[0, 1, 1, 2]], np.uint8)
    matrix = confusion(predicted, truth)
    assert matrix.sum() == 3
    assert matrix[0, 0] == 1 and matrix[0, 1] == 1 and matrix[1, 1] == 1


def test_miou_excludes_classes_absent_from_prediction_and_truth() -> None:
    matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), np.int64)
    matrix[0, 0], matrix[0, 1], matrix[1, 1] = 3, 1, 2        # class 0: 3/4, class 1: 2/3
    matrix[2, 3] = 5                                        # class 2 missed entirely, class 3 never right
    result = scores(matrix, frames=1)
    assert result.iou[0] == pytest.approx(0.75) and result.iou[1] == pytest.approx(2 / 3)
    assert result.iou[2] == 0.0 and result.iou[3] == 0.0
    assert all(value is None for value in result.iou[4:])
    assert result.miou == pytest.approx((0.75 + 2 / 3) / 4)
    assert math.isnan(scores(np.zeros_like(matrix), 0).miou)


def test_confusion_is_summed_over_frames_not_averaged() -> None:
    total = Confusion()
    total.add(np.zeros((1, 1), np.uint8), np.zeros((8, 8), np.uint8))          # 64 right pixels of class 0
    truth = np.zeros((8, 8), np.uint8)
    truth[:, 4:] = 1
    total.add(np.zeros((1, 2), np.uint8), truth)                            # 32 right, 32 class 1 as 0
    result = total.scores()
    assert result.frames == 2 and result.pixels == 128
    assert result.iou[0] == pytest.approx(96 / 128) and result.iou[1] == 0.0


def test_evaluate_scores_a_perfect_predictor_at_one() -> None:
    rng = np.random.default_rng(1)
    small = [rng.integers(0, NUM_CLASSES, (2, 4)).astype(np.uint8) for _ in range(3)]
    frames = [(np.zeros((16, 32, 3), np.uint8), upsample_nearest(s, 16, 32)) for s in small]
    served = iter(small)

    def predict(batch: torch.Tensor) -> np.ndarray:
        assert batch.shape[1:] == (3, 16, 32)
        return np.stack([next(served) for _ in range(batch.shape[0])])

    result = evaluate(predict, frames, 16, 32, batch=2)
    assert result.frames == 3 and result.miou == pytest.approx(1.0)


def test_ceiling_is_one_for_blocky_labels_and_below_one_for_thin_ones() -> None:
    rng = np.random.default_rng(2)
    blocky = upsample_nearest(rng.integers(0, NUM_CLASSES, (4, 8)).astype(np.uint8), 32, 64)
    assert ceiling([(np.zeros((16, 32, 3), np.uint8), blocky)], 32, 64).miou == pytest.approx(1.0)
    thin = np.zeros((32, 64), np.uint8)
    thin[:, 10:12] = 5                      # a 2-pixel pole never wins an 8x8 cell
    result = ceiling([(np.zeros((32, 64, 3), np.uint8), thin)], 32, 64)
    assert result.iou[5] == 0.0 and result.miou == pytest.approx((1 - 64 / 2048) / 2)
    assert cell_majority(thin, 8).shape == (4, 8)


def test_ceiling_command_scores_the_rendered_val_scenes_at_the_stride_asked(tmp_path) -> None:
    from segman.evaluate import main
    from segman.scenes.dataset import SceneSet

    main(["--ceiling", "--ceiling-stride", "4", "--val", "2", "--json", str(tmp_path / "ceiling.json")])
    written = json.loads((tmp_path / "ceiling.json").read_text())["ceiling"]
    (scored,) = written.values()
    frames = list(SceneSet("val", 0, 2, 256, 512))
    assert scored["mIoU"] == pytest.approx(ceiling(frames, 256, 512, 4).miou, abs=1e-5)
    assert scored["mIoU"] > ceiling(frames, 256, 512, 8).miou    # finer cells fit thin classes better


def _bilinear_reference(logits: np.ndarray, height: int, width: int) -> np.ndarray:
    """Half-pixel bilinear resize of (C, h, w) in float64, written out per output pixel."""
    classes, small_h, small_w = logits.shape

    def taps(out: int, size: int) -> List[Tuple[int, int, float]]:
        result = []
        for i in range(out):
            source = max((i + 0.5) * size / out - 0.5, 0.0)
            low = int(source)
            result.append((low, min(low + 1, size - 1), source - low))
        return result

    rows, cols = taps(height, small_h), taps(width, small_w)
    out = np.zeros((classes, height, width))
    for y, (y0, y1, wy) in enumerate(rows):
        for x, (x0, x1, wx) in enumerate(cols):
            top = (1 - wx) * logits[:, y0, x0] + wx * logits[:, y0, x1]
            bottom = (1 - wx) * logits[:, y1, x0] + wx * logits[:, y1, x1]
            out[:, y, x] = (1 - wy) * top + wy * bottom
    return out


def test_upsampled_argmax_is_the_argmax_of_bilinear_logits() -> None:
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(1, 5, 4, 6)).astype(np.float32)
    got = upsampled_argmax(torch.from_numpy(logits), 32, 48).numpy()[0]
    smooth = _bilinear_reference(logits[0].astype(np.float64), 32, 48)
    want = smooth.argmax(0)
    top2 = np.sort(smooth, axis=0)[-2:]
    decided = (top2[1] - top2[0]) > 1e-5                  # float32 vs float64 may split near-ties
    assert got.shape == (32, 48) and got.dtype == np.uint8
    assert (got[decided] == want[decided]).all()
    # Bilinear labels follow the logits between cell centres, which nearest upsampling cannot.
    assert (got != upsample_nearest(logits[0].argmax(0).astype(np.uint8), 32, 48)).any()


def test_torch_predictor_returns_labels_at_the_input_size() -> None:
    class Stride8(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.avg_pool2d(x, 8).repeat(1, 7, 1, 1)[:, :NUM_CLASSES]

    batch = torch.randn(2, 3, 16, 32)
    labels = torch_predictor(Stride8(), torch.device("cpu"))(batch)
    assert labels.shape == (2, 16, 32) and labels.max() < 3


def test_a_model_input_larger_than_the_labels_is_scored_at_the_label_size() -> None:
    # A 2x4 label map served by a model whose input (and prediction) is 2.5x larger: each label pixel takes the
    # prediction at its centre, so a prediction that upsamples the truth scores one.
    truth = np.arange(8, dtype=np.uint8).reshape(2, 4)
    frames = [(np.zeros((2, 4, 3), np.uint8), truth)]

    def predict(batch: torch.Tensor) -> np.ndarray:
        assert batch.shape[1:] == (3, 5, 10)
        return upsample_nearest(truth, 5, 10)[None]

    assert evaluate(predict, frames, 5, 10).miou == pytest.approx(1.0)


def test_val_source_keeps_the_held_out_size_whatever_the_model_input(monkeypatch) -> None:
    import segman.evaluate as evaluate_module
    rendered = []
    monkeypatch.setattr(evaluate_module, "val_frames", lambda count, *size: rendered.append((count, *size)) or iter(()))
    args = evaluate_module.argparse.Namespace(val=3, set=None, drive=None)
    sources = evaluate_module._sources(args, 320, 640)
    list(sources["val3"]())
    assert rendered == [(3, 256, 512)]
