import json

import numpy as np
import pytest
import torch

from segman.export import ExportOptions, export
from segman.slide import SlidingModel, check_slide, default_stride, parse_size, slide_logits, window_starts


@pytest.mark.parametrize("frame, window, stride, expected", [
    (1024, 1024, 768, [0]),                 # SegMAN's Cityscapes rows: one window
    (2048, 1024, 768, [0, 768, 1024]),      # and columns: the last moved back to the edge
    (16, 8, 6, [0, 6, 8]),
    (28, 12, 8, [0, 8, 16]),
    (24, 12, 12, [0, 12]),
    (12, 12, 4, [0]),
])
def test_windows_start_every_stride_and_the_last_ends_at_the_edge(frame, window, stride, expected):
    assert window_starts(frame, window, stride) == expected     # the agent's SlidingWindowsTests, case for case


def test_a_cell_local_model_slid_over_a_frame_equals_it_run_on_the_whole_frame():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.AvgPool2d(4), torch.nn.Conv2d(3, 5, 1)).eval()
    frames = torch.randn(2, 3, 48, 88)
    with torch.no_grad():
        slid = SlidingModel(model, (16, 32), (12, 20), 4)(frames)
        whole = model(frames)
    assert slid.shape == whole.shape == (2, 5, 12, 22)
    torch.testing.assert_close(slid, whole, rtol=0, atol=1e-6)


def test_every_cell_gets_the_mean_of_the_windows_that_cover_it():
    calls = []

    def run(window: torch.Tensor) -> torch.Tensor:
        calls.append(len(calls) + 1)
        return torch.full((1, 1, window.shape[2] // 2, window.shape[3] // 2), float(calls[-1]))

    result = slide_logits(run, torch.zeros(1, 3, 16, 28), (8, 12), (6, 8), 2)[0, 0]
    starts = [(top, left) for top in window_starts(16, 8, 6) for left in window_starts(28, 12, 8)]
    assert len(calls) == len(starts) == 9
    for y in range(8):
        for x in range(14):
            covering = [i + 1.0 for i, (top, left) in enumerate(starts)
                        if top // 2 <= y < top // 2 + 4 and left // 2 <= x < left // 2 + 6]
            assert result[y, x].item() == pytest.approx(sum(covering) / len(covering))


@pytest.mark.parametrize("frame, stride, message", [
    ((512, 2048), (768, 768), "smaller than the input"),
    ((1024, 2048), (1032, 768), "at most the input"),
    ((1024, 2044), (768, 768), "multiples of the output stride 8"),
])
def test_impossible_slides_are_refused_as_the_agent_refuses_them(frame, stride, message):
    with pytest.raises(ValueError, match=message):
        check_slide(frame, (1024, 1024), stride, 8)


def test_sizes_and_the_default_stride():
    assert parse_size("1024x2048") == (1024, 2048)
    assert default_stride((1024, 1024), 8) == (768, 768)
    with pytest.raises(ValueError, match="HEIGHTxWIDTH"):
        parse_size("1024")


def test_export_writes_the_slide_block_the_agent_reads(tmp_path):
    options = ExportOptions(out=tmp_path / "m.onnx", variant="nano", height=128, width=160, slide="256x480",
                            slide_stride="96x128")
    manifest = json.loads(export(options).manifest_path.read_text())
    assert manifest["slide"] == {"height": 256, "width": 480, "rowStride": 96, "columnStride": 128}
    with pytest.raises(ValueError, match="smaller than the input"):
        export(ExportOptions(out=tmp_path / "n.onnx", variant="nano", height=128, width=160, slide="96x480"))


def test_sliding_fixtures_hold_a_frame_and_the_windows_averaged_logits(tmp_path):
    from segman.fixtures import write_fixtures
    from segman.random_weights import random_model

    fixture = write_fixtures(tmp_path, "nano", 128, 160, seed=1, slide="256x288", slide_stride="96x96")
    assert fixture["inputShape"] == [1, 3, 256, 288] and fixture["outputShape"] == [1, 19, 32, 36]
    assert json.loads((tmp_path / "model_customops.json").read_text())["slide"]["width"] == 288
    image = torch.from_numpy(np.fromfile(tmp_path / "input.bin", dtype="<f4").reshape(1, 3, 256, 288))
    with torch.no_grad():
        again = slide_logits(random_model("nano", 1), image, (128, 160), (96, 96), 8)
    assert np.array_equal(again.numpy().ravel(), np.fromfile(tmp_path / "expected.bin", dtype="<f4"))

