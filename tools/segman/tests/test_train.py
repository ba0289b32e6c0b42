import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from segman.checkpoint import load_checkpoint
from segman.evaluate import IGNORE
from segman.network import build_segman
from segman.scenes.dataset import SceneSet
from segman.ops import tiled_na
from segman.variants import get_variant
from segman.manifest import MEAN
import segman.train as train_module
from segman.train import (CHECKPOINT, REPORT, SceneStream, TrainOptions, attention_backend, attention_maps, augment,
                          class_weights, crop_size, inference_size, learning_rate, mean_loss, parameter_groups,
                          parse_args, run, scale_crop_flip, tile_products, training_seconds)

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def test_two_tiny_steps_on_cpu_write_a_loadable_checkpoint_and_scores(tmp_path: Path, monkeypatch) -> None:
    started = time.monotonic()
    scored_at = []
    real_evaluate = train_module.evaluate

    def spy(predict, frames, height, width, *args, **kwargs):
        scored_at.append((height, width))
        return real_evaluate(predict, frames, height, width, *args, **kwargs)

    monkeypatch.setattr(train_module, "evaluate", spy)
    options = TrainOptions(out=tmp_path, minutes=1.0, variant="nano", height=128, width=128, infer_height=160,
                           infer_width=192, workers=0, batch=2, pool=8, val=2, drive=SAMPLES, drive_step=90,
                           max_steps=2, device="cpu")
    report = run(options)
    assert time.monotonic() - started < 60
    assert scored_at == [(160, 192), (160, 192)], "val and drive are scored at the inference size"
    assert (report["height"], report["width"], report["inferHeight"], report["inferWidth"]) == (128, 128, 160, 192)
    assert report["steps"] == 2 and report["framesSeen"] == 4
    assert np.isfinite(report["finalLoss"])
    saved = json.loads((tmp_path / REPORT).read_text())
    assert saved["val"]["frames"] == 2 and 0.0 <= saved["val"]["mIoU"] <= 1.0
    assert saved["val"]["pixels"] == 2 * 128 * 128                      # scored at the label size
    assert saved["drive"]["frames"] == 2 and saved["drive"]["pixels"] == 2 * 512 * 1024
    model = build_segman("nano")
    assert load_checkpoint(model, str(tmp_path / CHECKPOINT)).ok
    assert (tmp_path / CHECKPOINT).stat().st_size < 16 * 2**20


def test_scale_crop_flip_moves_labels_with_their_pixels() -> None:
    options = replace(TrainOptions(out=Path("."), minutes=0), scale_min=0.5, scale_max=1.5)
    # Vertical stripes 8 px wide, label k; every channel of the image holds 10 * k.
    labels = torch.from_numpy(np.repeat(np.arange(8) % 19, 8)[None, None, :].repeat(32, 1).repeat(6, 0))
    rgb = (10.0 * labels.float())[:, None].repeat(1, 3, 1, 1)
    images, targets = scale_crop_flip(rgb, labels.long(), options, torch.Generator().manual_seed(3))
    assert images.shape == (6, 3, 32, 64) and targets.shape == (6, 32, 64)
    valid = targets != IGNORE
    assert (~valid).any(), "a sample shrunk below the input size is padded with ignore"
    # Away from stripe borders (bilinear blends two stripes there) the pixel says which label it carries.
    matches = ((images[:, 0] / 10.0 - targets.float()).abs() < 0.5) & valid
    assert matches.sum() > 0.8 * valid.sum()
    padded = images.permute(0, 2, 3, 1)[~valid]
    assert torch.allclose(padded, torch.tensor(MEAN).expand_as(padded))


def test_crop_size_resizes_the_scene_to_the_training_input_before_the_zoom() -> None:
    options = replace(TrainOptions(out=Path("."), minutes=0), crop_height=40, crop_width=80, scale_min=1.0,
                      scale_max=1.0)
    # Vertical stripes 8 px wide in a 32x64 scene: 10 px wide in the 40x80 input, mirrored or not.
    labels = torch.from_numpy(np.repeat(np.arange(8), 8)[None, None, :].repeat(32, 1).repeat(4, 0))
    rgb = (10.0 * labels.float())[:, None].repeat(1, 3, 1, 1)
    images, targets = scale_crop_flip(rgb, labels.long(), options, torch.Generator().manual_seed(1))
    assert images.shape == (4, 3, 40, 80) and targets.shape == (4, 40, 80)
    stripes = torch.from_numpy(np.repeat(np.arange(8), 10))
    for target in targets:
        assert (target == stripes).all() or (target == stripes.flip(0)).all()


def test_augmentation_at_scale_one_keeps_or_mirrors_the_labels() -> None:
    options = replace(TrainOptions(out=Path("."), minutes=0), scale_min=1.0, scale_max=1.0)
    labels = np.random.default_rng(0).integers(0, 19, (8, 16, 32)).astype(np.uint8)
    images = np.zeros((8, 16, 32, 3), np.uint8)
    _, targets = augment(torch.from_numpy(images), torch.from_numpy(labels), options, torch.Generator().manual_seed(0))
    flipped = 0
    for target, original in zip(targets.numpy(), labels):
        mirrored = (target == original[:, ::-1]).all()
        assert (target == original).all() or mirrored
        flipped += int(mirrored)
    assert 0 < flipped < 8


def test_learning_rate_warms_up_then_decays_to_zero() -> None:
    options = TrainOptions(out=Path("."), minutes=1, lr=1e-3, warmup=0.1)
    assert learning_rate(options, 0.0) == 0.0
    assert abs(learning_rate(options, 0.05) - 0.5e-3 * 0.95 ** 0.9) < 1e-12
    assert learning_rate(options, 0.1) > learning_rate(options, 0.5) > learning_rate(options, 0.9) > 0
    assert learning_rate(options, 1.0) == 0.0


def test_class_weights_favour_rare_classes_and_absent_ones_get_the_cap() -> None:
    labels = np.zeros((1, 10, 100), np.uint8)
    labels[0, :, 90:] = 1                   # class 1 is 9x rarer than class 0
    labels[0, 0, :5] = 2
    labels[0, 1, :5] = IGNORE
    weights = class_weights(labels, 0.5).numpy()
    assert weights[0] < weights[1] < weights[2]
    assert weights[3] == 3.0 and weights.min() >= 0.5


def test_no_weight_decay_on_norms_biases_and_position_biases() -> None:
    model = build_segman("nano")
    decay, plain = parameter_groups(model, 0.05)
    assert decay["weight_decay"] == 0.05 and plain["weight_decay"] == 0.0
    names = {id(p): n for n, p in model.named_parameters()}
    assert all(p.ndim >= 2 and "rpb" not in names[id(p)] for p in decay["params"])
    assert any("rpb" in names[id(p)] for p in plain["params"])
    assert len(decay["params"]) + len(plain["params"]) == len(list(model.parameters()))


def test_training_attention_falls_back_to_gather_without_cuda_and_refuses_flex() -> None:
    cpu = torch.device("cpu")
    options = TrainOptions(out=Path("."), minutes=0)
    assert attention_backend(options, cpu) == "reference"
    options.attention = "flex"
    with pytest.raises(SystemExit, match="--attention gather"):
        attention_backend(options, cpu)
    options.attention = "fast"
    with pytest.raises(SystemExit, match="auto, gather, flex, fused"):
        attention_backend(options, cpu)


def test_attention_maps_follow_the_stage_strides() -> None:
    maps = attention_maps(get_variant("T-slim"), 256, 512)
    assert maps == [(64, 128, 11, 1), (32, 64, 9, 1), (16, 32, 9, 1), (8, 16, 7, 1)]


def test_fused_training_ops_need_cuda() -> None:
    options = TrainOptions(out=Path("."), minutes=0, attention="fused")
    with pytest.raises(SystemExit, match="--attention gather"):
        attention_backend(options, torch.device("cpu"))


def test_compiled_blocks_go_with_the_plain_torch_ops_only() -> None:
    options = TrainOptions(out=Path("."), minutes=0, compile=True)
    assert attention_backend(options, torch.device("cpu")) == "reference"
    options.attention = "tiled"
    assert attention_backend(options, torch.device("cpu")) == "tiled"
    options.attention = "fused"
    with pytest.raises(SystemExit, match="use it with --attention tiled or gather"):
        attention_backend(options, torch.device("cpu"))
    assert parse_args(["--out", "x", "--minutes", "1", "--compile", "--compile-mode", "reduce-overhead"]).compile_mode \
        == "reduce-overhead"
    with pytest.raises(SystemExit):
        parse_args(["--out", "x", "--minutes", "1", "--compile-mode", "fastest"])


def test_tile_products_are_fused_only_where_the_fused_kernel_runs() -> None:
    options = parse_args(["--out", "x", "--minutes", "1"])
    assert options.tile_products == "auto"
    assert tile_products(options, torch.device("cpu")) is False, "auto on the CPU: the explicit products"
    options.tile_products = "explicit"
    assert tile_products(options, torch.device("cpu")) is False
    options.tile_products = "fused"
    with pytest.raises(SystemExit, match="--tile-products explicit"):
        tile_products(options, torch.device("cpu"))
    with pytest.raises(SystemExit):
        parse_args(["--out", "x", "--minutes", "1", "--tile-products", "dense"])


def test_compiled_blocks_run_the_explicit_tile_products(monkeypatch) -> None:
    # Compiled, the fused kernel's backward fails on the bias layout inductor gives it: auto takes the explicit
    # products there, and an explicit request for the fused ones is refused before anything compiles.
    monkeypatch.setattr(tiled_na, "fused_products_available", lambda device: True)
    options = parse_args(["--out", "x", "--minutes", "1"])
    assert tile_products(options, torch.device("cuda")) is True
    options.compile = True
    assert tile_products(options, torch.device("cuda")) is False
    options.tile_products = "fused"
    with pytest.raises(SystemExit, match="--compile"):
        tile_products(options, torch.device("cuda"))


def test_cudnn_benchmark_is_off_unless_asked_for() -> None:
    assert not parse_args(["--out", "x", "--minutes", "1"]).cudnn_benchmark
    assert parse_args(["--out", "x", "--minutes", "1", "--cudnn-benchmark"]).cudnn_benchmark


def test_inference_size_defaults_to_the_training_size_and_is_checked(tmp_path: Path) -> None:
    assert inference_size(parse_args(["--out", "x", "--minutes", "1"])) == (256, 512)
    options = parse_args(["--out", "x", "--minutes", "1", "--infer-height", "320", "--infer-width", "640"])
    assert (options.height, options.width) == (256, 512) and inference_size(options) == (320, 640)
    cropped = parse_args(["--out", "x", "--minutes", "1", "--crop-height", "320", "--crop-width", "640"])
    assert (cropped.crop_height, cropped.crop_width) == (320, 640)
    assert crop_size(cropped, 256, 512) == (320, 640) and crop_size(options, 256, 512) == (256, 512)
    odd = TrainOptions(out=tmp_path, minutes=1.0, variant="nano", height=128, width=128, infer_height=150,
                       workers=0, device="cpu")
    with pytest.raises(ValueError, match="height 150 is not a multiple of 32"):
        run(odd)


def test_finish_by_shortens_the_budget_to_what_the_call_has_left() -> None:
    options = parse_args(["--out", "x", "--minutes", "10", "--finish-by", "1000", "--reserve", "30"])
    assert training_seconds(options, now=500.0) == 470.0            # 1000 - 500 - 30 s of scoring
    assert training_seconds(options, now=0.0) == 600.0              # --minutes still caps it
    assert training_seconds(TrainOptions(out=Path("."), minutes=2), now=1e9) == 120.0
    with pytest.raises(RuntimeError, match="--finish-by"):
        training_seconds(options, now=980.0)
    with pytest.raises(RuntimeError, match="--minutes must be positive"):
        training_seconds(TrainOptions(out=Path("."), minutes=0), now=0.0)


def test_held_stream_fills_its_buffer_then_waits_for_release() -> None:
    stream = SceneStream(64, 128, workers=0, capacity=3, seed=0, hold=True)
    try:
        stream.wait_for(3, timeout=60)
        time.sleep(0.5)
        assert stream.produced == 3
        stream.release()
        stream.wait_for(5, timeout=60)
    finally:
        stream.close()


@pytest.mark.parametrize("workers", [0, 2])
def test_stream_renders_the_val_scenes_of_the_held_out_set(workers: int) -> None:
    stream = SceneStream(64, 128, workers=workers, capacity=3, seed=0, hold=True)
    try:
        scenes = stream.render_val(3)
    finally:
        stream.close()
    expected = list(SceneSet("val", 0, 3, 64, 128))
    assert len(scenes) == 3
    for (image, labels), (expected_image, expected_labels) in zip(scenes, expected):
        assert np.array_equal(image, expected_image) and np.array_equal(labels, expected_labels)


def test_hard_pixel_mining_trains_when_asked(tmp_path: Path, monkeypatch) -> None:
    calls = []
    real_loss = train_module.hard_pixel_cross_entropy

    def spy(*args, **kwargs):
        calls.append(args[4:])
        return real_loss(*args, **kwargs)

    monkeypatch.setattr(train_module, "hard_pixel_cross_entropy", spy)
    options = parse_args(["--out", str(tmp_path), "--minutes", "1", "--variant", "nano", "--height", "128",
                          "--width", "128", "--workers", "0", "--batch", "2", "--pool", "4", "--val", "1",
                          "--max-steps", "2", "--device", "cpu", "--hard-pixels", "0.7", "--hard-pixels-min", "0.1"])
    report = run(options)
    assert calls and all(call == (0.7, 0.1) for call in calls)
    assert np.isfinite(report["finalLoss"])
    assert report["options"]["hard_pixels"] == 0.7
    assert parse_args(["--out", "x", "--minutes", "1"]).hard_pixels == 0, "off unless asked"


def test_lovasz_loss_is_added_when_asked(tmp_path: Path, monkeypatch) -> None:
    calls = []
    real_loss = train_module.lovasz_softmax

    def spy(*args, **kwargs):
        value = real_loss(*args, **kwargs)
        calls.append((args[2:], float(value)))
        return value

    monkeypatch.setattr(train_module, "lovasz_softmax", spy)
    options = parse_args(["--out", str(tmp_path), "--minutes", "1", "--variant", "nano", "--height", "128",
                          "--width", "128", "--workers", "0", "--batch", "2", "--pool", "4", "--val", "1",
                          "--max-steps", "2", "--device", "cpu", "--lovasz", "0.5", "--lovasz-stride", "3"])
    report = run(options)
    assert len(calls) >= 2 and all(call == (IGNORE, 3) and 0 < value <= 1 for call, value in calls)
    assert np.isfinite(report["finalLoss"])
    assert report["options"]["lovasz"] == 0.5 and report["options"]["lovasz_stride"] == 3
    assert parse_args(["--out", "x", "--minutes", "1"]).lovasz == 0, "off unless asked"


def test_steady_throughput_leaves_out_the_first_steps() -> None:
    progress = train_module.Progress(steps=30, frames_seen=30 * 64, seconds=12.0, settled_at=(10 * 64, 4.0))
    assert progress.steady_frames_per_second() == pytest.approx(20 * 64 / 8.0)
    assert train_module.Progress(steps=5, frames_seen=320, seconds=2.0).steady_frames_per_second() is None


def test_weight_averages_ride_along_and_are_saved_and_scored_after_the_weights(tmp_path: Path) -> None:
    options = parse_args(["--out", str(tmp_path), "--minutes", "1", "--variant", "nano", "--height", "128",
                          "--width", "128", "--workers", "0", "--batch", "2", "--pool", "4", "--val", "1",
                          "--max-steps", "3", "--device", "cpu", "--ema", "0.5,0.9"])
    assert options.ema == (0.5, 0.9)
    report = run(options)
    raw = torch.load(tmp_path / CHECKPOINT)
    assert [a["decay"] for a in report["averages"]] == [0.5, 0.9]
    for average in report["averages"]:
        assert average["val"]["frames"] == 1 and 0.0 <= average["val"]["mIoU"] <= 1.0
        state = torch.load(tmp_path / average["checkpoint"])
        assert state.keys() == raw.keys()
        assert any(not torch.equal(state[k], raw[k]) for k in raw if raw[k].is_floating_point()), \
            "an average of three steps is not the last weights"
        assert load_checkpoint(build_segman("nano"), str(tmp_path / average["checkpoint"])).ok
    assert "val mIoU, ema0.9" in train_module.summary_table(report)
    with pytest.raises(SystemExit):
        parse_args(["--out", "x", "--minutes", "1", "--ema", "1.5"])
    assert parse_args(["--out", "x", "--minutes", "1"]).ema == ()


def test_rare_class_sampling_draws_by_class_and_reports_the_tilt(tmp_path: Path) -> None:
    options = parse_args(["--out", str(tmp_path), "--minutes", "1", "--variant", "nano", "--height", "128",
                          "--width", "128", "--workers", "0", "--batch", "2", "--pool", "6", "--val", "1",
                          "--max-steps", "2", "--device", "cpu", "--rare-class-sampling", "0.01"])
    assert (options.rare_class_sampling, options.rare_class_pixels) == (0.01, 32)
    report = run(options)
    weights, tilt = np.array(report["classWeights"]), np.array(report["classTilt"])
    drawn, rendered = np.array(report["drawnShare"]), np.array(report["renderedShare"])
    assert drawn.sum() == pytest.approx(1.0, abs=1e-4) and rendered.sum() == pytest.approx(1.0, abs=1e-4)
    # The report rounds shares to 6 decimals: compare where that rounding is small against the share itself.
    seen = (drawn > 1e-3) & (rendered > 1e-3)
    assert seen.sum() >= 3
    assert np.allclose(tilt[seen], weights[seen] * drawn[seen] / rendered[seen], rtol=2e-3, atol=2e-3)
    assert parse_args(["--out", "x", "--minutes", "1"]).rare_class_sampling == 0, "off unless asked"


def test_uniform_draws_tilt_by_the_loss_weights_alone(tmp_path: Path) -> None:
    stream = SceneStream(64, 128, workers=0, capacity=4, seed=0)
    try:
        stream.wait_for(4, timeout=60)
        labels = stream.sample(3, np.random.default_rng(0))[1]
        drawn, rendered = stream.drawn_share()
        expected = np.bincount(labels[labels != IGNORE].ravel(), minlength=19)[:19]
        assert np.allclose(drawn, expected / expected.sum())
        assert rendered.sum() == pytest.approx(1.0)
    finally:
        stream.close()
    weights = torch.tensor([0.5, 2.0, 3.0])
    assert train_module.class_tilt(weights, np.array([0.2, 0.3, 0.5]), np.array([0.5, 0.3, 0.2]), None).tolist() \
        == pytest.approx([0.5, 2.0, 3.0])
    sampler = train_module.RareClassSampler(0.1)
    assert train_module.class_tilt(weights, np.array([0.2, 0.3, 0.5]), np.array([0.5, 0.3, 0.2]), sampler).tolist() \
        == pytest.approx([0.2, 2.0, 7.5])


def test_channels_last_trains_and_saves_weights_an_nchw_model_loads(tmp_path: Path, monkeypatch) -> None:
    layouts = []
    real_build = train_module.build_segman

    def build(*args, **kwargs):
        model = real_build(*args, **kwargs)
        model.register_forward_pre_hook(
            lambda module, inputs: layouts.append(inputs[0].is_contiguous(memory_format=torch.channels_last)))
        return model

    monkeypatch.setattr(train_module, "build_segman", build)
    options = parse_args(["--out", str(tmp_path), "--minutes", "1", "--variant", "nano", "--height", "128",
                          "--width", "128", "--workers", "0", "--batch", "2", "--pool", "4", "--val", "1",
                          "--max-steps", "2", "--device", "cpu", "--channels-last"])
    report = run(options)
    assert report["options"]["channels_last"] is True and np.isfinite(report["finalLoss"])
    assert layouts[:3] == [True, True, True], "the warm-up and both steps feed NHWC inputs"
    assert load_checkpoint(build_segman("nano"), str(tmp_path / CHECKPOINT)).ok
    assert parse_args(["--out", "x", "--minutes", "1"]).channels_last is False


def test_augmentation_sends_its_numbers_to_the_device_without_waiting_for_it(monkeypatch) -> None:
    # A blocking copy to the GPU waits for all queued work: the next step could not be queued ahead of the GPU.
    calls = []
    real_to = torch.Tensor.to

    def spy(self, *args, **kwargs):
        calls.append(kwargs.get("non_blocking", False) or (len(args) > 1 and args[1] is True))
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", spy)
    options = TrainOptions(out=Path("."), minutes=0, scale_min=1.0, scale_max=1.25)
    images = torch.randint(0, 256, (2, 32, 64, 3), dtype=torch.uint8)
    labels = torch.randint(0, 19, (2, 32, 64), dtype=torch.uint8)
    augment(images, labels, options, torch.Generator().manual_seed(0))
    assert calls and all(calls), f"{calls.count(False)} of {len(calls)} copies block"


def test_mean_loss_reads_the_kept_losses_once() -> None:
    assert mean_loss([torch.tensor(1.0), torch.tensor(2.0, dtype=torch.bfloat16), torch.tensor(4.5)]) == 2.5
    assert np.isnan(mean_loss([]))
