import json
from pathlib import Path

import numpy as np
import pytest

from segman.evalset import read_evalset, write_evalset
from segman.scenes.dataset import VAL_SEED_OFFSET
from segman.scenes.render import render_scene


def test_evalset_round_trips_the_rendered_validation_frames(tmp_path: Path) -> None:
    write_evalset(tmp_path, count=2, seed=5, height=64, width=128)
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["count"] == 2 and (index["height"], index["width"]) == (64, 128)
    assert [frame["seed"] for frame in index["frames"]] == [VAL_SEED_OFFSET + 5, VAL_SEED_OFFSET + 6]
    frames = list(read_evalset(tmp_path))
    assert len(frames) == 2
    for (image, labels), frame in zip(frames, index["frames"]):
        expected_image, expected_labels = render_scene(frame["seed"], 64, 128)
        assert image.dtype == np.uint8 and image.shape == (64, 128, 3)
        assert np.array_equal(image, expected_image) and np.array_equal(labels, expected_labels)


def test_reading_a_folder_of_another_format_fails(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError):
        list(read_evalset(tmp_path))
