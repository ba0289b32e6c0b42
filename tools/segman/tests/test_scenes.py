"""The scene renderer and the dataset writer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from segman.scenes import NUM_CLASSES, render_scene
from segman.scenes.dataset import VAL_SEED_OFFSET, SceneSet, main as dataset_main, read_set, scene_seed
from segman.scenes.render import clean_render


def test_same_seed_same_frame_other_seed_other_frame():
    image_a, labels_a = render_scene(1234, 128, 256)
    image_b, labels_b = render_scene(1234, 128, 256)
    assert image_a.shape == (128, 256, 3) and image_a.dtype == np.uint8
    assert labels_a.shape == (128, 256) and labels_a.dtype == np.uint8
    assert np.array_equal(image_a, image_b) and np.array_equal(labels_a, labels_b)
    image_c, labels_c = render_scene(1235, 128, 256)
    assert not np.array_equal(labels_a, labels_c)
    assert np.abs(image_a.astype(int) - image_c.astype(int)).mean() > 10


def test_a_batch_shows_every_class_and_only_train_ids():
    seen = np.zeros(256, np.int64)
    for seed in range(32):
        _, labels = render_scene(seed, 256, 512)
        seen += np.bincount(labels.ravel(), minlength=256)
    assert seen[NUM_CLASSES:].sum() == 0, "labels outside 0..18"
    missing = [k for k in range(NUM_CLASSES) if seen[k] == 0]
    assert not missing, f"classes never drawn: {missing}"


def test_road_below_sky_above():
    for seed in range(4):
        _, labels = render_scene(seed, 128, 256)
        rows = np.arange(128)[:, None].repeat(256, axis=1)
        assert rows[labels == 10].mean() < rows[labels == 0].mean()


def test_label_edges_are_image_edges():
    """Labels come from the same geometry as the image: where the label changes, so does the image."""
    ratios = []
    for seed in range(3):
        image, labels = clean_render(seed, 256, 512)
        grad = np.abs(np.diff(image.astype(np.float64), axis=1)).sum(axis=2)
        boundary = labels[:, 1:] != labels[:, :-1]
        ratios.append(grad[boundary].mean() / (grad[~boundary].mean() + 1e-9))
    assert min(ratios) > 3.0, ratios


def test_the_same_scene_at_two_sizes():
    _, small = render_scene(77, 128, 256)
    _, large = render_scene(77, 256, 512)
    agreement = (large[1::2, 1::2] == small).mean()
    assert agreement > 0.85, agreement


def test_validation_seeds_never_meet_training_seeds():
    train = set(SceneSet("train", 0, 2000).seeds())
    val = set(SceneSet("val", 0, 2000).seeds())
    assert len(train) == len(val) == 2000
    assert not train & val
    assert max(train) < VAL_SEED_OFFSET <= min(val)
    with pytest.raises(ValueError):
        scene_seed("train", VAL_SEED_OFFSET, 0)
    with pytest.raises(ValueError):
        scene_seed("test", 0, 0)


def test_scenes_rendered_by_workers_come_in_order_and_equal_the_serial_ones():
    scenes = SceneSet("val", 3, 6, 64, 128)
    serial = list(scenes)
    for workers in (1, 3):
        parallel = list(scenes.rendered(workers))
        assert len(parallel) == len(serial)
        for (image, labels), (expected_image, expected_labels) in zip(parallel, serial):
            assert np.array_equal(image, expected_image) and np.array_equal(labels, expected_labels)


def test_dataset_cli_writes_shards_that_read_back(tmp_path):
    out = tmp_path / "set"
    dataset_main(["--out", str(out), "--count", "5", "--seed", "40", "--height", "64", "--width", "128",
                  "--workers", "2", "--shard-size", "3", "--split", "val"])
    meta = json.loads((out / "meta.json").read_text())
    assert meta["count"] == 5 and meta["split"] == "val" and len(meta["shards"]) == 2
    assert [s["count"] for s in meta["shards"]] == [3, 2]
    pairs = list(read_set(out))
    assert len(pairs) == 5
    for i, (image, labels) in enumerate(pairs):
        expected_image, expected_labels = render_scene(scene_seed("val", 40, i), 64, 128)
        assert np.array_equal(image, expected_image) and np.array_equal(labels, expected_labels)
