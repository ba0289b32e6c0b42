import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from segman.prefetch import BatchPrefetcher, NumberedFrames, check
from segman.train import SceneStream, TrainOptions, run


def test_batches_come_in_the_order_they_were_drawn_off_the_training_thread() -> None:
    source = NumberedFrames()
    with BatchPrefetcher(source, batch=3, rng=np.random.default_rng(0), device=torch.device("cpu"),
                         depth=2) as batches:
        for step in range(5):
            images, labels = batches.next()
            assert images.shape == (3, 4, 6, 3) and labels.shape == (3, 4, 6)
            assert images.dtype == labels.dtype == torch.uint8
            expected = torch.arange(3 * step, 3 * step + 3, dtype=torch.uint8)
            assert torch.equal(images[:, 0, 0, 0], expected)
            assert torch.equal(labels[:, 0, 0], expected + 100)
            assert bool((images == expected[:, None, None, None]).all()), "every pixel of the frame written"
    assert threading.get_ident() not in source.threads


def test_a_batch_is_not_refilled_while_the_step_holds_it() -> None:
    source = NumberedFrames()
    with BatchPrefetcher(source, batch=2, rng=np.random.default_rng(0), device=torch.device("cpu"),
                         depth=1) as batches:
        images, _ = batches.next()
        first = images.clone()
        threading.Event().wait(0.3)          # time enough for the thread to refill it, were it free
        assert torch.equal(images, first)
        assert source.drawn == 2
        batches.next()
        assert source.drawn >= 4


def test_a_failed_draw_reaches_the_training_loop_with_its_cause() -> None:
    source = NumberedFrames(fail_at=4)
    with BatchPrefetcher(source, batch=2, rng=np.random.default_rng(0), device=torch.device("cpu"),
                         depth=2) as batches:
        batches.next()
        batches.next()
        with pytest.raises(RuntimeError, match="drawing a training batch failed.*ring buffer went away") as caught:
            batches.next()
        assert isinstance(caught.value.__cause__, OSError)


def test_depth_is_at_least_one() -> None:
    with pytest.raises(ValueError, match="depth"):
        BatchPrefetcher(NumberedFrames(), batch=1, rng=np.random.default_rng(0), device=torch.device("cpu"),
                        depth=0)


def test_scene_stream_gathers_the_frames_sample_would_draw() -> None:
    stream = SceneStream(64, 128, workers=0, capacity=3, seed=0, hold=True)
    try:
        stream.wait_for(3, timeout=60)
        images, labels = stream.sample(5, np.random.default_rng(7))
        drawn = stream.drawn_pixels.copy()
        into_images = torch.empty((5, 64, 128, 3), dtype=torch.uint8)
        into_labels = torch.empty((5, 64, 128), dtype=torch.uint8)
        stream.gather_into(into_images, into_labels, np.random.default_rng(7))
    finally:
        stream.close()
    assert np.array_equal(into_images.numpy(), images) and np.array_equal(into_labels.numpy(), labels)
    assert np.array_equal(stream.drawn_pixels, 2 * drawn), "the draws are counted for the class tilt"


def test_training_with_prefetched_batches_runs_its_steps(tmp_path: Path) -> None:
    options = TrainOptions(out=tmp_path, minutes=1.0, variant="nano", height=128, width=128, workers=0, batch=2,
                           pool=8, val=0, max_steps=3, device="cpu", prefetch=2)
    report = run(options)
    assert report["steps"] == 3 and report["framesSeen"] == 6 and np.isfinite(report["finalLoss"])
    assert report["options"]["prefetch"] == 2


def test_the_self_check_passes_on_the_cpu() -> None:
    assert check(torch.device("cpu"), steps=4) == 4


def test_the_self_check_fails_on_a_batch_that_is_not_what_was_drawn() -> None:
    class Skipping(NumberedFrames):
        def gather_into(self, images, labels, rng):
            super().gather_into(images, labels, rng)
            if self.drawn == 9:
                labels[1] = 0

    with pytest.raises(AssertionError, match="1 of 4 batches wrong on cpu; batch 2"):
        check(torch.device("cpu"), steps=4, source=Skipping())


def test_a_negative_prefetch_is_refused_naming_the_option(tmp_path: Path) -> None:
    options = TrainOptions(out=tmp_path, minutes=1.0, variant="nano", height=128, width=128, workers=0, batch=2,
                           pool=8, val=0, max_steps=1, device="cpu", prefetch=-1)
    with pytest.raises(ValueError, match="--prefetch is 0 .* or more, got -1"):
        run(options)
