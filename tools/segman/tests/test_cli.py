import json

import cv2
import numpy as np
import pytest
import torch

from segman.export import main as export_main
from segman.frames import sample_frames
from segman.manifest import MEAN, STD
from segman.params import main as params_main


def test_params_cli_prints_official_counts(capsys):
    params_main([])
    out = capsys.readouterr().out
    for figure in ("6.38M", "29.41M", "51.78M", "92.31M", "29.97M"):
        assert figure in out


def test_export_cli_writes_model_and_manifest(tmp_path, capsys):
    out = tmp_path / "segman_nano.onnx"
    export_main(["--variant", "nano", "--height", "128", "--width", "160", "--out", str(out), "--output", "labels"])
    manifest = json.loads(out.with_suffix(".json").read_text())
    assert manifest["name"] == "segman_nano" and manifest["output"]["kind"] == "labels"
    assert "custom nodes" in capsys.readouterr().out


def test_export_cli_rejects_bad_size(tmp_path):
    with pytest.raises(SystemExit, match="multiple of 32"):
        export_main(["--variant", "T", "--height", "250", "--width", "256", "--out", str(tmp_path / "m.onnx")])


def test_folder_frames_are_rgb_normalised_and_disjoint(tmp_path):
    for index in range(3):
        image = np.zeros((64, 80, 3), np.uint8)
        image[..., 0] = 10 * index            # blue channel in BGR
        image[..., 2] = 200                   # red
        cv2.imwrite(str(tmp_path / f"frame_{index}.png"), image)
    frames = sample_frames(2, 64, 80, folder=str(tmp_path))
    later = sample_frames(1, 32, 40, folder=str(tmp_path), skip=2)
    assert frames[0].shape == (1, 3, 64, 80) and later[0].shape == (1, 3, 32, 40)
    assert torch.allclose(frames[0][0, 0], torch.full((64, 80), (200 - MEAN[0]) / STD[0]))
    assert torch.allclose(later[0][0, 2], torch.full((32, 40), (20 - MEAN[2]) / STD[2]))
    with pytest.raises(ValueError, match="fewer than"):
        sample_frames(3, 64, 80, folder=str(tmp_path), skip=1)
